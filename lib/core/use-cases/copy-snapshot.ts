import { LifeboatError, NotFoundError, RetryLaterError } from '../errors.js';
import type { Snapshot, SourceKind } from '../model.js';
import { copyId } from '../naming/snapshot-id.js';
import { findPolicy } from '../policy/parse.js';
import { unencryptedRule, type CopyTargetPolicy, type Policy, type PolicyFile } from '../policy/schema.js';
import type { SnapshotStore } from '../ports.js';
import { isManaged, TAG } from '../tags.js';
import {
  COPIES_IN_FLIGHT,
  COPY_OVERDUE_HOURS,
  inFlight,
  marksIn,
  MAX_COPY_ATTEMPTS,
  takenAt,
  withMark,
  type InFlightCounts,
  type Mark,
} from './copy-progress.js';
import {
  accountOf,
  copyTags,
  errorText,
  snapshotIdOf,
  targetName,
  type CopyBlocker,
  type CopyDeps,
  type CopyOutcome,
  type SharedSteps,
  type Step,
} from './copy-step.js';
import { ownAccountIn, sharedInTargetRegion, stepTowardsDrAccount } from './dr-account-copy.js';
import { silentLogger } from './log.js';

export { COPIES_IN_FLIGHT, COPY_OVERDUE_HOURS, MAX_COPY_ATTEMPTS } from './copy-progress.js';
export { accountOf, snapshotIdOf, targetName } from './copy-step.js';
export type { CopyBlocker, CopyDeps, CopyOutcome } from './copy-step.js';

/*
 * How copies reach every target without losing one (README, "Snapshot copies"):
 *
 * - The copy function runs on RDS events (a managed snapshot became available) and on a schedule
 *   (the sweep, every 30 minutes). Both do the same thing for a snapshot: for each target of its
 *   policy, look at where the copy should be and take the next step. Every step is named from the
 *   snapshot and the target (lib/core/naming), so a step done twice finds its own result.
 * - Another region, same account: copy there under the target's key. Done when the copy exists.
 * - Another account: share with that account only, and copy as that account (dr-account-copy.ts),
 *   through a "shareable copy" made first where needed: in the source region for a snapshot the DR
 *   account cannot use as it is, in the target region for every Aurora cluster snapshot bound for
 *   a DR account in another region (Aurora copies across regions and accounts only in two steps).
 *   Its completion event (or the sweep) takes the next step. When the DR copy is available, the
 *   sweep removes the share (and deletes the shareable copy, which only existed to be shared).
 * - A refusal that passes (throttling, the copies-in-flight limit per kind, the snapshot quota) is
 *   `retry-later` for that target only; the other targets go on, and the next sweep tries again.
 *   Copies in progress in another region or account send their events there, not here: the sweep
 *   is what sees them finish.
 */

export interface TargetCopyResult {
  /** "eu-west-1", or "222222222222/eu-west-1" for another account. */
  target: string;
  copyId: string;
  outcome: CopyOutcome;
  reason: string;
  /** Why the copy is refused or held up, for the message to say what to do. */
  blocker?: CopyBlocker;
  /**
   * `copied` or `refused`, and seen so for the first time: the one run that announces it (the
   * sweep meets the same snapshot every 30 minutes for 48 hours).
   */
  announce?: boolean;
}

export interface SnapshotCopyResult {
  snapshot: string;
  policy: string;
  targets: TargetCopyResult[];
}

/**
 * Takes the next step towards every copy target of one managed, available snapshot. Never throws
 * for one target: each gets an outcome, and a failure of one does not stop the others.
 */
