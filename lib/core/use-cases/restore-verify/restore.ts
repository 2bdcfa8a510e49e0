import {
  AccessDeniedError,
  ConfigError,
  InvalidInputError,
  NotFoundError,
  NotReadyError,
  RetryLaterError,
  VerificationFailedError,
} from '../../errors.js';
import type { Snapshot } from '../../model.js';
import type { ScratchCredentials, ScratchInstance } from '../../ports.js';
import { isManaged, isOwnedSnapshot, TAG, type Tags } from '../../tags.js';
import { LATEST_RESTORABLE, policyOf, requestOf, siteOf, timed } from './common.js';
import type {
  ReadyScratch,
  ResolvedSnapshot,
  RestoreSite,
  RestoreVerifyDeps,
  RunState,
  StartedRestore,
  VerifyRequest,
} from './types.js';

// Long enough for the slowest restore the RTO allows plus fingerprinting; the monitor deletes a
// scratch instance past this time, so it must not be shorter than a run.
const SCRATCH_GRACE_MINUTES = 6 * 60;

// Statuses an RDS restore never leaves on its own
// (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/accessing-monitoring.html#Overview.DBInstance.Status).
const DEAD_ENDS = new Set([
  'failed',
  'incompatible-restore',
  'incompatible-parameters',
  'incompatible-network',
  'incompatible-option-group',
  'inaccessible-encryption-credentials',
  'inaccessible-encryption-credentials-recoverable',
  'storage-full',
  'deleting',
]);

// Within this long of its restore call, RDS may not list a scratch instance yet: "not found" then
// means "not yet", not "gone".
export const RESTORE_LISTING_GRACE_MS = 15 * 60_000;

function lastSegment(arnOrId: string): string {
  return arnOrId.split(':').pop() ?? arnOrId;
}

/** The snapshot Lifeboat took that this one is (a copy of), by its id. */
function originOf(snapshot: Snapshot): string {
  return snapshot.tags[TAG.origin] ?? lastSegment(snapshot.tags[TAG.copyOf] ?? snapshot.id);
}

function isCopy(snapshot: Snapshot): boolean {
  return snapshot.tags[TAG.copyOf] !== undefined;
}

/**
 * When the data in a snapshot was taken: an original's creation time; for a copy, whose creation
 * time is when it was copied, the scheduled time its origin carried (never later than the origin).
 */
function takenAt(snapshot: Snapshot): Date | undefined {
  const scheduled = Date.parse(snapshot.tags[TAG.scheduledAt] ?? '');
  if (isCopy(snapshot)) return Number.isFinite(scheduled) ? new Date(scheduled) : snapshot.createdAt;
  return snapshot.createdAt ?? (Number.isFinite(scheduled) ? new Date(scheduled) : undefined);
}

function resolved(snapshot: Snapshot): Omit<ResolvedSnapshot, 'startedAt' | 'finishedAt'> {
  const dataAsOf = takenAt(snapshot);
  return {
    kind: snapshot.kind,
    id: snapshot.id,
    arn: snapshot.arn,
    type: snapshot.type,
    ...(snapshot.createdAt ? { createdAt: snapshot.createdAt.toISOString() } : {}),
    ...(dataAsOf ? { dataAsOf: dataAsOf.toISOString() } : {}),
    origin: originOf(snapshot),
    ...(isOwnedSnapshot(snapshot) ? { owned: true } : {}),
  };
}

/**
 * The snapshot identifier to look up in the site's own account and region. An ARN must name that
 * account and region: DescribeDB*Snapshots takes the last part of any ARN, so another account's or
 * region's ARN would otherwise restore the local snapshot of the same name. An automated snapshot's
 * id keeps its `rds:` prefix (`rds:app-db-2026-01-01-03-00`), which is part of its name.
 */
export function snapshotIdIn(
  given: string,
  site: { kind: Snapshot['kind']; region: string; account?: string },
): string {
  if (!given.startsWith('arn:')) return given;
  // arn:<partition>:rds:<region>:<account>:snapshot|cluster-snapshot:<name, which may hold ":">
  const [, , service, region, account, type, ...name] = given.split(':');
  const expectedType = site.kind === 'cluster' ? 'cluster-snapshot' : 'snapshot';
  if (service !== 'rds' || type !== expectedType || name.length === 0) {
    throw new InvalidInputError(`snapshot "${given}" is not an RDS ${expectedType} ARN`);
  }
  if (region !== site.region || (site.account !== undefined && account !== site.account)) {
    throw new InvalidInputError(
      `snapshot "${given}" is in ${account}/${region}, but this target restores in ${site.account ?? 'this account'}/${site.region}: give the target that holds it, or its copy there`,
    );
  }
  return name.join(':');
}

