import type { Snapshot, SourceKind } from '../model.js';
import type { Retention } from '../policy/schema.js';
import { decideRetention, snapshotTime } from '../retention/decide.js';
import { isManaged, TAG } from '../tags.js';
import { COPY_OVERDUE_HOURS } from '../use-cases/copy-progress.js';
import type { Adherence, CopyEvidence, Gap, RpoAchieved } from './types.js';

export interface Series {
  database: string;
  kind: SourceKind;
  policy: string;
}

/** A restorable snapshot: when its data is from, and when it could be restored from. */
interface Point {
  snapshot: Snapshot;
  dataAt: number;
  availableAt: number;
}

const MISSED_LISTED = 50;
// A scheduled snapshot counts for its scheduled time when it was taken within this long after it.
const SLOT_MATCH_MS = 60 * 60_000;

function ofSeries(snapshot: Snapshot, series: Series): boolean {
  return (
    snapshot.kind === series.kind && (snapshot.tags[TAG.source] ?? snapshot.sourceId) === series.database
  );
}

/**
 * The snapshots of one database at one place that can be restored: managed (an automated backup or
 * a hand-made snapshot says nothing about Lifeboat's schedule), available, with a time. At the
 * source region only the snapshots Lifeboat took, not its shareable copies (they carry copy-of).
 */
export function restorablePoints(
  snapshots: readonly Snapshot[],
  series: Series,
  tier: 'primary' | 'copy',
): Point[] {
  const points: Point[] = [];
  for (const snapshot of snapshots) {
    if (!isManaged(snapshot.tags) || snapshot.status !== 'available' || !snapshot.createdAt) continue;
    if (!ofSeries(snapshot, series)) continue;
    const primary =
      (snapshot.tags[TAG.tier] ?? 'primary') === 'primary' && snapshot.tags[TAG.copyOf] === undefined;
    if (primary !== (tier === 'primary')) continue;
    points.push({
      snapshot,
      dataAt: snapshotTime(snapshot)!.getTime(),
      availableAt: snapshot.createdAt.getTime(),
    });
  }
  return points.sort((a, b) => a.dataAt - b.dataAt || a.availableAt - b.availableAt);
}

/**
 * The scheduled times whose snapshot retention keeps: a snapshot of every scheduled time, as if
 * none had been missed, run through the real retention rules as of `now`. Only at these times does
 * a missing snapshot prove a missed one.
 */
export function retainedSlots(
  slots: readonly Date[],
  series: Series,
  retention: Retention,
  now: Date,
): Set<number> {
  const synthetic = slots.map((slot): Snapshot => ({
    kind: series.kind,
    id: `slot-${slot.getTime()}`,
    arn: `slot-${slot.getTime()}`,
    sourceId: series.database,
    type: 'manual',
    status: 'available',
    createdAt: slot,
    encrypted: true,
    region: 'slot',
    tags: {
      [TAG.managed]: 'true',
      [TAG.policy]: series.policy,
      [TAG.source]: series.database,
      [TAG.tier]: 'primary',
      [TAG.scheduledAt]: slot.toISOString(),
    },
  }));
  return new Set(
    decideRetention(synthetic, retention, now)
      .filter((d) => d.action === 'keep')
      .map((d) => d.snapshot.createdAt!.getTime()),
  );
}

/** Scheduled times in the period against the scheduled snapshots listed. */
export function adherence(
  slots: readonly Date[],
  retained: ReadonlySet<number>,
  points: readonly Point[],
): Adherence {
  // Pre-change snapshots are taken by hand: they are restorable but not the schedule's.
  const scheduled = points
    .filter((p) => p.snapshot.tags[TAG.reason] === undefined)
    .map((p) => p.dataAt)
    .sort((a, b) => a - b);
  let taken = 0;
  let notCheckable = 0;
  const missedAt: string[] = [];
  let missed = 0;
  let cursor = 0;
  for (const slot of slots) {
    const t = slot.getTime();
    while (cursor < scheduled.length && scheduled[cursor]! < t - 60_000) cursor++;
    const hit = cursor < scheduled.length && scheduled[cursor]! < t + SLOT_MATCH_MS;
    if (hit) {
      taken++;
      cursor++;
    } else if (retained.has(t)) {
      missed++;
      if (missedAt.length < MISSED_LISTED) missedAt.push(slot.toISOString());
    } else notCheckable++;
  }
  const checked = taken + missed;
  return {
    expected: slots.length,
    taken,
    missed,
    notCheckable,
    percent: checked === 0 ? null : Math.round((taken / checked) * 1000) / 10,
    missedAt,
  };
}

