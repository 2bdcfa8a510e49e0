import { InvalidInputError } from '../errors.js';
import type { DatabaseSource } from '../model.js';
import { preChangeSnapshotId } from '../naming/snapshot-id.js';
import { findPolicy } from '../policy/parse.js';
import type { PolicyFile } from '../policy/schema.js';
import type { SnapshotStore } from '../ports.js';
import { reasonProblem } from '../pre-change.js';
import { TAG } from '../tags.js';
import { silentLogger, type UseCaseLogger } from './log.js';
import { selects, snapshotDatabase, snapshotTags, type DatabaseSnapshotResult } from './take-snapshots.js';

export interface PreChangeSnapshotResult {
  policy: string;
  /** When it was asked for: it names the snapshot and is its scheduled-at tag. */
  scheduledAt: string;
  keepUntil: string;
  reason: string;
  /** One entry: the database asked for (the shape of a scheduled run, for its notification). */
  databases: [DatabaseSnapshotResult];
}

/**
 * A manual snapshot an operator (or a CI/CD pipeline) takes before a major change, through the
 * same step as the scheduled ones: the managed tags of the database's policy, so it is copied to
 * every DR target of that policy and pruned by its retention, plus the reason and the time until
 * which retention keeps it whatever GFS says. Bad input (an unknown database, a database no
 * policy selects, a reason RDS cannot tag, a keep-until not after `requestedAt`) is refused before
 * anything is created.
 */
export async function takePreChangeSnapshot(request: {
  database: string;
  reason: string;
  keepUntil: Date;
  /** The policy to take it under; by default the one policy that selects the database. */
  policyName?: string;
  policies: PolicyFile;
  requestedAt: Date;
  store: SnapshotStore;
  logger?: UseCaseLogger;
}): Promise<PreChangeSnapshotResult> {
  const { reason, keepUntil, requestedAt, store, policies } = request;
  const logger = request.logger ?? silentLogger;
  const problem = reasonProblem(reason);
  if (problem) throw new InvalidInputError(`reason ${problem}`);
  if (keepUntil.getTime() <= requestedAt.getTime()) {
    throw new InvalidInputError(
      `keep-until ${keepUntil.toISOString()} is not after the snapshot's time ${requestedAt.toISOString()}`,
    );
  }
  if (request.policyName !== undefined && !findPolicy(policies, request.policyName)) {
    throw new InvalidInputError(
      `policy "${request.policyName}" is not in the policy file, which defines ${Object.keys(policies.policies).join(', ')}`,
    );
  }

  const database = findDatabase(await store.listDatabases(), request.database, store.region);
  const policyName = request.policyName ?? policyOf(policies, database);
  const snapshotId = preChangeSnapshotId(database.id, requestedAt);
  const result = await snapshotDatabase({
    database,
    snapshotId,
    tags: {
      // Stamped with the time it was asked for, as a scheduled one with its scheduled time.
      ...snapshotTags(policyName, database, requestedAt),
      [TAG.reason]: reason,
      [TAG.keepUntil]: keepUntil.toISOString(),
    },
    store,
  });
  const log = result.outcome === 'failed' ? logger.error : logger.info;
  log.call(logger, `pre-change ${database.kind} ${database.id}: ${result.outcome}: ${result.reason}`, {
    ...result,
  });
  return {
    policy: policyName,
    scheduledAt: requestedAt.toISOString(),
    keepUntil: keepUntil.toISOString(),
    reason,
    databases: [result],
  };
}

function findDatabase(databases: DatabaseSource[], id: string, region: string): DatabaseSource {
  // RDS keeps identifiers lower-case.
  const named = databases.filter((d) => d.id === id.toLowerCase());
  const cluster = named.find((d) => d.kind === 'cluster');
  const database = cluster ?? named[0];
  if (!database) {
    throw new InvalidInputError(
      `database "${id}": no DB instance or Aurora cluster of that name in ${region}`,
    );
  }
  if (database.kind === 'instance' && database.clusterId) {
    throw new InvalidInputError(
      `database "${id}" is a member of Aurora cluster ${database.clusterId}: snapshot the cluster (${database.clusterId})`,
    );
  }
  return database;
}

function policyOf(policies: PolicyFile, database: DatabaseSource): string {
  const selecting = Object.entries(policies.policies)
    .filter(([, policy]) => selects(policy, database))
    .map(([name]) => name);
  if (selecting.length === 1) return selecting[0]!;
  if (selecting.length === 0) {
    throw new InvalidInputError(
      `database "${database.id}" is selected by no policy of the policy file: name one (--policy) to take it under that policy's copies and retention`,
    );
  }
  throw new InvalidInputError(
    `database "${database.id}" is selected by several policies (${selecting.join(', ')}): name one (--policy)`,
  );
}

export type SnapshotEnd = { state: 'available' | 'failed' | 'gone' | 'timed-out'; status?: string };

/**
 * Follows a snapshot until RDS reports it available or failed (or it disappears, or `timeoutMs`
 * passes), telling `onProgress` each time its status or progress changes: what `--wait` prints, so
 * a pipeline starts its migration only once the snapshot can be restored.
 */
export async function followSnapshot(request: {
  store: Pick<SnapshotStore, 'getSnapshot'>;
  kind: DatabaseSource['kind'];
  snapshotId: string;
  pollMs: number;
  timeoutMs: number;
  sleep: (ms: number) => Promise<void>;
  onProgress: (status: string, percent?: number) => void;
}): Promise<SnapshotEnd> {
  const { store, kind, snapshotId, pollMs, timeoutMs, sleep, onProgress } = request;
  let waited = 0;
  let last = '';
  for (;;) {
    const snapshot = await store.getSnapshot(kind, snapshotId);
    if (!snapshot) return { state: 'gone' };
    const seen = `${snapshot.status} ${snapshot.percentProgress ?? ''}`;
    if (seen !== last) onProgress(snapshot.status, snapshot.percentProgress);
    last = seen;
    if (snapshot.status === 'available' || snapshot.status === 'failed') {
      return { state: snapshot.status, status: snapshot.status };
    }
    if (waited >= timeoutMs) return { state: 'timed-out', status: snapshot.status };
    await sleep(pollMs);
    waited += pollMs;
  }
}