/** The account of a restore site, when known: a DR target's, else the primary's. */
function siteAccount(deps: RestoreVerifyDeps, request: VerifyRequest): string | undefined {
  return request.target.account ?? deps.account;
}

/**
 * The newest snapshot by when its data was taken (its origin's schedule), an original before any
 * copy of the same origin: a shareable or re-encrypted copy is newer by creation time only.
 */
export function newestOriginal(snapshots: readonly Snapshot[]): Snapshot | undefined {
  const byId = new Map(snapshots.map((s) => [s.id, s]));
  // A copy of an origin listed here was taken when its origin was, whatever its own tags say.
  const time = (s: Snapshot) => takenAt(byId.get(originOf(s)) ?? s)?.getTime() ?? -Infinity;
  return [...snapshots].sort(
    (a, b) =>
      time(b) - time(a) ||
      Number(isCopy(a)) - Number(isCopy(b)) ||
      (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0) ||
      a.id.localeCompare(b.id),
  )[0];
}

/**
 * A point in time at a DR target: the source's automated backups replicated into that region, and
 * the time within their restore window, which RDS would otherwise refuse only after the restore
 * was asked for.
 */
async function replicatedPointInTime(
  site: RestoreSite,
  request: VerifyRequest,
): Promise<Omit<ResolvedSnapshot, 'startedAt' | 'finishedAt'>> {
  const where = request.target.name;
  if (!site.replication) {
    throw new ConfigError(`target "${where}" cannot list replicated automated backups from this deployment`);
  }
  const backups = (await site.replication.listReplicated()).filter(
    (backup) => backup.sourceArn === request.source.arn && backup.earliest && backup.latest,
  );
  if (backups.length === 0) {
    throw new NotFoundError(
      `no automated backups of "${request.source.id}" are replicated to ${where} yet: the monitor starts the replication, and a point in time there is restorable once the first backup has arrived (lifeboat status shows it)`,
    );
  }
  // "latest": the newest second any of them reaches, resolved here so the restore and the report
  // name the same time.
  const time =
    request.pointInTime === LATEST_RESTORABLE
      ? Math.max(...backups.map((b) => b.latest!.getTime()))
      : Date.parse(request.pointInTime!);
  const within = backups.find((b) => b.earliest!.getTime() <= time && time <= b.latest!.getTime());
  if (!within) {
    const windows = backups
      .map((b) => `${b.earliest!.toISOString()} to ${b.latest!.toISOString()}`)
      .join(', ');
    throw new InvalidInputError(
      `pointInTime ${request.pointInTime} is outside what is replicated to ${where} for "${request.source.id}": restorable there from ${windows}`,
    );
  }
  return {
    kind: request.source.kind,
    dataAsOf: new Date(time).toISOString(),
    automatedBackupsArn: within.arn,
  };
}

/** The time a point-in-time run restores: as asked, or "latest" as ResolveSnapshot found it. */
export function restoreTimeOf(state: RunState): string | undefined {
  const asked = state.request?.mode === 'database' ? state.request.pointInTime : undefined;
  if (asked !== LATEST_RESTORABLE) return asked;
  return state.resolved?.dataAsOf ?? asked;
}

/** The snapshot to restore: the one named, or the newest available snapshot Lifeboat made. */
export async function resolveSnapshot(state: RunState, deps: RestoreVerifyDeps): Promise<ResolvedSnapshot> {
  const request = requestOf(state);
  const site = siteOf(deps, request);
  return timed(deps, async () => {
    const kind = request.source.kind;
    if (request.pointInTime && request.target.name !== 'primary') {
      return replicatedPointInTime(site, request);
    }
    if (request.pointInTime) return { kind, dataAsOf: request.pointInTime };

    if (request.snapshot !== 'latest') {
      const id = snapshotIdIn(request.snapshot, {
        kind,
        region: site.snapshots.region,
        ...(siteAccount(deps, request) ? { account: siteAccount(deps, request)! } : {}),
      });
      const snapshot = await site.snapshots.getSnapshot(kind, id);
      if (!snapshot) {
        throw new NotFoundError(`snapshot "${request.snapshot}" does not exist in ${site.snapshots.region}`);
      }
      if (snapshot.sourceId !== request.source.id) {
        throw new InvalidInputError(
          `snapshot "${snapshot.id}" is of "${snapshot.sourceId}", not of "${request.source.id}"`,
        );
      }
      if (snapshot.status !== 'available') {
        throw new InvalidInputError(`snapshot "${snapshot.id}" is ${snapshot.status}, not available`);
      }
      return resolved(snapshot);
    }

    const candidates = (await site.snapshots.listSnapshots({ kind, sourceId: request.source.id })).filter(
      (s) => isManaged(s.tags) && s.status === 'available' && takenAt(s),
    );
    const newest = newestOriginal(candidates);
    if (!newest) {
      throw new NotFoundError(
        `no available snapshot of "${request.source.id}" managed by Lifeboat in ${site.snapshots.region} (target ${request.target.name})`,
      );
    }
    return resolved(newest);
  });
}

