import { ConfigError, InvalidInputError } from '../../errors.js';
import { getPolicy } from '../../policy/parse.js';
import type { Policy, VerifyPolicy } from '../../policy/schema.js';
import { verifyAtTarget } from '../../policy/site.js';
import type { RestoreSite, RestoreVerifyDeps, RunState, StepTiming, VerifyRequest } from './types.js';

/** pointInTime "latest": the newest second the automated backups replicated to the target reach. */
export const LATEST_RESTORABLE = 'latest';

/** The request of a single-database run; a step reached without one was wired wrongly. */
export function requestOf(state: RunState): VerifyRequest {
  const request = state.request;
  if (!request || request.mode !== 'database') {
    throw new InvalidInputError('this step needs the validated request of one database in $.request');
  }
  return request;
}

export function policyOf(
  deps: RestoreVerifyDeps,
  request: VerifyRequest,
): { policy: Policy; verify: VerifyPolicy } {
  const policy = getPolicy(deps.policies, request.policy);
  if (!policy.verify) throw new ConfigError(`policy "${request.policy}" has no verify section`);
  // A copy target with verify settings of its own is restored with them: the policy's network
  // settings are the primary region's VPC, which RDS refuses in another region or account.
  const { region, account } = request.target;
  const target = policy.copies.find((c) => c.region === region && c.account === account);
  return { policy, verify: target?.verify ? verifyAtTarget(policy.verify, target) : policy.verify };
}

/** The region (and account) where the restore happens. */
export function siteOf(deps: RestoreVerifyDeps, request: VerifyRequest): RestoreSite {
  // The database AWS Backup restored: described and given a password, never restored or deleted.
  if (request.awsBackup) {
    if (!deps.restoreTestDatabases)
      throw new ConfigError('this deployment cannot reach the databases AWS Backup restores');
    return { ...deps, restorer: deps.restoreTestDatabases };
  }
  if (request.target.name === 'primary' || request.target.local) return deps;
  if (!deps.siteFor)
    throw new ConfigError(`target "${request.target.name}" cannot be reached from this deployment`);
  return deps.siteFor(request.target);
}

/** Runs one step and stamps its start and end, which the report turns into per-step timings. */
export async function timed<T extends object>(
  deps: Pick<RestoreVerifyDeps, 'clock'>,
  step: () => Promise<T>,
): Promise<T & StepTiming> {
  const startedAt = deps.clock().toISOString();
  const result = await step();
  return { ...result, startedAt, finishedAt: deps.clock().toISOString() };
}
