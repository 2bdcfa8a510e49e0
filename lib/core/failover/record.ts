import type { NotificationInput } from '../notification/message.js';
import { describeSource } from './source.js';
import type { FailoverDatabase, FailoverPlan } from './types.js';

export type FailoverEnd =
  | { state: 'available'; database: FailoverDatabase; at: string }
  | { state: 'failed' | 'timed-out' | 'gone'; database?: FailoverDatabase; at: string }
  | { state: 'started'; database: FailoverDatabase; at: string };

/** Measured against the objectives: RTO from the command's start, RPO from the data's time. */
export interface FailoverMeasures {
  rtoMinutes: number | null;
  rpoMinutes: number;
  rtoMet: boolean | null;
  rpoMet: boolean;
}

const minutesBetween = (from: string, to: string) =>
  Math.round(((Date.parse(to) - Date.parse(from)) / 60_000) * 10) / 10;

export function measure(plan: FailoverPlan, end: FailoverEnd): FailoverMeasures {
  const rtoMinutes = end.state === 'available' ? minutesBetween(plan.plannedAt, end.at) : null;
  const rpoMinutes = minutesBetween(plan.dataAt, plan.plannedAt);
  return {
    rtoMinutes,
    rpoMinutes,
    rtoMet: rtoMinutes === null ? null : rtoMinutes <= plan.objectives.rtoMinutes,
    rpoMet: rpoMinutes <= plan.objectives.rpoMinutes,
  };
}

/** Where the record goes in the DR site's reports bucket: one per failover, sortable by time. */
export function failoverRecordKey(plan: FailoverPlan): string {
  return `failovers/${plan.database}/${plan.plannedAt}.json`;
}

export const FAILOVER_RECORD_FORMAT = 1;

/** The failover record (JSON): what was restored, from what, and how it measured up. */
export function failoverRecord(plan: FailoverPlan, end: FailoverEnd) {
  return {
    format: FAILOVER_RECORD_FORMAT,
    type: 'failover',
    database: plan.database,
    kind: plan.kind,
    engine: plan.engine,
    policy: plan.policy,
    target: plan.target.label,
    newDatabase: plan.newId,
    state: end.state,
    startedAt: plan.plannedAt,
    endedAt: end.at,
    endpoint: end.database?.endpoint ?? null,
    source:
      plan.source.type === 'snapshot'
        ? {
            type: 'snapshot',
            id: plan.source.copy.id,
            arn: plan.source.copy.arn,
            verified: plan.source.verified,
          }
        : {
            type: 'point-in-time',
            automatedBackupsArn: plan.source.backup.arn,
            time: plan.source.time.toISOString(),
          },
    dataAt: plan.dataAt,
    dataLoss: plan.dataLoss,
    objectives: plan.objectives,
    measured: measure(plan, end),
    settings: plan.settings,
    warnings: plan.warnings,
  };
}

export type FailoverRecord = ReturnType<typeof failoverRecord>;

/** The notification of a failover that ended (or was left to run), for the DR site's topic. */
export function failoverNotification(
  plan: FailoverPlan,
  end: FailoverEnd,
  recordKey?: string,
): NotificationInput {
  const m = measure(plan, end);
  const done = end.state === 'available' || end.state === 'started';
  const rto =
    m.rtoMinutes === null ? 'not measured' : `${m.rtoMinutes} min (objective ${plan.objectives.rtoMinutes})`;
  return {
    version: 1,
    kind: done ? 'failover.done' : 'failover.failed',
    severity: done ? 'warning' : 'critical',
    database: plan.database,
    policy: plan.policy,
    ...(plan.target.account ? { account: plan.target.account } : {}),
    region: plan.target.region,
    summary: done
      ? `${plan.database} ${end.state === 'available' ? 'is' : 'is being'} restored as ${plan.newId} in ${plan.target.label} from ${describeSource(plan.source)}; RPO ${m.rpoMinutes} min (objective ${plan.objectives.rpoMinutes}), RTO ${rto}`
      : `failover of ${plan.database} to ${plan.newId} in ${plan.target.label}: ${end.state}`,
    action: done
      ? `Point the applications at ${end.database?.endpoint ? `${end.database.endpoint.host}:${end.database.endpoint.port}` : plan.newId} (the runbook's regional-outage steps); writes after ${plan.dataAt} are not in it.`
      : `Look at ${plan.newId} in the RDS console of ${plan.target.label}; rerun lifeboat failover with --name ${plan.newId} to follow it.`,
    details: {
      newDatabase: plan.newId,
      dataAt: plan.dataAt,
      dataLossMinutes: plan.dataLoss.minutes,
      rtoMinutes: m.rtoMinutes,
      ...(recordKey ? { record: recordKey } : {}),
    },
    at: end.at,
  };
}