/** Starts the restore into a scratch instance that is private, deletable and tagged to expire. */
export async function startRestore(state: RunState, deps: RestoreVerifyDeps): Promise<StartedRestore> {
  const request = requestOf(state);
  const snapshot = state.resolved;
  if (!snapshot) throw new InvalidInputError('StartRestore needs the resolved snapshot in $.resolved');
  const { policy, verify } = policyOf(deps, request);
  const site = siteOf(deps, request);
  return timed(deps, async () => {
    const now = deps.clock();
    const expiresAt = new Date(now.getTime() + (policy.rtoMinutes + SCRATCH_GRACE_MINUTES) * 60_000);
    const tags: Tags = {
      [TAG.scratch]: 'true',
      [TAG.expiresAt]: expiresAt.toISOString(),
      [TAG.restoredFrom]: snapshot.id ?? `${request.source.id}@${restoreTimeOf(state)}`,
      [TAG.execution]: request.execution.slice(0, 256),
      [TAG.source]: request.source.id,
      [TAG.policy]: request.policy,
    };
    const scratch = await site.restorer.startRestore({
      kind: request.source.kind,
      scratchId: request.scratchId,
      engine: request.source.engine,
      // The snapshot lives in the restoring site's own account and region (DR copies are copied in,
      // not shared), so its id suffices.
      ...(snapshot.id ? { snapshotId: snapshot.id } : {}),
      ...(request.pointInTime
        ? {
            pointInTime: {
              sourceId: request.source.id,
              time: new Date(restoreTimeOf(state)!),
              ...(snapshot.automatedBackupsArn ? { automatedBackupsArn: snapshot.automatedBackupsArn } : {}),
            },
          }
        : {}),
      instanceClass: verify.instanceClass,
      ...(verify.subnetGroup ? { subnetGroup: verify.subnetGroup } : {}),
      securityGroupIds: verify.securityGroupIds,
      tags,
    });
    return {
      kind: scratch.kind,
      id: scratch.id,
      instanceId: scratch.instanceId,
      restoreStartedAt: now.toISOString(),
    };
  });
}

/** The scratch instance, ready to connect to: a password reset puts it in `resetting-master-credentials` a while. */
export async function describeAvailable(state: RunState, deps: RestoreVerifyDeps): Promise<ScratchInstance> {
  const request = requestOf(state);
  const scratch = await siteOf(deps, request).restorer.describeScratch(
    request.source.kind,
    request.scratchId,
  );
  // RDS lists a new instance a moment after accepting the restore call.
  if (!scratch) throw new NotReadyError(`scratch "${request.scratchId}" is not listed yet`);
  if (DEAD_ENDS.has(scratch.status)) {
    throw new VerificationFailedError(
      `the restore of "${request.source.id}" failed: scratch "${scratch.id}" is ${scratch.status}`,
    );
  }
  if (scratch.status !== 'available') {
    throw new NotReadyError(`scratch "${scratch.id}" is ${scratch.status}`);
  }
  // ModifyDB* applies a master password asynchronously: until RDS drops it from
  // PendingModifiedValues the old password (the source's at snapshot time) is still the valid one
  // (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_PendingModifiedValues.html).
  if (scratch.passwordPending) {
    throw new NotReadyError(`scratch "${scratch.id}" has not applied its new master password yet`);
  }
  return scratch;
}

/**
 * One look at the scratch instance. The state machine retries NotReadyError with backoff; past the
 * policy's RTO the restore has failed its objective and the run stops.
 */
