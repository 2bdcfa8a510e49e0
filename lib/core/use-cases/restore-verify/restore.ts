import { InvalidInputError, NotFoundError, NotReadyError, VerificationFailedError } from '../../errors.js';
import type { Snapshot } from '../../model.js';
import type { ScratchCredentials, ScratchInstance } from '../../ports.js';
import { isManaged, TAG, type Tags } from '../../tags.js';
import { policyOf, requestOf, siteOf, timed } from './common.js';
import type { ReadyScratch, ResolvedSnapshot, RestoreVerifyDeps, RunState, StartedRestore } from './types.js';

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

function lastSegment(arnOrId: string): string {
  return arnOrId.split(':').pop() ?? arnOrId;
}

function resolved(snapshot: Snapshot): Omit<ResolvedSnapshot, 'startedAt' | 'finishedAt'> {
  return {
    kind: snapshot.kind,
    id: snapshot.id,
    arn: snapshot.arn,
    type: snapshot.type,
    ...(snapshot.createdAt
      ? { createdAt: snapshot.createdAt.toISOString(), dataAsOf: snapshot.createdAt.toISOString() }
      : {}),
    origin: snapshot.tags[TAG.origin] ?? lastSegment(snapshot.tags[TAG.copyOf] ?? snapshot.id),
  };
}

/** The snapshot to restore: the one named, or the newest available snapshot Lifeboat made. */
export async function resolveSnapshot(state: RunState, deps: RestoreVerifyDeps): Promise<ResolvedSnapshot> {
  const request = requestOf(state);
  const site = siteOf(deps, request);
  return timed(deps, async () => {
    const kind = request.source.kind;
    if (request.pointInTime) return { kind, dataAsOf: request.pointInTime };

    if (request.snapshot !== 'latest') {
      const snapshot = await site.snapshots.getSnapshot(kind, lastSegment(request.snapshot));
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

    const candidates = (await site.snapshots.listSnapshots({ kind, sourceId: request.source.id }))
      .filter((s) => isManaged(s.tags) && s.status === 'available' && s.createdAt)
      .sort((a, b) => b.createdAt!.getTime() - a.createdAt!.getTime());
    const newest = candidates[0];
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
      [TAG.restoredFrom]: snapshot.id ?? `${request.source.id}@${request.pointInTime}`,
      [TAG.execution]: request.execution.slice(0, 256),
      [TAG.source]: request.source.id,
      [TAG.policy]: request.policy,
    };
    const scratch = await site.restorer.startRestore({
      kind: request.source.kind,
      scratchId: request.scratchId,
      // The snapshot lives in the restoring site's own account and region (DR copies are copied in,
      // not shared), so its id suffices.
      ...(snapshot.id ? { snapshotId: snapshot.id } : {}),
      ...(request.pointInTime
        ? { pointInTime: { sourceId: request.source.id, time: new Date(request.pointInTime) } }
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
 * Makes the scratch instance reachable: with the policy's secret nothing changes; without one, the
 * derived password is set as its master password. Only where the credentials come from is returned.
 */
export async function obtainCredentials(
  state: RunState,
  deps: RestoreVerifyDeps,
): Promise<{ origin: string }> {
  const request = requestOf(state);
  const { verify } = policyOf(deps, request);
  return timed(deps, async () => {
    const scratch = await describeAvailable(state, deps);
    if (verify.secretArn) {
      await deps.credentials.fromSecret(verify.secretArn);
      return { origin: 'policy-secret' };
    }
    await siteOf(deps, request).restorer.setMasterPassword(
      scratch,
      await deps.credentials.scratchPassword(scratch),
    );
    return { origin: 'scratch-password' };
  });
}

/** The credentials of a ready scratch instance, read again by each step that connects. */
export async function credentialsFor(
  scratch: ScratchInstance,
  secretArn: string | undefined,
  deps: RestoreVerifyDeps,
): Promise<ScratchCredentials> {
  if (secretArn) return deps.credentials.fromSecret(secretArn);
  if (!scratch.masterUsername) throw new NotFoundError(`scratch "${scratch.id}" reports no master user name`);
  return { user: scratch.masterUsername, password: await deps.credentials.scratchPassword(scratch) };
}

/**
 * Deletes the scratch instance on every path out of the state machine. Idempotent: nothing
 * created, or already gone, is a success; the guard in the restorer refuses anything not tagged
 * lifeboat:scratch=true.
 */
export async function deleteScratch(
  state: RunState,
  deps: RestoreVerifyDeps,
): Promise<{ deleted: boolean; reason: string }> {
  return timed(deps, async () => {
    const request = state.request;
    if (!request || request.mode !== 'database') return { deleted: false, reason: 'nothing was restored' };
    if (request.keepScratch) {
      return {
        deleted: false,
        reason: `kept on request; the monitor deletes it after its ${TAG.expiresAt} tag`,
      };
    }
    try {
      await siteOf(deps, request).restorer.deleteScratch(request.source.kind, request.scratchId);
      return { deleted: true, reason: `deleted ${request.scratchId}` };
    } catch (error) {
      if (error instanceof NotFoundError)
        return { deleted: false, reason: `${request.scratchId} does not exist` };
      throw error;
    }
  });
}