export async function copyToTargets(request: {
  snapshot: Snapshot;
  policyName: string;
  policy: Policy;
  deps: CopyDeps;
  now: Date;
  /** Shared by the snapshots of one sweep, so each target is listed once per run. */
  inFlight?: InFlightCounts;
}): Promise<SnapshotCopyResult> {
  const { snapshot, policyName, policy, deps, now } = request;
  const counts: InFlightCounts = request.inFlight ?? new WeakMap();
  const logger = deps.logger ?? silentLogger;
  const announced = (target: string) => snapshot.tags[`${TAG.copyAnnounced}${target}`];
  const targets: TargetCopyResult[] = [];
  for (const target of policy.copies) {
    const name = targetName(target);
    const id = copyId(snapshot.id, target);
    let step: Step;
    try {
      step = await stepTowards(target, id, name);
    } catch (error) {
      if (error instanceof RetryLaterError && error.limit === 'snapshot-quota') {
        step = { outcome: 'retry-later', reason: errorText(error), blocker: 'snapshot-quota', mark: 'quota' };
      } else {
        step = {
          outcome: error instanceof RetryLaterError ? 'retry-later' : 'failed',
          reason: errorText(error),
        };
      }
    }
    const { mark, ...shown } = step;
    const result: TargetCopyResult = { target: name, copyId: id, ...shown };
    if (mark) {
      const first = await markAnnounced(name, mark);
      // A failed copy is told on its first failure; the retries after it only count.
      result.announce = first && (!mark.startsWith('failed-') || mark === 'failed-1');
    }
    const log =
      result.outcome === 'failed'
        ? logger.error
        : result.outcome === 'retry-later'
          ? logger.warn
          : logger.info;
    log.call(logger, `copy of ${snapshot.id} to ${name}: ${result.outcome}: ${result.reason}`, { ...result });
    targets.push(result);
  }
  return { snapshot: snapshot.id, policy: policyName, targets };

  async function stepTowards(target: CopyTargetPolicy, id: string, name: string): Promise<Step> {
    const rule = snapshot.encrypted ? 'encrypt' : unencryptedRule(policy.unencryptedSources, snapshot.kind);
    if (rule === 'refuse') {
      return {
        outcome: 'refused',
        reason: 'the snapshot is unencrypted and the policy refuses unencrypted sources',
        blocker: 'unencrypted-refused',
        mark: 'refused',
      };
    }
    if (rule === 'cannot-encrypt') {
      // CopyDBClusterSnapshot answers an error for an unencrypted source with a KmsKeyId
      // (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CopyDBClusterSnapshot.html):
      // asking would fail on every sweep.
      return {
        outcome: 'refused',
        reason:
          'the Aurora cluster is unencrypted, and RDS cannot encrypt a copy of an unencrypted cluster snapshot',
        blocker: 'unencrypted-cluster',
        mark: 'refused',
      };
    }
    if (marksIn(announced(name)).includes('gave-up')) {
      return {
        outcome: 'refused',
        reason: `RDS failed the copy ${MAX_COPY_ATTEMPTS} times; Lifeboat no longer retries it`,
        blocker: 'retries-exhausted',
        mark: 'gave-up',
      };
    }
    // An unencrypted cluster snapshot copied as it is: no key, and shared as it is (an unencrypted
    // snapshot needs no key to be shared).
    const keyFor = (key: string | undefined) => (rule === 'copy-unencrypted' ? undefined : key);
    const sourceRegion = deps.source.region;
    const store = deps.storeFor(target);
    const crossAccount = target.account !== undefined && target.account !== accountOf(snapshot.arn);
    const existing = await store.getSnapshot(snapshot.kind, id);
    if (existing?.status === 'failed') return retryFailed(store, existing, name);

    if (!crossAccount) {
      if (existing) return progressOf(existing);
      const full = await atLimit(store);
      if (full) return full;
      const copy = await store.copySnapshot({
        kind: snapshot.kind,
        sourceArn: snapshot.arn,
        sourceRegion,
        targetId: id,
        kmsKeyId: keyFor(target.kmsKeyId),
        tags: copyTags(snapshot, policyName, 'dr-region', snapshot.arn, name),
      });
      return { outcome: 'started', reason: `copy requested in ${target.region} (${copy.status})` };
    }

    return stepTowardsDrAccount({
      snapshot,
      policyName,
      target,
      copyId: id,
      name,
      rule,
      existing,
      store,
      deps,
      steps: { atLimit, progressOf, overdue, retryFailed } satisfies SharedSteps,
    });
  }

  /**
   * `retry-later` when the target already runs as many copies of this kind as RDS allows; else
   * counts the copy about to be requested. A count that cannot be read leaves it to RDS to refuse.
   */
  async function atLimit(store: SnapshotStore): Promise<Step | undefined> {
    const kind = snapshot.kind;
    const known = counts.get(store) ?? {};
    let running = known[kind];
    if (running === undefined) {
      try {
        running = (await store.listSnapshots({ kind })).filter(inFlight).length;
      } catch (error) {
        logger.warn(`could not count the copies in progress in ${store.region}: ${errorText(error)}`);
        return undefined;
      }
    }
    const limit = COPIES_IN_FLIGHT[kind];
    if (running >= limit) {
      counts.set(store, { ...known, [kind]: running });
      return {
        outcome: 'retry-later',
        reason: `${running} ${kind} snapshot copies already in progress in ${store.region}, the most RDS runs at once (${limit})`,
      };
    }
    counts.set(store, { ...known, [kind]: running + 1 });
    return undefined;
  }

  function progressOf(copy: Snapshot): Step {
    if (copy.status === 'available') {
      return { outcome: 'copied', reason: `copy ${copy.id} is available`, mark: 'copied' };
    }
    const progress = copy.percentProgress !== undefined ? `, ${copy.percentProgress}%` : '';
    return overdue({ outcome: 'in-progress', reason: `copy ${copy.id} is ${copy.status}${progress}` });
  }

  /** A copy still on its way long after the snapshot was taken is announced, once. */
  function overdue(step: Step): Step {
    const taken = takenAt(snapshot);
    if (!taken || now.getTime() - taken.getTime() < COPY_OVERDUE_HOURS * 3_600_000) return step;
    return {
      ...step,
      reason: `${step.reason}; not finished ${COPY_OVERDUE_HOURS} h after the snapshot was taken`,
      blocker: 'overdue',
      mark: 'overdue',
    };
  }

  /**
   * RDS failed the copy (status `failed`): it will never become available, and its name blocks a
   * new one. Delete it (the store's guard: a Lifeboat copy, failed now) and let the next pass copy
   * again, up to MAX_COPY_ATTEMPTS in all.
   */
  async function retryFailed(store: SnapshotStore, copy: Snapshot, target: string): Promise<Step> {
    const failed = marksIn(announced(target)).flatMap((word) => {
      const n = /^failed-(\d+)$/.exec(word)?.[1];
      return n !== undefined ? [Number(n)] : [];
    });
    const attempt = Math.max(0, ...failed) + 1;
    await store.deleteSnapshot(copy, { failedCopy: true });
    if (attempt >= MAX_COPY_ATTEMPTS) {
      return {
        outcome: 'refused',
        reason: `RDS failed copy ${copy.id} in ${store.region} ${attempt} times; deleted it, and Lifeboat no longer retries`,
        blocker: 'retries-exhausted',
        mark: 'gave-up',
      };
    }
    return {
      outcome: 'retry-later',
      reason: `RDS failed copy ${copy.id} in ${store.region} (attempt ${attempt} of ${MAX_COPY_ATTEMPTS}); deleted it, the next sweep copies again`,
      blocker: 'copy-failed',
      mark: `failed-${attempt}`,
    };
  }

  /**
   * Remembers, on the snapshot Lifeboat took (in the source account, which the copy role may tag),
   * what was announced about its copy at `target` (Mark). Returns whether this run is the first to
   * see it; a copy refused, then made after a policy change, is announced both times. A failed tag
   * only means the sweep announces it again, so it does not fail the copy.
   */
  async function markAnnounced(target: string, mark: Mark): Promise<boolean> {
    const key = `${TAG.copyAnnounced}${target}`;
    const before = snapshot.tags[key];
    const value = withMark(before, mark);
    if (before === value || (before !== undefined && marksIn(before).includes(mark))) return false;
    try {
      await deps.source.tagSnapshot(snapshot, { [key]: value });
      // Later targets and steps of this run see it too.
      snapshot.tags[key] = value;
    } catch (error) {
      logger.warn(`could not mark the copy of ${snapshot.id} to ${target} as announced: ${errorText(error)}`);
    }
    return true;
  }
}