export async function checkScratch(state: RunState, deps: RestoreVerifyDeps): Promise<ReadyScratch> {
  const request = requestOf(state);
  return timed(deps, async () => {
    try {
      const scratch = await describeAvailable(state, deps);
      return {
        status: scratch.status,
        engine: scratch.engine,
        ...(scratch.endpoint ? { endpoint: scratch.endpoint } : {}),
        availableAt: deps.clock().toISOString(),
      };
    } catch (error) {
      if (error instanceof NotReadyError && deps.clock().getTime() > Date.parse(request.deadline)) {
        throw new VerificationFailedError(
          `scratch "${request.scratchId}" was not available by ${request.deadline}, the policy's RTO: ${error.message}`,
        );
      }
      throw error;
    }
  });
}

/**
 * Makes the scratch instance reachable: its master password is reset to one derived for this
 * scratch. A restore brings back the password the source had when the snapshot was taken, so a
 * secret holding today's password (`verify.secretArn`) fails as soon as it is rotated; the reset
 * works for any snapshot. Only where the credentials come from, and when, is returned.
 */
export async function obtainCredentials(
  state: RunState,
  deps: RestoreVerifyDeps,
): Promise<{ origin: string; passwordSetAt: string }> {
  const request = requestOf(state);
  return timed(deps, async () => {
    const scratch = await describeAvailable(state, deps);
    await siteOf(deps, request).restorer.setMasterPassword(
      scratch,
      await deps.credentials.scratchPassword(scratch),
    );
    return { origin: 'scratch-password', passwordSetAt: deps.clock().toISOString() };
  });
}

// How long after a password reset a refused login means "not applied yet" rather than a wrong
// password: RDS reports the instance available, without the pending change, a little early.
export const PASSWORD_APPLY_GRACE_MS = 10 * 60_000;

/**
 * A refused login shortly after ObtainCredentials reset the password is retried (NotReadyError);
 * later, or without a reset, it stays the configuration error it is.
 */
export function loginRefused(error: unknown, state: RunState, now: Date): unknown {
  const setAt = Date.parse(state.credentials?.passwordSetAt ?? '');
  if (
    error instanceof AccessDeniedError &&
    Number.isFinite(setAt) &&
    now.getTime() - setAt < PASSWORD_APPLY_GRACE_MS
  ) {
    return new NotReadyError(`the new master password is not accepted yet: ${error.message}`, {
      cause: error,
    });
  }
  return error;
}

/** The credentials of a ready scratch instance, read again by each step that connects. */
export async function credentialsFor(
  scratch: ScratchInstance,
  deps: RestoreVerifyDeps,
): Promise<ScratchCredentials> {
  if (!scratch.masterUsername) throw new NotFoundError(`scratch "${scratch.id}" reports no master user name`);
  return { user: scratch.masterUsername, password: await deps.credentials.scratchPassword(scratch) };
}

/**
 * Deletes the scratch instance on every path out of the state machine, and says what is true:
 * deleting, kept, never created. Right after a restore RDS may not list the instance yet, so "not
 * found" is retried (RetryLaterError) for a while before it counts as never created; the guard in
 * the restorer refuses anything not tagged lifeboat:scratch=true.
 */
export async function deleteScratch(
  state: RunState,
  deps: RestoreVerifyDeps,
): Promise<{ deleted: boolean; reason: string }> {
  return timed(deps, async () => {
    const request = state.request;
    // Nothing is created before ResolveSnapshot has succeeded; an AWS Backup validation creates nothing.
    if (request?.mode === 'database' && request.awsBackup) {
      return {
        deleted: false,
        reason: `AWS Backup owns ${request.scratchId} and deletes it after its validation window`,
      };
    }
    if (!request || request.mode !== 'database' || !state.resolved) {
      return { deleted: false, reason: 'nothing was restored' };
    }
    const restoreCalledAt = state.restore?.restoreStartedAt ?? state.resolved.finishedAt;
    if (request.keepScratch) {
      return {
        deleted: false,
        reason: state.restore
          ? `kept on request: ${request.scratchId}; the monitor deletes it after its ${TAG.expiresAt} tag`
          : `kept on request, but the restore did not start: ${request.scratchId} may not exist`,
      };
    }
    try {
      await siteOf(deps, request).restorer.deleteScratch(request.source.kind, request.scratchId);
      return { deleted: true, reason: `${request.scratchId} is being deleted (no final snapshot)` };
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      if (deps.clock().getTime() - Date.parse(restoreCalledAt) < RESTORE_LISTING_GRACE_MS) {
        throw new RetryLaterError(
          `${request.scratchId} is not listed yet; RDS lists a new instance a while after its restore`,
          { cause: error },
        );
      }
      return { deleted: false, reason: `${request.scratchId} was never created` };
    }
  });
}
