import type { DatabaseSource } from '../model.js';
import { pointInTimeRefusal, replicaKeyOf, type PointInTimePolicy } from '../policy/point-in-time.js';
import type { CopyTargetPolicy } from '../policy/schema.js';

/**
 * A DB instance's automated backups replicated into a copy target's region, as
 * DescribeDBInstanceAutomatedBackups gives them there.
 */
export interface ReplicatedBackup {
  /** DBInstanceAutomatedBackupsArn: what a point-in-time restore in that region names. */
  arn: string;
  /** DBInstanceArn: the source instance in the home region. */
  sourceArn: string;
  status: string;
  /** RestoreWindow: the earliest and latest second a restore there can reach. */
  earliest?: Date;
  latest?: Date;
  retentionDays?: number;
  /** Engine: what a point-in-time restore there brings back, when no copy says it. */
  engine?: string;
}

/** The automated backups of a copy target's region, and starting their replication there. */
export interface BackupReplication {
  /** The replicated automated backups in the target's region, of every source. */
  listReplicated(): Promise<ReplicatedBackup[]>;
  /** StartDBInstanceAutomatedBackupsReplication, called in the target's (the destination) region. */
  startReplication(request: { sourceArn: string; retentionDays: number; kmsKeyId: string }): Promise<void>;
}

/*
 * DBInstanceAutomatedBackup.Status is documented as `active` (a current instance's backups),
 * `creating` (waiting for the first automated snapshot) and `retained` (no longer fed: a deleted
 * source, a stopped replication until its retention ends)
 * (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBInstanceAutomatedBackup.html).
 * `replicating` and `pending`, as the console words them, are read as `active` and `creating`.
 */
const RUNNING = new Set(['active', 'replicating']);
const STARTING = new Set(['pending', 'creating']);

/**
 * What the monitor decides about one database's replication to one target:
 * - `running`: replicated backups reach `latest`, `lagMinutes` behind now;
 * - `starting`: RDS is setting it up; nothing to do until the first backup arrives;
 * - `start`: none is there, or it was stopped: StartDBInstanceAutomatedBackupsReplication;
 * - `wait`: the instance is busy (creating, modifying, ...): started once it is available;
 * - `blocked`: RDS would refuse a start now (`reason`), reported by the posture checks;
 * - `refused`: this kind of database cannot replicate its backups (`reason`, what to use instead).
 */
export type ReplicationDecision =
  | { action: 'running'; backup: ReplicatedBackup; latest: string; lagMinutes: number }
  | { action: 'starting'; backup: ReplicatedBackup }
  | {
      action: 'start';
      reason: string;
      request: { sourceArn: string; retentionDays: number; kmsKeyId: string };
    }
  | { action: 'wait'; reason: string }
  | { action: 'blocked'; reason: string }
  | { action: 'refused'; reason: string };

export interface PointInTimeTarget extends CopyTargetPolicy {
  pointInTime: PointInTimePolicy;
}

export function hasPointInTime(target: CopyTargetPolicy): target is PointInTimeTarget {
  return target.pointInTime !== undefined;
}

function minutesBetween(from: Date, to: Date): number {
  return Math.max(0, Math.round((to.getTime() - from.getTime()) / 60_000));
}

/**
 * What one source's replicated backups show, read only: restorable up to `latest` (running), being
 * set up (starting), or neither (undefined: none there, or no longer fed).
 */
export function observeReplicated(
  mine: readonly ReplicatedBackup[],
  now: Date,
): Extract<ReplicationDecision, { action: 'running' | 'starting' }> | undefined {
  const running = mine
    .filter((backup) => RUNNING.has(backup.status.toLowerCase()))
    .sort((a, b) => (b.latest?.getTime() ?? 0) - (a.latest?.getTime() ?? 0))[0];
  if (running?.latest) {
    return {
      action: 'running',
      backup: running,
      latest: running.latest.toISOString(),
      lagMinutes: minutesBetween(running.latest, now),
    };
  }
  // Running but without a restore window yet: the first snapshot is still on its way.
  const starting = running ?? mine.find((backup) => STARTING.has(backup.status.toLowerCase()));
  return starting ? { action: 'starting', backup: starting } : undefined;
}

/**
 * Decides, for one selected database and one target with `pointInTime`, whether the monitor must
 * start the replication. Pure: `replicated` is what DescribeDBInstanceAutomatedBackups lists in the
 * target region.
 */
export function decideReplication(
  database: DatabaseSource,
  target: PointInTimeTarget,
  replicated: readonly ReplicatedBackup[],
  now: Date,
): ReplicationDecision {
  const refusal = pointInTimeRefusal(database.kind);
  if (refusal) return { action: 'refused', reason: refusal };
  const mine = replicated.filter((backup) => backup.sourceArn === database.arn);
  const observed = observeReplicated(mine, now);
  if (observed) return observed;
  if (database.backup && database.backup.retentionDays === 0) {
    return {
      action: 'blocked',
      reason: 'automated backups are off (backup retention 0 days), so there is nothing to replicate',
    };
  }
  // StartDBInstanceAutomatedBackupsReplication needs the source available. A stopped instance is a
  // finding (RDS starts it again after seven days, and the next run catches it then); a busy one
  // (creating, modifying, backing-up) is waited for, not reported.
  if (database.status === 'stopped' || database.status === 'stopping') {
    return {
      action: 'blocked',
      reason: `the instance is ${database.status}, and RDS replicates only from an available one`,
    };
  }
  if (database.status !== 'available') {
    return { action: 'wait', reason: `waiting for the instance to be available (it is ${database.status})` };
  }
  const stopped =
    mine.length > 0 ? `stopped (${mine.map((backup) => backup.status).join(', ')})` : 'not set up';
  return {
    action: 'start',
    reason: `replication to ${target.region} is ${stopped}`,
    request: {
      sourceArn: database.arn,
      retentionDays: target.pointInTime.retentionDays,
      kmsKeyId: replicaKeyOf(target),
    },
  };
}

/**
 * What `lifeboat status` and the alerts show per database and target: the replicated latest
 * restorable time and the lag, or why there is none.
 */
export interface PointInTimeState {
  /** `eu-west-1`: always this account. */
  target: string;
  state: 'running' | 'starting' | 'not-running' | 'refused' | 'unreadable';
  latestRestorableTime: string | null;
  lagMinutes: number | null;
  /** The replicated backups' ARN, for a restore at the target. */
  backupArn?: string;
  /** Why not running, or what the monitor did about it (started it, could not). */
  detail?: string;
}

export function pointInTimeState(target: string, decision: ReplicationDecision): PointInTimeState {
  switch (decision.action) {
    case 'running':
      return {
        target,
        state: 'running',
        latestRestorableTime: decision.latest,
        lagMinutes: decision.lagMinutes,
        backupArn: decision.backup.arn,
      };
    case 'starting':
      return {
        target,
        state: 'starting',
        latestRestorableTime: null,
        lagMinutes: null,
        backupArn: decision.backup.arn,
        detail: 'RDS is setting up the replication; the first replicated backup is on its way',
      };
    case 'wait':
      return {
        target,
        state: 'starting',
        latestRestorableTime: null,
        lagMinutes: null,
        detail: decision.reason,
      };
    case 'refused':
      return {
        target,
        state: 'refused',
        latestRestorableTime: null,
        lagMinutes: null,
        detail: decision.reason,
      };
    default:
      return {
        target,
        state: 'not-running',
        latestRestorableTime: null,
        lagMinutes: null,
        detail: decision.reason,
      };
  }
}