/**
 * Every stretch of the period and how old the newest restorable data was at its end: the data of
 * one snapshot stays the newest until the next one is available. The last gap is open, to the end
 * of the period. A gap over a scheduled time whose snapshot retention deletes is thinned: the
 * listing can no longer show what was there.
 */
export function rpoAchieved(
  points: readonly Point[],
  period: { from: Date; to: Date },
  slots: readonly Date[],
  retained: ReadonlySet<number>,
  objectiveMinutes: number,
): RpoAchieved {
  const from = period.from.getTime();
  const to = period.to.getTime();
  const inPeriod = points.filter((p) => p.availableAt < to);
  const firstIndex = Math.max(
    0,
    inPeriod.findLastIndex((p) => p.availableAt <= from),
  );
  const used = inPeriod.slice(firstIndex);
  const pruned = slots.map((s) => s.getTime()).filter((t) => !retained.has(t));
  // Scheduled times after the older snapshot's and before the next one's, whose snapshots retention deletes.
  const thinned = (start: number, next: number) =>
    pruned.some((t) => t > start + 60_000 && t < next - 60_000);
  const gap = (start: number, end: number, next = end): Gap => ({
    from: new Date(start).toISOString(),
    to: new Date(end).toISOString(),
    minutes: Math.round((end - start) / 60_000),
    // Retention always keeps the newest snapshot, so the open gap at the end is never thinned.
    thinnedByRetention: end < to && thinned(start, next),
  });

  const gaps: Gap[] = [];
  if (used.length === 0 || used[0]!.availableAt > from) {
    // Nothing restorable at the start of the period: the gap runs from the period's start.
    gaps.push(gap(from, used[0]?.availableAt ?? to, used[0]?.dataAt));
  }
  for (let i = 0; i < used.length; i++) {
    const next = used[i + 1];
    const end = next ? next.availableAt : to;
    if (end <= from) continue;
    gaps.push(gap(used[i]!.dataAt, end, next?.dataAt));
  }
  const measured = gaps.filter((g) => !g.thinnedByRetention);
  const largest = widest(measured);
  const thinnedLargest = widest(gaps.filter((g) => g.thinnedByRetention));
  // A thinned gap is an upper bound: within the objective it proves the objective was met, beyond
  // it the listing cannot tell.
  const met =
    largest && largest.minutes > objectiveMinutes
      ? false
      : thinnedLargest && thinnedLargest.minutes > objectiveMinutes
        ? null
        : gaps.length > 0
          ? true
          : null;
  return {
    objectiveMinutes,
    snapshots: used.filter((p) => p.availableAt >= from).length,
    largestGapMinutes: largest?.minutes ?? null,
    largestGap: largest,
    largestThinnedGapMinutes: thinnedLargest?.minutes ?? null,
    met,
    gaps,
  };
}

function widest(gaps: readonly Gap[]): Gap | null {
  return gaps.reduce<Gap | null>((max, g) => (!max || g.minutes > max.minutes ? g : max), null);
}

/**
 * Which source snapshots of the period have their copy at a target. Only those the target's
 * retention would keep are expected there, and none younger than a copy may take before it is
 * overdue.
 */
export function copyPresence(
  primaries: readonly Point[],
  copies: readonly Point[],
  retention: Retention,
  period: { from: Date; to: Date },
): Pick<CopyEvidence, 'present' | 'expected' | 'missing'> {
  const settled = period.to.getTime() - COPY_OVERDUE_HOURS * 3_600_000;
  const candidates = primaries.filter(
    (p) => p.availableAt >= period.from.getTime() && p.availableAt <= settled,
  );
  const kept = new Set(
    decideRetention(
      candidates.map((p) => p.snapshot),
      retention,
      period.to,
    )
      .filter((d) => d.action === 'keep')
      .map((d) => d.snapshot),
  );
  const origins = new Set(copies.map((c) => c.snapshot.tags[TAG.origin] ?? c.snapshot.tags[TAG.copyOf]));
  const expected = candidates.filter((p) => kept.has(p.snapshot));
  const missing = expected.filter((p) => !origins.has(p.snapshot.id) && !origins.has(p.snapshot.arn));
  return {
    expected: expected.length,
    present: expected.length - missing.length,
    missing: missing.map((p) => p.snapshot.id),
  };
}
