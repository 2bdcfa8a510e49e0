import type { Snapshot } from '../model.js';
import { mapWithConcurrency } from '../pool.js';
import type { SnapshotStore } from '../ports.js';
import type { CopyTargetPolicy, Policy, Retention } from '../policy/schema.js';
import { decideRetention, type RetentionDecision } from '../retention/decide.js';
import { TAG } from '../tags.js';
import { targetName } from './copy-snapshot.js';

/** Where retention is applied: the source region, or one copy target (a region, maybe another account). */
export interface PruneScope {
  /** "source us-east-1", "copy eu-west-1", "copy eu-west-1 account 222222222222". */
  name: string;
  store: SnapshotStore;
  retention: Retention;
  target?: CopyTargetPolicy;
}

export interface DeleteOutcome {
  snapshot: Snapshot;
  result: 'deleted' | 'failed' | 'dry run' | 'not attempted';
  /** Why a delete failed or was not attempted. */
  error?: string;
}

/** A failed snapshot this run announced; it is deleted a grace period after (retention/decide.ts). */
export interface FailedSnapshotNotice {
  snapshot: Snapshot;
  /** The announcement could not be remembered on the snapshot, so the next run announces it again. */
  error?: string;
}

export interface ScopeResult {
  scope: string;
  region: string;
  retention: Retention;
  decisions: RetentionDecision[];
  outcomes: DeleteOutcome[];
  /** Failed snapshots seen for the first time. */
  failedSnapshots: FailedSnapshotNotice[];
  /** What RDS reported wrong (kept meanwhile): each fails the run, so that someone looks. */
  problems: Array<{ snapshot: Snapshot; problem: string }>;
  /** The scope's snapshots could not be listed; nothing was decided there. */
  error?: string;
}

export interface PruneResult {
  policy: string;
  dryRun: boolean;
  scopes: ScopeResult[];
  deleted: number;
  failed: number;
}

export interface PruneRequest {
  policyName: string;
  policy: Policy;
  now: Date;
  source: SnapshotStore;
  targets: ReadonlyArray<{ target: CopyTargetPolicy; store: SnapshotStore }>;
  dryRun: boolean;
}

export function scopeName(region: string, target?: CopyTargetPolicy): string {
  if (!target) return `source ${region}`;
  return target.account ? `copy ${target.region} account ${target.account}` : `copy ${target.region}`;
}

/**
 * Which of a store's snapshots a scope's retention governs: those of this policy, and in the source
 * region the snapshots taken there, at a copy target the copies made for it. An intermediate
 * re-encrypted copy in the source region (made before sharing with a DR account) is the copy
 * function's to remove.
 */
export function governedBy(snapshot: Snapshot, policyName: string, target?: CopyTargetPolicy): boolean {
  if (snapshot.tags[TAG.policy] !== policyName) return false;
  const isCopy = snapshot.tags[TAG.copyOf] !== undefined;
  if (!target) return !isCopy;
  const copiedFor = snapshot.tags[TAG.target];
  return isCopy && (copiedFor === undefined || copiedFor === targetName(target));
}

/**
 * Deletes in flight per scope. Each is two round trips to RDS (the guard's read, the delete); one
 * at a time, a backlog of hundreds could outlast the function's 5 minutes. A few at once stay
 * well under RDS's request rate, and the SDK's retries back off if it throttles anyway.
 */
const DELETES_AT_ONCE = 4;

// A snapshot in any other status is still being made, and its TAG.copyOf source is being read from:
// "If the snapshot is being copied, the copy operation is terminated" (RDS API Reference,
// DeleteDBSnapshot).
const FINISHED = new Set(['available', 'failed', 'deleting', 'deleted', 'incompatible-restore']);

/**
 * Applies the policy's retention in the source region and each copy target's retention (or the
 * policy's) at that target, and deletes what it decides through the store's guarded delete.
 *
 * In use (kept): the source of a copy still in progress in any of the stores (its lifeboat:copy-of),
 * and the snapshot a scratch instance in Lifeboat's account was restored from (lifeboat:restored-from).
 * Every store is listed before anything is deleted, because a copy in progress in one store reads a
 * snapshot in another; if any store cannot be read, nothing is deleted anywhere and the run says
 * why. One failed delete does not stop the others.
 */
