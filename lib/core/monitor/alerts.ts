import * as z from '../validation.js';
import { NOTIFICATION_VERSION, type NotificationInput } from '../notification/message.js';
import type { DatabaseRecovery } from './recovery.js';

/**
 * What the monitor remembers between runs: the problems already announced, so a breach is told
 * once when it starts and once when it ends, not every 15 minutes. Kept as `state/monitor.json` in
 * the reports bucket (see functions/monitor/handler.ts for why there).
 */
export const MonitorStateSchema = z.object({
  version: z.literal(1),
  open: z.record(z.string(), z.object({ since: z.string(), summary: z.string() })),
});
export type MonitorState = z.infer<typeof MonitorStateSchema>;

export const EMPTY_STATE: MonitorState = { version: 1, open: {} };

/** An unreadable or missing state is an empty one: an ongoing breach is then told again, never hidden. */
export function readMonitorState(value: unknown): MonitorState {
  const parsed = MonitorStateSchema.safeParse(value);
  return parsed.success ? parsed.data : EMPTY_STATE;
}

/** One condition the monitor checks: failing with the message to raise, or passing. */
export interface Check {
  key: string;
  problem?: NotificationInput;
  /** Sent when a problem that was open is gone; without one the problem closes quietly. */
  recovery?: NotificationInput;
}

/**
 * Compares this run's checks with what was open before: a new problem is raised, a known one is
 * not repeated, a cleared one sends its recovery. Checks that no longer exist (a database no longer
 * selected) close quietly.
 */
export function reconcile(
  previous: MonitorState,
  checks: readonly Check[],
  now: Date,
): { announcements: Announcement[]; state: MonitorState } {
  const announcements: Announcement[] = [];
  const open: MonitorState['open'] = {};
  for (const check of checks) {
    const known = previous.open[check.key];
    if (check.problem) {
      if (!known) announcements.push({ key: check.key, raised: true, notification: check.problem });
      open[check.key] = { since: known?.since ?? now.toISOString(), summary: check.problem.summary };
    } else if (known && check.recovery) {
      announcements.push({
        key: check.key,
        raised: false,
        notification: {
          ...check.recovery,
          details: { ...check.recovery.details, problemSince: known.since },
        },
      });
    }
  }
  return { announcements, state: { version: 1, open } };
}

/** A message reconcile decided to send: a problem `raised`, or one that has cleared. */
export interface Announcement {
  key: string;
  raised: boolean;
  notification: NotificationInput;
}

/**
 * The state to save when some announcements could not be published: a raise that was not told
 * stays unknown (told next run), a recovery that was not told stays open (told next run).
 */
export function withUnannounced(
  state: MonitorState,
  previous: MonitorState,
  unannounced: readonly Announcement[],
): MonitorState {
  const open = { ...state.open };
  for (const { key, raised } of unannounced) {
    if (raised) delete open[key];
    else if (previous.open[key]) open[key] = previous.open[key];
  }
  return { version: 1, open };
}

interface Where {
  account?: string;
  region: string;
}

function databaseLink(recovery: DatabaseRecovery, where: Where) {
  const { region } = where;
  return {
    label: 'Open in the RDS console',
    url: `https://${region}.console.aws.amazon.com/rds/home?region=${region}#database:id=${encodeURIComponent(recovery.database)};is-cluster=${recovery.kind === 'cluster'}`,
  };
}

function base(
  recovery: DatabaseRecovery,
  where: Where,
  now: Date,
): Omit<NotificationInput, 'kind' | 'severity' | 'summary'> {
  return {
    version: NOTIFICATION_VERSION,
    database: recovery.database,
    policy: recovery.policy,
    region: where.region,
    ...(where.account ? { account: where.account } : {}),
    links: [databaseLink(recovery, where)],
    at: now.toISOString(),
  };
}

function ageDetails(recovery: DatabaseRecovery) {
  return {
    rpoMinutes: recovery.rpo.objectiveMinutes,
    snapshot: recovery.snapshot,
    copies: recovery.copies.map(({ target, newest, error }) => ({
      target,
      newest,
      ...(error ? { error } : {}),
    })),
  };
}

/** The RPO check of one database: breach while any age is over the objective, recovery after. */
export function rpoCheck(recovery: DatabaseRecovery, where: Where, now: Date): Check {
  const key = `rpo:${recovery.kind}:${recovery.database}`;
  const common = base(recovery, where, now);
  if (recovery.rpo.state === 'breach') {
    return {
      key,
      problem: {
        ...common,
        kind: 'rpo.breach',
        severity: 'critical',
        summary: `RPO of ${recovery.rpo.objectiveMinutes} min breached: ${recovery.rpo.reasons.join('; ')}.`,
        details: ageDetails(recovery),
      },
    };
  }
  const copies = [
    ...recovery.copies.map((copy) =>
      copy.newest ? `copy at ${copy.target} ${copy.newest.ageMinutes} min` : `no copy at ${copy.target}`,
    ),
    ...(recovery.pointInTime ?? []).flatMap((state) =>
      state.lagMinutes === null ? [] : [`point-in-time at ${state.target} ${state.lagMinutes} min behind`],
    ),
  ];
  return {
    key,
    recovery: {
      ...common,
      kind: 'rpo.recovered',
      severity: 'info',
      summary: `Back within the RPO of ${recovery.rpo.objectiveMinutes} min: newest snapshot ${recovery.snapshot?.ageMinutes} min old${copies.length > 0 ? `, ${copies.join(', ')}` : ''}.`,
      details: ageDetails(recovery),
    },
  };
}

/** No passed restore-verify within the schedule's period plus a margin. Told once; a pass clears it. */
export function verificationCheck(recovery: DatabaseRecovery, where: Where, now: Date): Check {
  const key = `verify:${recovery.kind}:${recovery.database}`;
  const { verification } = recovery;
  if (verification.state !== 'stale') return { key };
  const last = verification.last
    ? `the last one passed ${verification.last.at} (${verification.last.ageMinutes} min ago)`
    : 'none has passed yet';
  return {
    key,
    problem: {
      ...base(recovery, where, now),
      kind: 'verify.stale',
      severity: 'warning',
      summary: `No restore-verify has passed within ${verification.dueWithinMinutes} min; ${last}.`,
      details: { dueWithinMinutes: verification.dueWithinMinutes, last: verification.last },
    },
  };
}