export interface CopyEventResult {
  snapshot: string;
  /** Set when nothing was done for the event, with why. */
  ignored?: string;
  copies?: SnapshotCopyResult;
}

/**
 * Handles "this snapshot became available" for any snapshot in the source region. Snapshots that
 * Lifeboat does not manage are ignored (the rule sees every snapshot event in the account). A
 * shareable copy stands for its original: the original's targets take their next step.
 */
export async function copyOnEvent(request: {
  kind: SourceKind;
  snapshotId: string;
  policies: PolicyFile;
  deps: CopyDeps;
  now: Date;
}): Promise<CopyEventResult> {
  const { kind, policies, deps, now } = request;
  let seen = await deps.source.getSnapshot(kind, request.snapshotId);
  // AWS's sample events show SourceIdentifier as "rds:<name>" even for manual snapshots
  // (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-cloudwatch-events.sample.html),
  // while automated snapshot ids really start with "rds:": try the name as given, then without it.
  if (!seen && request.snapshotId.startsWith('rds:')) {
    seen = await deps.source.getSnapshot(kind, request.snapshotId.slice('rds:'.length));
  }
  if (!seen) {
    throw new NotFoundError(`${kind} snapshot ${request.snapshotId} not found in ${deps.source.region}`);
  }
  if (!isManaged(seen.tags)) return { snapshot: seen.id, ignored: 'not managed by Lifeboat' };

  let snapshot = seen;
  const copiedFrom = seen.tags[TAG.copyOf];
  if (copiedFrom !== undefined) {
    if (accountOf(copiedFrom) !== accountOf(seen.arn) || copiedFrom.split(':')[3] !== deps.source.region) {
      return { snapshot: seen.id, ignored: 'a copy of a snapshot elsewhere' };
    }
    const original = await deps.source.getSnapshot(kind, snapshotIdOf(copiedFrom));
    if (!original) return { snapshot: seen.id, ignored: `its original ${snapshotIdOf(copiedFrom)} is gone` };
    snapshot = original;
  }
  const policyName = snapshot.tags[TAG.policy] ?? '';
  const policy = findPolicy(policies, policyName);
  if (!policy) {
    return { snapshot: snapshot.id, ignored: `policy "${policyName}" is not in the deployed policy file` };
  }
  if (snapshot.status !== 'available') {
    return {
      snapshot: snapshot.id,
      ignored: `it is ${snapshot.status}; its completion event or the sweep copies it`,
    };
  }
  if (policy.copies.length === 0)
    return { snapshot: snapshot.id, ignored: `policy ${policyName} has no copies` };
  return { snapshot: snapshot.id, copies: await copyToTargets({ snapshot, policyName, policy, deps, now }) };
}

