import type { Snapshot } from '../model.js';
import type { Retention } from '../policy/schema.js';
import { isManaged, TAG } from '../tags.js';
import { bucketOf, PERIODS } from './periods.js';

export type RetentionAction = 'keep' | 'delete';

export interface RetentionDecision {
  snapshot: Snapshot;
  action: RetentionAction;
  /** A sentence an operator reads in `lifeboat plan` and in the prune log. */
  reason: string;
}

export interface RetentionContext {
  /**
   * Ids or ARNs of snapshots that something is reading from right now: the source of a copy still in
   * progress, the snapshot a scratch instance is being restored from. Deleting one would break it.
   */
  inUse?: Iterable<string>;
}

/**
 * When a snapshot counts as taken: the scheduled time Lifeboat tagged it with, else RDS's creation
 * time. A copy carries its original's scheduled-at tag, so in a DR region it lands in the same
 * day/week/month as the original, however late the copy finished.
 */
export function snapshotTime(snapshot: Snapshot): Date | undefined {
  const scheduled = snapshot.tags[TAG.scheduledAt];
  if (scheduled !== undefined) {
    const time = new Date(scheduled);
    if (!Number.isNaN(time.getTime())) return time;
  }
  return snapshot.createdAt;
}

/** The series a snapshot belongs to: one database, as an instance or as a cluster. */
export function sourceOf(snapshot: Snapshot): string {
  return snapshot.tags[TAG.source] ?? snapshot.sourceId;
}

export function describeRetention(retention: Retention): string {
  return PERIODS.map((period) => `${period} ${retention[period]}`).join(', ');
}

/**
 * Grandfather-father-son retention over one set of snapshots (one region of one account, one
 * retention). Pure: the same snapshots, retention and `now` give the same decisions, in the same
 * order (by time, then kind, then id), whatever order the snapshots came in.
 *
 * Per source, among its managed, available snapshots, it keeps:
 * - with daily = D, the newest snapshot of each of the last D calendar days (UTC, today included)
 *   that has one; likewise weekly by ISO week, monthly and yearly;
 * - the newest one, and the newest one tagged verified, whatever their age.
 * It never deletes a snapshot Lifeboat does not manage, one still being created or copied, or one
 * in use by a copy or a restore. Everything else is deleted.
 *
 * @example
 *   decideRetention(snapshots, { daily: 7, weekly: 4, monthly: 12, yearly: 0 }, new Date())
 *     .filter((d) => d.action === 'delete');
 */
export function decideRetention(
  snapshots: readonly Snapshot[],
  retention: Retention,
  now: Date,
  context: RetentionContext = {},
): RetentionDecision[] {
  const ordered = [...snapshots].sort(compareSnapshots);
  const inUse = new Set(context.inUse ?? []);
  const reasons = new Map<Snapshot, string[]>();
  const series = new Map<string, Array<{ snapshot: Snapshot; time: Date }>>();

  for (const snapshot of ordered) {
    const held = heldReason(snapshot);
    if (held) {
      reasons.set(snapshot, [held]);
      continue;
    }
    const own: string[] = [];
    if (inUse.has(snapshot.id) || inUse.has(snapshot.arn)) own.push('in use by a copy or a restore');
    reasons.set(snapshot, own);
    const key = `${snapshot.kind}\u0000${sourceOf(snapshot)}`;
    const members = series.get(key) ?? [];
    members.push({ snapshot, time: snapshotTime(snapshot)! });
    series.set(key, members);
  }

  for (const members of series.values()) {
    // `members` is in time order, so "the last one" is the newest.
    const newest = members.at(-1)!;
    const source = sourceOf(newest.snapshot);
    reasons.get(newest.snapshot)!.push(`newest of source ${source}`);
    const verified = members.filter((m) => m.snapshot.tags[TAG.verified] !== undefined).at(-1);
    if (verified) reasons.get(verified.snapshot)!.push(`newest verified of source ${source}`);

    for (const period of PERIODS) {
      const count = retention[period];
      if (count <= 0) continue;
      const oldest = bucketOf(period, now).index - count + 1;
      const newestPerBucket = new Map<number, { snapshot: Snapshot; label: string }>();
      for (const { snapshot, time } of members) {
        const bucket = bucketOf(period, time);
        if (bucket.index >= oldest) newestPerBucket.set(bucket.index, { snapshot, label: bucket.label });
      }
      for (const { snapshot, label } of newestPerBucket.values()) {
        reasons.get(snapshot)!.push(`${period} ${label}`);
      }
    }
  }

  const beyond = `beyond retention (${describeRetention(retention)})`;
  return ordered.map((snapshot) => {
    const kept = reasons.get(snapshot)!;
    return kept.length > 0
      ? { snapshot, action: 'keep', reason: kept.join(', ') }
      : { snapshot, action: 'delete', reason: beyond };
  });
}

/** Why a snapshot is not Lifeboat's to delete at all, if it is not: whatever the retention says. */
export function unmanagedReason(snapshot: Snapshot): string | undefined {
  if (!isManaged(snapshot.tags)) {
    return snapshot.type === 'manual'
      ? 'not managed by Lifeboat'
      : `not managed by Lifeboat (${snapshot.type} snapshot)`;
  }
  // An instance's tags reach its automated snapshots through CopyTagsToSnapshot, and a shared
  // snapshot carries its owner's tags: neither makes the snapshot ours to delete.
  if (snapshot.type !== 'manual') return `not managed by Lifeboat (${snapshot.type} snapshot)`;
  return undefined;
}

/** Why a snapshot is outside retention altogether, if it is. */
function heldReason(snapshot: Snapshot): string | undefined {
  const unmanaged = unmanagedReason(snapshot);
  if (unmanaged) return unmanaged;
  if (snapshot.status !== 'available' || snapshot.createdAt === undefined) {
    return `not available yet (status ${snapshot.status})`;
  }
  return undefined;
}

function compareSnapshots(a: Snapshot, b: Snapshot): number {
  const ta = snapshotTime(a)?.getTime() ?? Number.POSITIVE_INFINITY;
  const tb = snapshotTime(b)?.getTime() ?? Number.POSITIVE_INFINITY;
  if (ta !== tb) return ta < tb ? -1 : 1;
  return compareText(a.kind, b.kind) || compareText(a.id, b.id) || compareText(a.arn, b.arn);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
