import { LifeboatError, NotFoundError, RetryLaterError } from '../errors.js';
import type { Snapshot, SourceKind } from '../model.js';
import { copyId, shareableCopyId } from '../naming/snapshot-id.js';
import { findPolicy } from '../policy/parse.js';
import type { CopyTargetPolicy, Policy, PolicyFile } from '../policy/schema.js';
import type { SnapshotStore } from '../ports.js';
import { isManaged, TAG, type Tags, type Tier } from '../tags.js';
import { silentLogger, type UseCaseLogger } from './log.js';

/*
 * How copies reach every target without losing one (README, "Snapshot copies"):
 *
 * - The copy function runs on RDS events (a managed snapshot became available) and on a schedule
 *   (the sweep, every 30 minutes). Both do the same thing for a snapshot: for each target of its
 *   policy, look at where the copy should be and take the next step. Every step is named from the
 *   snapshot and the target (lib/core/naming), so a step done twice finds its own result.
 * - Another region, same account: copy there under the target's key. Done when the copy exists.
 * - Another account: the DR account can only copy a snapshot shared with it, and only under a
 *   customer key it may use (`shareKmsKeyId`). A snapshot under aws/rds, or unencrypted, is first
 *   copied in the source region under that key (the "shareable copy"); its own completion event
 *   (or the sweep) takes the next step: share it with that account only, assume the DR role and
 *   copy it there under the DR account's key. When the DR copy is available, the sweep removes
 *   the share (and deletes the shareable copy, which only existed to be shared).
 * - A refusal that passes (throttling, the 20-copies-in-flight limit, the snapshot quota) is
 *   `retry-later` for that target only; the other targets go on, and the next sweep tries again.
 *   Copies in progress in another region or account send their events there, not here: the sweep
 *   is what sees them finish.
 */

export type CopyOutcome =
  'started' | 'in-progress' | 'copied' | 'awaiting-shareable-copy' | 'refused' | 'retry-later' | 'failed';