export interface SweepResult {
  since: string;
  snapshots: SnapshotCopyResult[];
}

/**
 * The scheduled sweep: every available, managed snapshot taken in the source region since `now`
 * minus `lookbackHours`, and any older one whose shareable copy is still there, takes its next step
 * towards each target. This is what retries a copy refused for a quota, picks up copies that
 * finished in other regions or accounts (removing the share), and makes up for an RDS event that
 * never came (RDS sends events on a best-effort basis).
 */
export async function sweepCopies(request: {
  policies: PolicyFile;
  now: Date;
  lookbackHours: number;
  deps: CopyDeps;
}): Promise<SweepResult> {
  const { policies, now, lookbackHours, deps } = request;
  const since = new Date(now.getTime() - lookbackHours * 3_600_000);
  const managed = (await deps.source.listSnapshots()).filter((s) => isManaged(s.tags) && s.type === 'manual');
  // A shareable copy still there means its DR copy was not seen finish: its original is swept
  // whatever its age, so the share ends and the shareable copy goes even after a very slow copy.
  // Those of clusters for a DR account in another region are in that region, where their events go.
  const shareable = [...managed, ...(await shareableCopiesElsewhere(policies, deps))];
  const unfinished = new Set(
    shareable.flatMap((s) =>
      s.tags[TAG.copyOf] !== undefined && s.tags[TAG.tier] === 'primary' ? [s.tags[TAG.copyOf]] : [],
    ),
  );
  const candidates = managed
    .filter(
      (s) => s.tags[TAG.copyOf] === undefined && s.tags[TAG.tier] === 'primary' && s.status === 'available',
    )
    .filter((s) => {
      const scheduled = s.tags[TAG.scheduledAt];
      const taken = scheduled !== undefined ? new Date(scheduled) : s.createdAt;
      return unfinished.has(s.arn) || (taken !== undefined && taken.getTime() >= since.getTime());
    })
    .sort((a, b) => a.id.localeCompare(b.id));
  const snapshots: SnapshotCopyResult[] = [];
  const inFlight: InFlightCounts = new WeakMap();
  for (const snapshot of candidates) {
    const policyName = snapshot.tags[TAG.policy] ?? '';
    const policy = findPolicy(policies, policyName);
    if (!policy || policy.copies.length === 0) continue;
    snapshots.push(await copyToTargets({ snapshot, policyName, policy, deps, now, inFlight }));
  }
  return { since: since.toISOString(), snapshots };
}

/**
 * This account's managed cluster snapshots in the regions of DR accounts elsewhere, where the
 * shareable copies of clusters bound there are made. A region that cannot be listed only means
 * that an old snapshot's share may wait for a later sweep.
 */
async function shareableCopiesElsewhere(policies: PolicyFile, deps: CopyDeps): Promise<Snapshot[]> {
  const sourceRegion = deps.source.region;
  const regions = new Map<string, CopyTargetPolicy>();
  for (const policy of Object.values(policies.policies)) {
    for (const target of policy.copies) {
      if (sharedInTargetRegion('cluster', target, sourceRegion)) regions.set(target.region, target);
    }
  }
  const found: Snapshot[] = [];
  for (const target of regions.values()) {
    try {
      const listed = await deps.storeFor(ownAccountIn(target)).listSnapshots({ kind: 'cluster' });
      found.push(...listed.filter((s) => isManaged(s.tags) && s.type === 'manual'));
    } catch (error) {
      (deps.logger ?? silentLogger).warn(
        `could not list the shareable copies in ${target.region}: ${errorText(error)}`,
      );
    }
  }
  return found;
}

/**
 * The error to end a run with when a target failed for good, after every target had its turn.
 * `retry-later` is not a failure: the sweep comes back to it.
 */
export function failuresOf(results: readonly SnapshotCopyResult[]): LifeboatError | undefined {
  const failed = results.flatMap((r) =>
    r.targets.filter((t) => t.outcome === 'failed').map((t) => `${r.snapshot} to ${t.target}: ${t.reason}`),
  );
  return failed.length > 0 ? new LifeboatError(`copies failed: ${failed.join('; ')}`) : undefined;
}
