import { GuardRefusedError } from '../errors.js';
import type { Snapshot } from '../model.js';
import { shareableCopyId } from '../naming/snapshot-id.js';
import type { CopyTargetPolicy } from '../policy/schema.js';
import type { SnapshotStore } from '../ports.js';
import { TAG } from '../tags.js';
import { copyTags, sameKey, type CopyDeps, type SharedSteps, type Step } from './copy-step.js';

/*
 * The way of a copy into another account (a DR account), one step per pass:
 *
 * - The DR account can only copy a snapshot shared with it, under a customer key it may use. A
 *   snapshot not already under that key (under aws/rds, or unencrypted) is first copied under it by
 *   this account: the "shareable copy", `<snapshot>-share-<account>`.
 * - That snapshot (or the snapshot itself) is shared with that account only, and the DR role copies
 *   it under the DR account's key.
 * - When the DR copy is available, the share ends: the shareable copy is deleted (it only existed to
 *   be shared), or the snapshot itself unshared.
 *
 * Where the share happens depends on the kind. A DB snapshot is shared in the source region and the
 * DR account copies it straight into its region: CopyDBSnapshot takes "an ARN of a snapshot that is
 * in a different account and a different AWS Region"
 * (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CopyDBSnapshot.html). An Aurora
 * cluster snapshot cannot be: "You can't copy a DB cluster snapshot across Regions and accounts in
 * a single step" (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_CopySnapshot.html),
 * "You can only copy DB cluster snapshots across accounts in the same AWS Region"
 * (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_CopyDBClusterSnapshot.CrossAccount.html).
 * moto accepts the single step; RDS refuses it. So for a DR account in another region, this account
 * first copies the cluster snapshot into the target region, always (the shareable copy, there, under
 * `targetShareKmsKeyId`: KMS keys are regional), and shares that copy there.
 */

/** This account in the target's region: where a cluster snapshot is shared for a DR account there. */
export function ownAccountIn(target: CopyTargetPolicy): CopyTargetPolicy {
  return { region: target.region, kmsKeyId: target.targetShareKmsKeyId ?? target.kmsKeyId };
}

/** Whether a snapshot of this kind reaches that DR account through a copy in the target region. */
export function sharedInTargetRegion(
  kind: Snapshot['kind'],
  target: Pick<CopyTargetPolicy, 'region' | 'account'>,
  sourceRegion: string,
): boolean {
  return kind === 'cluster' && target.account !== undefined && target.region !== sourceRegion;
}

export async function stepTowardsDrAccount(request: {
  snapshot: Snapshot;
  policyName: string;
  target: CopyTargetPolicy;
  /** The DR copy's id and the target's name (lib/core/naming, targetName). */
  copyId: string;
  name: string;
  /** `copy-unencrypted`: an unencrypted cluster snapshot copied and shared as it is, with no key. */
  rule: 'encrypt' | 'copy-unencrypted';
  /** The DR copy as the DR account sees it now; a failed one was handled before. */
  existing: Snapshot | undefined;
  /** The DR account in the target's region. */
  store: SnapshotStore;
  deps: CopyDeps;
  steps: SharedSteps;
}): Promise<Step> {
  const { snapshot, policyName, target, name, rule, existing, store, deps, steps } = request;
  const account = target.account!;
  const asIs = rule === 'copy-unencrypted';
  const inTargetRegion = sharedInTargetRegion(snapshot.kind, target, deps.source.region);
  const shareStore = inTargetRegion ? deps.storeFor(ownAccountIn(target)) : deps.source;
  const shareKey = inTargetRegion ? target.targetShareKmsKeyId : target.shareKmsKeyId;
  const viaShareableCopy =
    inTargetRegion || (!asIs && (!snapshot.encrypted || !sameKey(snapshot.kmsKeyId, shareKey)));
  const shareableId = viaShareableCopy ? shareableCopyId(snapshot.id, account) : snapshot.id;

  if (existing) {
    if (existing.status !== 'available') return steps.progressOf(existing);
    return { outcome: 'copied', reason: await stopSharing(), mark: 'copied' };
  }

  let shareable = snapshot;
  if (viaShareableCopy) {
    const found = await shareStore.getSnapshot(snapshot.kind, shareableId);
    if (!found) return makeShareableCopy();
    if (found.status === 'failed') return steps.retryFailed(shareStore, found, name);
    if (found.status !== 'available') {
      return steps.overdue({
        outcome: 'awaiting-shareable-copy',
        reason: `${shareableId} in ${shareStore.region} is ${found.status}`,
      });
    }
    shareable = found;
  }
  const full = await steps.atLimit(store);
  if (full) return full;
  await shareStore.shareSnapshot(shareable, account);
  const copy = await store.copySnapshot({
    kind: snapshot.kind,
    sourceArn: shareable.arn,
    sourceRegion: shareStore.region,
    targetId: request.copyId,
    kmsKeyId: asIs ? undefined : target.kmsKeyId,
    tags: copyTags(snapshot, policyName, 'dr-account', shareable.arn, name),
  });
  return {
    outcome: 'started',
    reason: `shared ${shareable.id} in ${shareStore.region} with ${account} only; copy requested there in ${target.region} (${copy.status})`,
  };

  async function makeShareableCopy(): Promise<Step> {
    if (inTargetRegion && !asIs && !shareKey) {
      return {
        outcome: 'refused',
        reason: `an Aurora cluster snapshot reaches a DR account in another region only through a copy in ${target.region} under a key of this account there that the DR account may use, and the target has no targetShareKmsKeyId`,
        blocker: 'no-target-share-key',
        mark: 'refused',
      };
    }
    if (inTargetRegion) {
      // A copy into another region: it counts towards the copies RDS runs at once there.
      const full = await steps.atLimit(shareStore);
      if (full) return full;
    }
    await shareStore.copySnapshot({
      kind: snapshot.kind,
      sourceArn: snapshot.arn,
      sourceRegion: deps.source.region,
      targetId: shareableId,
      kmsKeyId: asIs ? undefined : shareKey,
      tags: copyTags(snapshot, policyName, 'primary', snapshot.arn, name),
    });
    const why = inTargetRegion
      ? `Aurora copies a cluster snapshot across regions and accounts only in two steps: copying to ${shareableId} in ${target.region} first`
      : `${snapshot.encrypted ? 'under a key the DR account cannot use' : 'unencrypted'}: copying to ${shareableId} under the shareable key first`;
    return { outcome: 'awaiting-shareable-copy', reason: why };
  }

  /** The DR copy is complete: this account's side no longer needs to be readable by that account. */
  async function stopSharing(): Promise<string> {
    if (!viaShareableCopy) {
      await shareStore.unshareSnapshot(snapshot, account);
      return `copy available; ${snapshot.id} no longer shared with ${account}`;
    }
    const found = await shareStore.getSnapshot(snapshot.kind, shareableId);
    if (!found) return 'copy available';
    // Only the copy made for this purpose goes: the store's guard adds managed and manual.
    if (found.tags[TAG.copyOf] !== snapshot.arn) {
      throw new GuardRefusedError(
        `refusing to delete ${shareableId} in ${shareStore.region}: it is not a copy of ${snapshot.arn}`,
      );
    }
    // Deleting the shareable copy also ends its share; it existed only to be shared.
    await shareStore.deleteSnapshot(found);
    return `copy available; shareable copy ${shareableId} in ${shareStore.region} deleted`;
  }
}