export interface TargetCopyResult {
  /** "eu-west-1", or "222222222222/eu-west-1" for another account. */
  target: string;
  copyId: string;
  outcome: CopyOutcome;
  reason: string;
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

export interface CopyDeps {
  /** The source region, in this account. */
  source: SnapshotStore;
  /** The store at a target: another region, and for `account` that account (role assumed). */
  storeFor(target: CopyTargetPolicy): SnapshotStore;
  logger?: UseCaseLogger;
}

export function targetName(target: Pick<CopyTargetPolicy, 'region' | 'account'>): string {
  return target.account ? `${target.account}/${target.region}` : target.region;
}

/** The account in an ARN: arn:aws:rds:REGION:ACCOUNT:snapshot:ID. */
export function accountOf(arn: string): string | undefined {
  return arn.split(':')[4] || undefined;
}

/** The identifier in a snapshot ARN (the part after `snapshot:` or `cluster-snapshot:`). */
export function snapshotIdOf(arn: string): string {
  return arn.split(':').slice(6).join(':');
}

/** A key given as an ARN or a bare key id names the key a snapshot reports as its KmsKeyId. */
function sameKey(snapshotKey: string | undefined, configured: string | undefined): boolean {
  if (!snapshotKey || !configured) return false;
  return snapshotKey === configured || snapshotKey.endsWith(`:key/${configured}`);
}

function copyTags(
  original: Snapshot,
  policyName: string,
  tier: Tier,
  copiedFrom: string,
  target: string,
): Tags {
  const carried = [TAG.source, TAG.sourceArn, TAG.scheduledAt] as const;
  const tags: Tags = { [TAG.managed]: 'true', [TAG.policy]: policyName, [TAG.tier]: tier };
  for (const key of carried) if (original.tags[key] !== undefined) tags[key] = original.tags[key];
  tags[TAG.source] ??= original.sourceId;
  // Prune reads copy-of to keep a snapshot that a copy in progress is still reading.
  tags[TAG.copyOf] = copiedFrom;
  tags[TAG.origin] = original.tags[TAG.origin] ?? original.id;
  tags[TAG.target] = target;
  return tags;
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
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
}): Promise<SnapshotCopyResult> {
  const { snapshot, policyName, policy, deps } = request;
  const logger = deps.logger ?? silentLogger;
  const targets: TargetCopyResult[] = [];
  for (const target of policy.copies) {
    const name = targetName(target);
    const id = copyId(snapshot.id, target);
    let result: TargetCopyResult;
    try {
      result = { target: name, copyId: id, ...(await stepTowards(target, id, name)) };
      if (result.outcome === 'copied' || result.outcome === 'refused') {
        result.announce = await markAnnounced(name, result.outcome);
      }
    } catch (error) {
      const outcome = error instanceof RetryLaterError ? 'retry-later' : 'failed';
      result = { target: name, copyId: id, outcome, reason: errorText(error) };
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

  async function stepTowards(
    target: CopyTargetPolicy,
    id: string,
    name: string,
  ): Promise<{ outcome: CopyOutcome; reason: string }> {
    if (!snapshot.encrypted && policy.unencryptedSources === 'refuse') {
      return {
        outcome: 'refused',
        reason: 'the snapshot is unencrypted and the policy refuses unencrypted sources',
      };
    }
    const sourceRegion = deps.source.region;
    const store = deps.storeFor(target);
    const crossAccount = target.account !== undefined && target.account !== accountOf(snapshot.arn);
    const existing = await store.getSnapshot(snapshot.kind, id);

    if (!crossAccount) {
      if (existing) return progressOf(existing);
      const copy = await store.copySnapshot({
        kind: snapshot.kind,
        sourceArn: snapshot.arn,
        sourceRegion,
        targetId: id,
        kmsKeyId: target.kmsKeyId,
        tags: copyTags(snapshot, policyName, 'dr-region', snapshot.arn, name),
      });
      return { outcome: 'started', reason: `copy requested in ${target.region} (${copy.status})` };
    }

    const account = target.account!;
    const viaShareableCopy = !snapshot.encrypted || !sameKey(snapshot.kmsKeyId, target.shareKmsKeyId);
    const shareableId = viaShareableCopy ? shareableCopyId(snapshot.id, account) : snapshot.id;

    if (existing) {
      if (existing.status !== 'available') return progressOf(existing);
      return { outcome: 'copied', reason: await stopSharing(account, shareableId, viaShareableCopy) };
    }

    let shareable = snapshot;
    if (viaShareableCopy) {
      const found = await deps.source.getSnapshot(snapshot.kind, shareableId);
      if (!found) {
        await deps.source.copySnapshot({
          kind: snapshot.kind,
          sourceArn: snapshot.arn,
          sourceRegion,
          targetId: shareableId,
          kmsKeyId: target.shareKmsKeyId!,
          tags: copyTags(snapshot, policyName, 'primary', snapshot.arn, name),
        });
        return {
          outcome: 'awaiting-shareable-copy',
          reason: `${snapshot.encrypted ? 'under a key the DR account cannot use' : 'unencrypted'}: copying to ${shareableId} under the shareable key first`,
        };
      }
      if (found.status !== 'available') {
        return { outcome: 'awaiting-shareable-copy', reason: `${shareableId} is ${found.status}` };
      }
      shareable = found;
    }
    await deps.source.shareSnapshot(shareable, account);
    const copy = await store.copySnapshot({
      kind: snapshot.kind,
      sourceArn: shareable.arn,
      sourceRegion,
      targetId: id,
      kmsKeyId: target.kmsKeyId,
      tags: copyTags(snapshot, policyName, 'dr-account', shareable.arn, name),
    });
    return {
      outcome: 'started',
      reason: `shared ${shareable.id} with ${account} only; copy requested there in ${target.region} (${copy.status})`,
    };
  }

  /**
   * Remembers, on the snapshot Lifeboat took (in the source account, which the copy role may tag),
   * how its copy at `target` ended as announced: `true` for copied, `refused`. Returns whether this
   * run is the first to see that end; a copy refused, then made after a policy change, is
   * announced both times. A failed tag only means the sweep announces it again, so it does not
   * fail the copy.
   */
  async function markAnnounced(target: string, end: 'copied' | 'refused'): Promise<boolean> {
    const key = `${TAG.copyAnnounced}${target}`;
    const value = end === 'copied' ? 'true' : end;
    if (snapshot.tags[key] === value) return false;
    try {
      await deps.source.tagSnapshot(snapshot, { [key]: value });
    } catch (error) {
      logger.warn(`could not mark the copy of ${snapshot.id} to ${target} as announced: ${errorText(error)}`);
    }
    return true;
  }

  /** The DR copy is complete: the source side no longer needs to be readable by that account. */
  async function stopSharing(
    account: string,
    shareableId: string,
    viaShareableCopy: boolean,
  ): Promise<string> {
    if (!viaShareableCopy) {
      await deps.source.unshareSnapshot(snapshot, account);
      return `copy available; ${snapshot.id} no longer shared with ${account}`;
    }
    const shareable = await deps.source.getSnapshot(snapshot.kind, shareableId);
    if (!shareable) return 'copy available';
    // Deleting the shareable copy also ends its share; it existed only to be shared.
    await deps.source.deleteSnapshot(shareable);
    return `copy available; shareable copy ${shareableId} deleted`;
  }
}

function progressOf(copy: Snapshot): { outcome: CopyOutcome; reason: string } {
  if (copy.status === 'available') return { outcome: 'copied', reason: `copy ${copy.id} is available` };
  const progress = copy.percentProgress !== undefined ? `, ${copy.percentProgress}%` : '';
  return { outcome: 'in-progress', reason: `copy ${copy.id} is ${copy.status}${progress}` };
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
}): Promise<CopyEventResult> {
  const { kind, policies, deps } = request;
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
  return { snapshot: snapshot.id, copies: await copyToTargets({ snapshot, policyName, policy, deps }) };
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
  const unfinished = new Set(
    managed.flatMap((s) =>
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
  for (const snapshot of candidates) {
    const policyName = snapshot.tags[TAG.policy] ?? '';
    const policy = findPolicy(policies, policyName);
    if (!policy || policy.copies.length === 0) continue;
    snapshots.push(await copyToTargets({ snapshot, policyName, policy, deps }));
  }
  return { since: since.toISOString(), snapshots };
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
