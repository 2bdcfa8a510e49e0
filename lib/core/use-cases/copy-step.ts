import type { Snapshot } from '../model.js';
import type { CopyTargetPolicy } from '../policy/schema.js';
import type { SnapshotStore } from '../ports.js';
import { TAG, type Tags, type Tier } from '../tags.js';
import type { Mark } from './copy-progress.js';
import type { UseCaseLogger } from './log.js';

/*
 * What one step towards a copy target is and answers, shared by the copy use case
 * (copy-snapshot.ts) and its DR-account path (dr-account-copy.ts): outcomes, the tags every copy
 * carries, and the names read out of snapshot ARNs.
 */

export type CopyOutcome =
  'started' | 'in-progress' | 'copied' | 'awaiting-shareable-copy' | 'refused' | 'retry-later' | 'failed';

/**
 * Why a copy is refused or held up:
 * - `unencrypted-refused`: the policy refuses unencrypted sources.
 * - `unencrypted-cluster`: an unencrypted Aurora cluster snapshot, which RDS cannot encrypt on copy,
 *   under a policy that did not allow copying it unencrypted.
 */
export type CopyBlocker =
  | 'unencrypted-refused'
  | 'unencrypted-cluster'
  /**
   * An encrypted Aurora cluster snapshot for a DR account in another region, and the target has no
   * `targetShareKmsKeyId` (a key in that region the DR account may use) to copy it there under.
   */
  | 'no-target-share-key'
  /** The manual-snapshot quota where the copy is made is used up: retried, told once. */
  | 'snapshot-quota'
  /** RDS failed the copy; it was deleted and is copied again (bounded). */
  | 'copy-failed'
  /** RDS failed the copy MAX_COPY_ATTEMPTS times: no more retries. */
  | 'retries-exhausted'
  /** Not available COPY_OVERDUE_HOURS after the snapshot was taken. */
  | 'overdue';

export type Step = { outcome: CopyOutcome; reason: string; blocker?: CopyBlocker; mark?: Mark };

export interface CopyDeps {
  /** The source region, in this account. */
  source: SnapshotStore;
  /**
   * The store at a target: another region, and for `account` that account (role assumed). A
   * target without `account` is this account in that region.
   */
  storeFor(target: CopyTargetPolicy): SnapshotStore;
  logger?: UseCaseLogger;
}

/** The steps of copyToTargets that every path towards a target takes the same way. */
export interface SharedSteps {
  /** `retry-later` when `store` already runs as many copies of this kind as RDS allows. */
  atLimit(store: SnapshotStore): Promise<Step | undefined>;
  /** `copied`, or how far the copy is. */
  progressOf(copy: Snapshot): Step;
  /** The step, announced once as overdue when the snapshot was taken long ago. */
  overdue(step: Step): Step;
  /** Deletes a copy RDS failed so the next pass copies again, up to MAX_COPY_ATTEMPTS. */
  retryFailed(store: SnapshotStore, copy: Snapshot, target: string): Promise<Step>;
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
export function sameKey(snapshotKey: string | undefined, configured: string | undefined): boolean {
  if (!snapshotKey || !configured) return false;
  return snapshotKey === configured || snapshotKey.endsWith(`:key/${configured}`);
}

export function copyTags(
  original: Snapshot,
  policyName: string,
  tier: Tier,
  copiedFrom: string,
  target: string,
): Tags {
  // A pre-change snapshot's DR copies are kept as long as it is: an SRE restoring in the DR site
  // expects the copy taken before the change to be there.
  const carried = [TAG.source, TAG.sourceArn, TAG.scheduledAt, TAG.reason, TAG.keepUntil] as const;
  const tags: Tags = { [TAG.managed]: 'true', [TAG.policy]: policyName, [TAG.tier]: tier };
  for (const key of carried) if (original.tags[key] !== undefined) tags[key] = original.tags[key];
  tags[TAG.source] ??= original.sourceId;
  // Prune reads copy-of to keep a snapshot that a copy in progress is still reading.
  tags[TAG.copyOf] = copiedFrom;
  tags[TAG.origin] = original.tags[TAG.origin] ?? original.id;
  tags[TAG.target] = target;
  return tags;
}

export function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
