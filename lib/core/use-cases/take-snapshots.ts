import { GuardRefusedError, RetryLaterError } from '../errors.js';
import type { DatabaseSource } from '../model.js';
import { snapshotId } from '../naming/snapshot-id.js';
import type { Policy } from '../policy/schema.js';
import type { SnapshotStore } from '../ports.js';
import { isManaged, TAG, type Tags } from '../tags.js';
import { silentLogger, type UseCaseLogger } from './log.js';

export type SnapshotOutcome = 'created' | 'existing' | 'skipped' | 'failed';

export interface DatabaseSnapshotResult {
  kind: DatabaseSource['kind'];
  database: string;
  outcome: SnapshotOutcome;
  snapshotId?: string;
  reason: string;
  /** For `failed`: the same request later may succeed (throttled, instance busy, quota). */
  retryable?: boolean;
}

export interface TakeSnapshotsResult {
  policy: string;
  scheduledAt: string;
  databases: DatabaseSnapshotResult[];
}

// RDS takes a manual snapshot of an instance or cluster only while it is `available` (storage
// optimization runs in the background of an available instance and allows it too).
const SNAPSHOTABLE = new Set(['available', 'storage-optimization']);
// States that pass by themselves within minutes; the run fails as retry-later so Lambda's async
// retries come back, rather than skipping this schedule's snapshot.
const PASSING = new Set([
  'backing-up',
  'modifying',
  'rebooting',
  'upgrading',
  'maintenance',
  'renaming',
  'resetting-master-credentials',
  'configuring-enhanced-monitoring',
  'configuring-iam-database-auth',
  'configuring-log-exports',
  'starting',
]);

/** Every tag of the policy's selector, with its value, is on the database. */
export function selects(policy: Policy, database: DatabaseSource): boolean {
  return Object.entries(policy.select.tags).every(([key, value]) => database.tags[key] === value);
}

/**
 * The scheduled run of one policy: a manual, tagged snapshot of every database it selects, named
 * from the database and the scheduled time, so a repeated event finds its snapshots and takes none.
 * Members of an Aurora cluster are left out (the cluster is snapshotted), as are databases in a
 * state RDS cannot snapshot. One database failing does not stop the others.
 */
/**
 * The tags of a snapshot Lifeboat takes: managed, its policy, source and tier, and the time it
 * stands for (retention buckets it, and the copy sweep looks back, by that time).
 */
export function snapshotTags(policyName: string, database: DatabaseSource, scheduledAt: Date): Tags {
  return {
    [TAG.managed]: 'true',
    [TAG.policy]: policyName,
    [TAG.source]: database.id,
    [TAG.sourceArn]: database.arn,
    [TAG.tier]: 'primary',
    [TAG.scheduledAt]: scheduledAt.toISOString(),
  };
}

export async function takeSnapshots(request: {
  policyName: string;
  policy: Policy;
  scheduledAt: Date;
  store: SnapshotStore;
  logger?: UseCaseLogger;
}): Promise<TakeSnapshotsResult> {
  const { policyName, policy, scheduledAt, store } = request;
  const logger = request.logger ?? silentLogger;
  const selected = (await store.listDatabases()).filter((database) => selects(policy, database));
  const databases: DatabaseSnapshotResult[] = [];

  for (const database of selected) {
    const result = await snapshotDatabase({
      database,
      snapshotId: snapshotId(database.id, scheduledAt),
      tags: snapshotTags(policyName, database, scheduledAt),
      store,
    });
    const log =
      result.outcome === 'failed' ? logger.error : result.outcome === 'skipped' ? logger.warn : logger.info;
    log.call(logger, `${database.kind} ${database.id}: ${result.outcome}: ${result.reason}`, { ...result });
    databases.push(result);
  }
  return { policy: policyName, scheduledAt: scheduledAt.toISOString(), databases };
}

/**
 * One manual snapshot of one database under `snapshotId` with `tags`, the step scheduled and
 * pre-change snapshots share: a snapshot of that name Lifeboat already took of this database is
 * the same request again; members of an Aurora cluster and databases RDS cannot snapshot now are
 * skipped or failed with the reason.
 */
export async function snapshotDatabase(request: {
  database: DatabaseSource;
  snapshotId: string;
  tags: Tags;
  store: SnapshotStore;
}): Promise<DatabaseSnapshotResult> {
  const { database, snapshotId: id, tags, store } = request;
  const base = { kind: database.kind, database: database.id };
  if (database.kind === 'instance' && database.clusterId) {
    return {
      ...base,
      outcome: 'skipped',
      reason: `member of Aurora cluster ${database.clusterId}: the cluster is snapshotted, not its instances`,
    };
  }
  try {
    const existing = await store.getSnapshot(database.kind, id);
    if (existing) {
      if (isManaged(existing.tags) && existing.sourceId === database.id) {
        return {
          ...base,
          outcome: 'existing',
          snapshotId: id,
          reason: `snapshot already taken (${existing.status})`,
        };
      }
      throw new GuardRefusedError(`snapshot ${id} exists and is not Lifeboat's snapshot of ${database.id}`);
    }
    if (!SNAPSHOTABLE.has(database.status)) {
      if (PASSING.has(database.status)) {
        return {
          ...base,
          outcome: 'failed',
          retryable: true,
          reason: `status is ${database.status}; RDS snapshots it once it is available again`,
        };
      }
      return {
        ...base,
        outcome: 'skipped',
        reason: `status is ${database.status}: RDS cannot snapshot it now`,
      };
    }
    const snapshot = await store.createSnapshot({ source: database, snapshotId: id, tags });
    return {
      ...base,
      outcome: 'created',
      snapshotId: snapshot.id,
      reason: `snapshot requested (${snapshot.status})`,
    };
  } catch (error) {
    return {
      ...base,
      outcome: 'failed',
      snapshotId: id,
      retryable: error instanceof RetryLaterError,
      reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    };
  }
}
