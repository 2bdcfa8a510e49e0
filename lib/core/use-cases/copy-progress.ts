import type { Snapshot, SourceKind } from '../model.js';
import type { SnapshotStore } from '../ports.js';
import { isManaged, TAG } from '../tags.js';

/*
 * What the copy use case (copy-snapshot.ts) keeps count of between steps and runs: the copies in
 * progress at a target, the attempts at a copy RDS failed, and what was announced once.
 */

/**
 * Snapshot copies RDS runs at once into one destination region of one account: 20 DB snapshots
 * (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_CopySnapshot.html, "Limitations"),
 * 5 Aurora DB cluster snapshots
 * (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-copy-snapshot.html,
 * "Limitations"). At the limit a copy waits for the next sweep instead of asking RDS into the wall.
 */
export const COPIES_IN_FLIGHT: Record<SourceKind, number> = { instance: 20, cluster: 5 };

/** Copies in progress per target store and kind, counted once per run and kept up to date by it. */
export type InFlightCounts = WeakMap<SnapshotStore, Partial<Record<SourceKind, number>>>;

/** A copy RDS is still making: `copying`, or one of Lifeboat's copies not yet available. */
export function inFlight(snapshot: Snapshot): boolean {
  if (snapshot.status === 'copying') return true;
  return (
    isManaged(snapshot.tags) &&
    snapshot.tags[TAG.copyOf] !== undefined &&
    (snapshot.status === 'pending' || snapshot.status === 'creating')
  );
}

/** Attempts at one copy, the first included, before Lifeboat stops retrying a copy RDS failed. */
export const MAX_COPY_ATTEMPTS = 3;

/**
 * A copy not available this long after its snapshot was taken is announced as overdue, once. Well
 * inside the sweep's 48-hour lookback, after which nothing looks at the snapshot any more.
 */
export const COPY_OVERDUE_HOURS = 24;

/**
 * What a run announces once per snapshot and target, remembered in the `lifeboat:copy-announced:
 * <target>` tag on the snapshot Lifeboat took: `true` (copied) and `refused` are ends and stand
 * alone; the others are words that add up while the copy is on its way ("failed-1 overdue").
 */
export type Mark = 'copied' | 'refused' | 'quota' | 'overdue' | 'gave-up' | `failed-${number}`;

export function marksIn(value: string | undefined): string[] {
  return (value ?? '').split(' ').filter((word) => word !== '');
}

/** The tag value after `mark` is added to `value`. */
export function withMark(value: string | undefined, mark: Mark): string {
  if (mark === 'copied') return 'true';
  if (mark === 'refused') return 'refused';
  const kept = marksIn(value).filter(
    (word) =>
      word !== 'true' &&
      word !== 'refused' &&
      word !== mark &&
      !(mark.startsWith('failed-') && word.startsWith('failed-')),
  );
  return [...kept, mark].join(' ');
}

/** When the snapshot was taken: its scheduled time, else RDS's creation time. */
export function takenAt(snapshot: Snapshot): Date | undefined {
  const scheduled = snapshot.tags[TAG.scheduledAt];
  return scheduled !== undefined ? new Date(scheduled) : snapshot.createdAt;
}
