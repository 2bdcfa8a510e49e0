import type { Snapshot } from '../model.js';
import type { Retention } from '../policy/schema.js';
import { keepUntilOf } from '../pre-change.js';
import { AHEAD_TOLERANCE_MS, parseInstant } from '../scheduled-time.js';
import { isManaged, TAG } from '../tags.js';
import { bucketOf, PERIODS } from './periods.js';

export type RetentionAction = 'keep' | 'delete';

export interface RetentionDecision {
  snapshot: Snapshot;
  action: RetentionAction;
  /** A sentence an operator reads in `lifeboat plan` and in the prune log. */
  reason: string;
  /**
   * A failed snapshot not announced yet: prune announces it and tags it TAG.failureAnnounced, from
   * which its grace period runs.
   */
  announceFailure?: true;
  /** Something is wrong with what RDS reported: the snapshot is kept, and the run fails saying so. */
  problem?: string;
}

/**
 * How long a failed snapshot is kept after it was announced: time to read the alert and the RDS
 * events of that snapshot, over a weekend, before prune deletes it (a failed snapshot cannot be
 * restored, yet counts towards the manual snapshot quota).
 */
export const FAILED_SNAPSHOT_GRACE_DAYS = 7;
const FAILED_GRACE_MS = FAILED_SNAPSHOT_GRACE_DAYS * 86_400_000;

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
 *
 * The tag is trusted only as a full ISO 8601 instant no later than RDS's creation time (plus the
 * clock skew a scheduled time may have, AHEAD_TOLERANCE_MS): a snapshot is never taken before it
 * was scheduled. A tag in the future would make its snapshot the "newest" and let the really newest
 * one go; `Date` would read a tag of "1" as 2001.
 */
export function snapshotTime(snapshot: Snapshot): Date | undefined {
  const created = snapshot.createdAt;
  if (created === undefined) return undefined;
  const scheduled = parseInstant(snapshot.tags[TAG.scheduledAt]);
  if (scheduled && scheduled.getTime() <= created.getTime() + AHEAD_TOLERANCE_MS) return scheduled;
  return created;
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
 * - the newest one, and the newest one tagged verified, whatever their age;
 * - a pre-change snapshot until its keep-until time (TAG.keepUntil).
 * It never deletes a snapshot Lifeboat does not manage, one still being created or copied, or one
 * in use by a copy or a restore. A failed snapshot is announced once and deleted after a grace
 * period. A snapshot listed twice gets one decision. Everything else is deleted.
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
  const { unique, conflicting } = onePerSnapshot(snapshots);
  const ordered = unique.sort(compareSnapshots);
  const inUse = new Set(context.inUse ?? []);
  const reasons = new Map<Snapshot, string[]>();
  const special = new Map<Snapshot, RetentionDecision>();
  const series = new Map<string, Array<{ snapshot: Snapshot; time: Date }>>();

  for (const snapshot of ordered) {
    const used = inUse.has(snapshot.id) || inUse.has(snapshot.arn);
    const held = conflicting.has(snapshot)
      ? 'listed more than once with different details: kept until a listing agrees'
      : unmanagedReason(snapshot);
    if (held) {
      reasons.set(snapshot, [held]);
      continue;
    }
    if (snapshot.status === 'failed') {
      special.set(snapshot, failedDecision(snapshot, now, used));
      continue;
    }
    const until = keptUntilReason(snapshot, now);
    if (snapshot.status !== 'available') {
      reasons.set(snapshot, [`not available yet (status ${snapshot.status})`, ...until]);
      continue;
    }
    const time = snapshotTime(snapshot);
    if (time === undefined) {
      const problem = 'RDS lists it as available but gives no creation time (SnapshotCreateTime)';
      const reason = [`kept: ${problem}`, ...until].join(', ');
      special.set(snapshot, { snapshot, action: 'keep', reason, problem });
      continue;
    }
    reasons.set(snapshot, [...(used ? ['in use by a copy or a restore'] : []), ...until]);
    const key = `${snapshot.kind}\u0000${sourceOf(snapshot)}`;
    const members = series.get(key) ?? [];
    members.push({ snapshot, time });
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
    const decided = special.get(snapshot);
    if (decided) return decided;
    const kept = reasons.get(snapshot)!;
    return kept.length > 0
      ? { snapshot, action: 'keep', reason: kept.join(', ') }
      : { snapshot, action: 'delete', reason: beyond };
  });
}