export async function prune(request: PruneRequest): Promise<PruneResult> {
  const { policyName, policy, now, dryRun } = request;
  const scopes: PruneScope[] = [
    {
      name: scopeName(request.source.region),
      store: request.source,
      retention: policy.retention,
    },
    ...request.targets.map(({ target, store }) => ({
      name: scopeName(target.region, target),
      store,
      retention: target.retention ?? policy.retention,
      target,
    })),
  ];

  const listed = await Promise.all(scopes.map((scope) => readScope(scope)));
  const inUse = new Set<string>();
  const unreadable: string[] = [];
  for (const [index, view] of listed.entries()) {
    if ('error' in view) unreadable.push(`${scopes[index]!.name}: ${view.error}`);
    else for (const id of view.inUse) inUse.add(id);
  }
  const holdBack =
    unreadable.length > 0
      ? `not attempted: could not tell which snapshots are in use (${unreadable.join('; ')})`
      : undefined;

  // Scopes are other regions or accounts, each with its own API rate limits: they go at once.
  const results: ScopeResult[] = await Promise.all(
    scopes.map(async (scope, index): Promise<ScopeResult> => {
      const view = listed[index]!;
      const base = { scope: scope.name, region: scope.store.region, retention: scope.retention };
      if ('error' in view) {
        return { ...base, decisions: [], outcomes: [], failedSnapshots: [], problems: [], error: view.error };
      }
      const governed = view.snapshots.filter((s) => governedBy(s, policyName, scope.target));
      const decisions = decideRetention(governed, scope.retention, now, { inUse });
      const doomed = decisions.filter((d) => d.action === 'delete').map((d) => d.snapshot);
      const failing = decisions.filter((d) => d.announceFailure).map((d) => d.snapshot);
      // A dry run changes nothing, so it does not remember the announcement either.
      const failedSnapshots = dryRun
        ? failing.map((snapshot) => ({ snapshot }))
        : await mapWithConcurrency(failing, DELETES_AT_ONCE, (snapshot) =>
            markFailureAnnounced(scope.store, snapshot, now),
          );
      const problems = decisions.flatMap((d) =>
        d.problem ? [{ snapshot: d.snapshot, problem: d.problem }] : [],
      );
      const outcomes: DeleteOutcome[] = dryRun
        ? doomed.map((snapshot) => ({ snapshot, result: 'dry run' }))
        : holdBack
          ? doomed.map((snapshot) => ({ snapshot, result: 'not attempted', error: holdBack }))
          : await mapWithConcurrency(doomed, DELETES_AT_ONCE, (snapshot) => deleteOne(scope.store, snapshot));
      return { ...base, decisions, outcomes, failedSnapshots, problems };
    }),
  );

  const all = results.flatMap((r) => r.outcomes);
  return {
    policy: policyName,
    dryRun,
    scopes: results,
    deleted: all.filter((o) => o.result === 'deleted').length,
    failed: all.filter((o) => o.result === 'failed').length,
  };
}

type ScopeView = { snapshots: Snapshot[]; inUse: string[] } | { error: string };

async function readScope(scope: PruneScope): Promise<ScopeView> {
  try {
    // Restores run in Lifeboat's own account; the role assumed in a DR account may only list and
    // delete snapshots (deploy/dr-account-role.yml), so its databases are not asked for.
    const [snapshots, databases] = await Promise.all([
      scope.store.listSnapshots(),
      scope.target?.account ? [] : scope.store.listDatabases(),
    ]);
    const inUse = [
      ...snapshots
        .filter((s) => !FINISHED.has(s.status) && s.tags[TAG.copyOf] !== undefined)
        .map((s) => s.tags[TAG.copyOf]!),
      // Scratch instances name the snapshot they were restored from; restoring reads it until the
      // instance is available, and the restore-verify report refers to it after.
      ...databases.map((d) => d.tags[TAG.restoredFrom]).filter((id): id is string => id !== undefined),
    ];
    return { snapshots, inUse };
  } catch (error) {
    return { error: `listing snapshots and databases in ${scope.store.region} failed: ${messageOf(error)}` };
  }
}

/**
 * Remembers on a failed snapshot that it was announced, and when: the grace period before prune
 * deletes it runs from then. Tagging goes through the store's guard (managed snapshots only).
 */
async function markFailureAnnounced(
  store: SnapshotStore,
  snapshot: Snapshot,
  now: Date,
): Promise<FailedSnapshotNotice> {
  try {
    await store.tagSnapshot(snapshot, { [TAG.failureAnnounced]: now.toISOString() });
    return { snapshot };
  } catch (error) {
    return { snapshot, error: messageOf(error) };
  }
}

async function deleteOne(store: SnapshotStore, snapshot: Snapshot): Promise<DeleteOutcome> {
  try {
    await store.deleteSnapshot(snapshot);
    return { snapshot, result: 'deleted' };
  } catch (error) {
    return { snapshot, result: 'failed', error: messageOf(error) };
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
