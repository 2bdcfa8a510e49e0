import type { DatabaseSource, Snapshot, SourceKind } from '../model.js';
import type { CopyTargetPolicy, Policy } from '../policy/schema.js';
import { isManaged, TAG } from '../tags.js';
import type { PointInTimeState } from './point-in-time.js';
import type { PostureFinding } from './posture.js';
import { verifyPeriodMinutes } from './schedule.js';

/** A passed restore-verify, as read from its report (`reports/<source>/<runId>.json`). */
export interface VerifiedRestore {
  at: string;
  /** Measured RTO of that restore, when the report has one. */
  rtoMinutes: number | null;
  reportKey?: string;
  snapshotId?: string;
}

export interface SnapshotAge {
  id: string;
  createdAt: string;
  ageMinutes: number;
}

export interface CopyState {
  /** `eu-west-1` or `eu-west-1/222222222222`. */
  target: string;
  newest: SnapshotAge | null;
  /**
   * The copy backlog: snapshots taken at the source after the newest one that has its copy at the
   * target (all of them when none has). 0 when the target is up to date; null where the source's
   * snapshots are not seen (a DR site).
   */
  pending: number | null;
  /** Set when the target could not be read (a DR account role that cannot be assumed, ...). */
  error?: string;
  breached: boolean;
}

/**
 * The recovery picture of one database: the same for the monitor (which alerts on it) and for
 * `lifeboat status` (which prints it).
 */
export interface DatabaseRecovery {
  database: string;
  kind: SourceKind;
  policy: string;
  rpo: { objectiveMinutes: number; state: 'ok' | 'breach'; reasons: string[] };
  snapshot: SnapshotAge | null;
  copies: CopyState[];
  verification: {
    state: 'fresh' | 'stale' | 'not-scheduled';
    /** How old a passed restore-verify may be before it is stale. */
    dueWithinMinutes: number | null;
    last: (VerifiedRestore & { ageMinutes: number }) | null;
  };
  /** Per copy target with `pointInTime`: the replicated latest restorable time and the lag. */
  pointInTime?: PointInTimeState[];
  /** What the database's own settings leave unprotected (posture.ts); absent where unknown. */
  posture?: PostureFinding[];
  /** The measured RTO of the last verified restore against the objective (a DR site's monitor). */
  rto?: { objectiveMinutes: number; state: 'ok' | 'breach' | 'unknown' };
}

export function targetLabel(target: Pick<CopyTargetPolicy, 'region' | 'account'>): string {
  return target.account ? `${target.region}/${target.account}` : target.region;
}

function minutesSince(time: Date, now: Date): number {
  return Math.max(0, Math.round((now.getTime() - time.getTime()) / 60_000));
}

function ofDatabase(snapshot: Snapshot, database: Pick<DatabaseSource, 'id' | 'kind'>): boolean {
  return snapshot.kind === database.kind && (snapshot.tags[TAG.source] ?? snapshot.sourceId) === database.id;
}

/**
 * The newest snapshot Lifeboat took or copied of the database that can be restored now. Only
 * managed ones count: an automated backup has its own retention window and a hand-made snapshot
 * says nothing about Lifeboat's schedule working.
 */
export function newestRestorable(
  snapshots: readonly Snapshot[],
  database: Pick<DatabaseSource, 'id' | 'kind'>,
  tier: 'primary' | 'copy',
  now: Date,
): SnapshotAge | null {
  let newest: Snapshot | undefined;
  for (const snapshot of snapshots) {
    if (!isManaged(snapshot.tags) || snapshot.status !== 'available' || !snapshot.createdAt) continue;
    if (!ofDatabase(snapshot, database)) continue;
    const snapshotTier = snapshot.tags[TAG.tier];
    // The source region also holds re-encrypted shareable copies; they are copies, not the schedule's.
    if (
      tier === 'primary'
        ? snapshotTier !== undefined && snapshotTier !== 'primary'
        : snapshotTier === 'primary'
    )
      continue;
    if (!newest || snapshot.createdAt > newest.createdAt!) newest = snapshot;
  }
  if (!newest?.createdAt) return null;
  return {
    id: newest.id,
    createdAt: newest.createdAt.toISOString(),
    ageMinutes: minutesSince(newest.createdAt, now),
  };
}

export interface RecoveryInput {
  database: DatabaseSource;
  policyName: string;
  policy: Policy;
  /** Snapshots in the database's own region. */
  snapshots: readonly Snapshot[];
  /** Per copy target of the policy, its snapshots, or why they could not be read. */
  copies: ReadonlyArray<
    { target: CopyTargetPolicy; snapshots: readonly Snapshot[] } | { target: CopyTargetPolicy; error: string }
  >;
  lastVerified: VerifiedRestore | null;
  /** The replication to each copy target with `pointInTime` (point-in-time.ts). */
  pointInTime?: PointInTimeState[];
  now: Date;
}