/**
 * A pre-change snapshot is kept until its keep-until time whatever GFS says, then is one like any
 * other. A keep-until that is not an ISO instant keeps nothing: a bad tag must not hold a
 * snapshot forever.
 */
function keptUntilReason(snapshot: Snapshot, now: Date): string[] {
  const until = keepUntilOf(snapshot.tags);
  if (!until || until.getTime() <= now.getTime()) return [];
  const reason = snapshot.tags[TAG.reason];
  return [`pre-change${reason ? ` (${reason})` : ''}, kept until ${until.toISOString()}`];
}

/**
 * A failed snapshot cannot be restored from, so it is no backup and never the newest of its
 * source; it is announced once, then deleted FAILED_SNAPSHOT_GRACE_DAYS after the announcement.
 * An announcement tag that is not an instant, or lies ahead of `now`, counts as none: a bad tag
 * must not keep a failed snapshot forever, and announcing again is the safe side.
 */
function failedDecision(snapshot: Snapshot, now: Date, inUse: boolean): RetentionDecision {
  const announced = parseInstant(snapshot.tags[TAG.failureAnnounced]);
  if (!announced || announced.getTime() > now.getTime() + AHEAD_TOLERANCE_MS) {
    return {
      snapshot,
      action: 'keep',
      reason: `failed (status failed): announced now, deleted ${FAILED_SNAPSHOT_GRACE_DAYS} days after`,
      announceFailure: true,
    };
  }
  const due = new Date(announced.getTime() + FAILED_GRACE_MS);
  if (inUse)
    return { snapshot, action: 'keep', reason: 'failed (status failed), in use by a copy or a restore' };
  return now.getTime() >= due.getTime()
    ? {
        snapshot,
        action: 'delete',
        reason: `failed (status failed), announced ${announced.toISOString()}, ${FAILED_SNAPSHOT_GRACE_DAYS}-day grace over`,
      }
    : {
        snapshot,
        action: 'keep',
        reason: `failed (status failed), announced ${announced.toISOString()}, deleted from ${due.toISOString()}`,
      };
}

/**
 * One entry per snapshot (kind and id: what RDS keeps unique in one region of one account), since
 * an inventory or a repeated listing page may name one twice and each copy would get its own
 * decision, keep and delete. Entries that differ are all the same snapshot, so it is held: which
 * one is right cannot be told, and the decision must not depend on their order.
 */
function onePerSnapshot(snapshots: readonly Snapshot[]): { unique: Snapshot[]; conflicting: Set<Snapshot> } {
  const byId = new Map<string, Array<{ snapshot: Snapshot; text: string }>>();
  for (const snapshot of snapshots) {
    const key = `${snapshot.kind}\u0000${snapshot.id}`;
    const entries = byId.get(key) ?? [];
    entries.push({ snapshot, text: canonicalText(snapshot) });
    byId.set(key, entries);
  }
  const unique: Snapshot[] = [];
  const conflicting = new Set<Snapshot>();
  for (const entries of byId.values()) {
    // The same pick whatever the order: the entry with the least canonical text.
    const pick = entries.reduce((a, b) => (compareText(b.text, a.text) < 0 ? b : a));
    unique.push(pick.snapshot);
    if (entries.some((e) => e.text !== pick.text)) conflicting.add(pick.snapshot);
  }
  return { unique, conflicting };
}

function canonicalText(snapshot: Snapshot): string {
  return JSON.stringify(snapshot, (_key, value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => compareText(a, b)))
      : value,
  );
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

function compareSnapshots(a: Snapshot, b: Snapshot): number {
  const ta = snapshotTime(a)?.getTime() ?? Number.POSITIVE_INFINITY;
  const tb = snapshotTime(b)?.getTime() ?? Number.POSITIVE_INFINITY;
  if (ta !== tb) return ta < tb ? -1 : 1;
  return compareText(a.kind, b.kind) || compareText(a.id, b.id) || compareText(a.arn, b.arn);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
