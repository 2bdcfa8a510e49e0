import type { CopyTarget } from '../model.js';
import { joinIdentifier } from './identifiers.js';

/** `20261124t0945`: the scheduled minute in UTC, lower-case because RDS stores ids lower-case. */
export function scheduledStamp(scheduledAt: Date): string {
  if (Number.isNaN(scheduledAt.getTime())) throw new RangeError('scheduled time is not a valid date');
  return scheduledAt.toISOString().slice(0, 16).replace(/[-:]/g, '').toLowerCase();
}

/**
 * The snapshot a policy's schedule takes of one database at one scheduled time:
 * `lifeboat-<source>-<yyyymmddThhmm>`. A repeated event for the same time names the same snapshot,
 * which is how a second delivery finds the first one's work instead of taking another.
 *
 * @example snapshotId('orders', new Date('2026-11-24T09:45:00Z')) // 'lifeboat-orders-20261124t0945'
 */
export function snapshotId(sourceId: string, scheduledAt: Date): string {
  return joinIdentifier(['lifeboat', sourceId, scheduledStamp(scheduledAt)], 1);
}

/**
 * A pre-change snapshot an operator asked for: `lifeboat-<source>-<yyyymmddThhmmss>-pre`. The
 * requested time names it, so a repeated request (a Lambda retry) finds it; the `-pre` ending
 * keeps it apart from every scheduled id, which ends in the minute.
 *
 * @example preChangeSnapshotId('orders', new Date('2026-11-24T09:45:12Z')) // 'lifeboat-orders-20261124t094512-pre'
 */
export function preChangeSnapshotId(sourceId: string, requestedAt: Date): string {
  if (Number.isNaN(requestedAt.getTime())) throw new RangeError('requested time is not a valid date');
  const stamp = requestedAt.toISOString().slice(0, 19).replace(/[-:]/g, '').toLowerCase();
  return joinIdentifier(['lifeboat', sourceId, stamp, 'pre'], 2);
}

/**
 * A snapshot's copy at a target: `<snapshot>-<region>[-<account>]`. Two targets of one policy in
 * the same region (one per account) get different ids, and the same target always the same.
 */
export function copyId(snapshotId: string, target: Pick<CopyTarget, 'region' | 'account'>): string {
  return joinIdentifier(
    [snapshotId, target.region, ...(target.account ? [target.account] : [])],
    target.account ? 2 : 1,
  );
}

/**
 * The copy made in the source region under the key a DR account may use, when the snapshot itself
 * is under aws/rds or unencrypted and so cannot be shared: `<snapshot>-share-<account>`.
 */
export function shareableCopyId(snapshotId: string, account: string): string {
  return joinIdentifier([snapshotId, 'share', account], 2);
}