/**
 * RPO is breached when the newest restorable snapshot, or the newest copy at any target, is older
 * than `rpoMinutes` (or missing). A target that cannot be read is a breach too: nobody can show
 * the copy is there. At a target whose replicated backups are running, what can be restored there
 * is the replicated latest restorable time, so its lag decides instead of the copies' age; while
 * the replication is not running the copies decide, as without `pointInTime`.
 */
export function assessRecovery(input: RecoveryInput): DatabaseRecovery {
  const { database, policy, now } = input;
  const objective = policy.rpoMinutes;
  const reasons: string[] = [];
  const snapshot = newestRestorable(input.snapshots, database, 'primary', now);
  if (!snapshot) reasons.push('no restorable Lifeboat snapshot');
  else if (snapshot.ageMinutes > objective)
    reasons.push(`newest snapshot ${snapshot.id} is ${snapshot.ageMinutes} min old`);

  const copies: CopyState[] = input.copies.map((entry) => {
    const target = targetLabel(entry.target);
    const replicated = input.pointInTime?.find(
      (state) => state.target === target && state.lagMinutes !== null,
    );
    if (replicated && 'snapshots' in entry) {
      const newest = newestRestorable(entry.snapshots, database, 'copy', now);
      const breached = replicated.lagMinutes! > objective;
      if (breached) {
        reasons.push(
          `point-in-time restores at ${target} are ${replicated.lagMinutes} min behind (replicated latest restorable time ${replicated.latestRestorableTime})`,
        );
      }
      return { target, newest, pending: copyBacklog(input.snapshots, entry.snapshots, database), breached };
    }
    if ('error' in entry) {
      reasons.push(`copies at ${target} cannot be read: ${entry.error}`);
      return { target, newest: null, pending: 0, error: entry.error, breached: true };
    }
    const newest = newestRestorable(entry.snapshots, database, 'copy', now);
    const breached = !newest || newest.ageMinutes > objective;
    if (!newest) reasons.push(`no copy at ${target}`);
    else if (breached) reasons.push(`newest copy at ${target} is ${newest.ageMinutes} min old`);
    return { target, newest, pending: copyBacklog(input.snapshots, entry.snapshots, database), breached };
  });

  return {
    database: database.id,
    kind: database.kind,
    policy: input.policyName,
    rpo: { objectiveMinutes: objective, state: reasons.length > 0 ? 'breach' : 'ok', reasons },
    snapshot,
    copies,
    verification: assessVerification(policy, input.lastVerified, now),
    ...(input.pointInTime && input.pointInTime.length > 0 ? { pointInTime: input.pointInTime } : {}),
  };
}

/** How many of the database's snapshots Lifeboat took came after the newest one copied there. */
function copyBacklog(
  source: readonly Snapshot[],
  target: readonly Snapshot[],
  database: Pick<DatabaseSource, 'id' | 'kind'>,
): number {
  const copied = new Set(
    target.filter((s) => isManaged(s.tags) && s.status === 'available').map((s) => s.tags[TAG.origin]),
  );
  const taken = source
    .filter(
      (s) =>
        isManaged(s.tags) &&
        s.status === 'available' &&
        s.createdAt !== undefined &&
        ofDatabase(s, database) &&
        (s.tags[TAG.tier] ?? 'primary') === 'primary' &&
        s.tags[TAG.copyOf] === undefined,
    )
    .sort((a, b) => a.createdAt!.getTime() - b.createdAt!.getTime());
  const frontier = taken.findLastIndex((s) => copied.has(s.id));
  return taken.length - 1 - frontier;
}

/** How old a passed restore-verify may be before it is stale; null without a verify schedule. */
export function verificationDueMinutes(policy: Pick<Policy, 'verify' | 'rtoMinutes'>): number | null {
  if (!policy.verify?.schedule) return null;
  // A run may start late and takes up to the RTO; an hour more keeps a slow run from alerting.
  return verifyPeriodMinutes(policy.verify.schedule) + policy.rtoMinutes + 60;
}

export function assessVerification(
  policy: Policy,
  last: VerifiedRestore | null,
  now: Date,
): DatabaseRecovery['verification'] {
  const withAge = last ? { ...last, ageMinutes: minutesSince(new Date(last.at), now) } : null;
  const due = verificationDueMinutes(policy);
  if (due === null) return { state: 'not-scheduled', dueWithinMinutes: null, last: withAge };
  const fresh = withAge !== null && withAge.ageMinutes <= due;
  return { state: fresh ? 'fresh' : 'stale', dueWithinMinutes: due, last: withAge };
}
