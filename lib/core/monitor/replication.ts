import type { DatabaseSource } from '../model.js';
import type { Policy } from '../policy/schema.js';
import type { UseCaseLogger } from '../use-cases/log.js';
import {
  decideReplication,
  hasPointInTime,
  pointInTimeState,
  type BackupReplication,
  type PointInTimeState,
  type PointInTimeTarget,
  type ReplicatedBackup,
} from './point-in-time.js';
import { targetLabel } from './recovery.js';

/** A replication the monitor is to start, and where its outcome is written back. */
export interface ReplicationStart {
  database: string;
  replication: BackupReplication;
  request: { sourceArn: string; retentionDays: number; kmsKeyId: string };
  state: PointInTimeState;
}

/** The replicated backups of each target region, listed once per run however many policies use it. */
export type ReplicatedListings = Map<string, Promise<ReplicatedBackup[]>>;

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * The point-in-time state of each selected database at each of the policy's `pointInTime` targets,
 * and the replications to start. Read-only: starting is the caller's (the monitor's) decision.
 */
export async function surveyReplication(
  policy: Policy,
  selected: readonly DatabaseSource[],
  replicationAt: ((target: PointInTimeTarget) => BackupReplication) | undefined,
  listings: ReplicatedListings,
  now: Date,
): Promise<{
  states: Map<string, PointInTimeState[]>;
  starts: ReplicationStart[];
  errors: Array<{ step: string; error: string }>;
}> {
  const states = new Map<string, PointInTimeState[]>(selected.map((database) => [database.id, []]));
  const starts: ReplicationStart[] = [];
  const errors: Array<{ step: string; error: string }> = [];
  if (!replicationAt) return { states, starts, errors };
  for (const target of policy.copies.filter(hasPointInTime)) {
    const label = targetLabel(target);
    const replication = replicationAt(target);
    if (!listings.has(label)) listings.set(label, replication.listReplicated());
    let replicated: ReplicatedBackup[];
    try {
      replicated = await listings.get(label)!;
    } catch (error) {
      const text = errorText(error);
      if (!errors.some((e) => e.step === `replicated backups ${label}`))
        errors.push({ step: `replicated backups ${label}`, error: text });
      for (const database of selected) {
        states.get(database.id)!.push({
          target: label,
          state: 'unreadable',
          latestRestorableTime: null,
          lagMinutes: null,
          detail: `replicated backups at ${label} cannot be read: ${text}`,
        });
      }
      continue;
    }
    for (const database of selected) {
      const decision = decideReplication(database, target, replicated, now);
      const state = pointInTimeState(label, decision);
      states.get(database.id)!.push(state);
      if (decision.action === 'start') {
        starts.push({ database: database.id, replication, request: decision.request, state });
      }
    }
  }
  return { states, starts, errors };
}

/**
 * Starts every replication `surveyReplication` found missing or stopped, and writes the outcome
 * into its state: `starting` once RDS took it, `not-running` with RDS's answer when it did not.
 */
export async function startReplications(
  starts: readonly ReplicationStart[],
  logger: UseCaseLogger,
): Promise<Array<{ step: string; error: string }>> {
  const errors: Array<{ step: string; error: string }> = [];
  for (const start of starts) {
    try {
      await start.replication.startReplication(start.request);
      logger.warn(`started replicating ${start.database}'s automated backups to ${start.state.target}`, {
        reason: start.state.detail,
        retentionDays: start.request.retentionDays,
      });
      start.state.state = 'starting';
      start.state.detail = `${start.state.detail}; the monitor started it, the first replicated backup is on its way`;
    } catch (error) {
      const text = errorText(error);
      errors.push({ step: `replicate ${start.database} to ${start.state.target}`, error: text });
      start.state.detail = `${start.state.detail}; starting it failed: ${text}`;
    }
  }
  return errors;
}
