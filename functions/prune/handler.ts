import { RDSClient } from '@aws-sdk/client-rds';
import { SNSClient } from '@aws-sdk/client-sns';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { RdsSnapshotStore } from '../../lib/adapters/aws/rds-snapshots.js';
import { SnsNotifier } from '../../lib/adapters/aws/sns-notifier.js';
import { copyTargetStore } from '../../lib/adapters/aws/target-stores.js';
import { policyFromEnv, requireEnv } from '../../lib/config/env.js';
import { InvalidInputError, LifeboatError } from '../../lib/core/errors.js';
import { pruneRunNotification } from '../../lib/core/notification/outcomes.js';
import { publishAll } from '../../lib/core/notification/publish.js';
import type { Clock, Notifier, SnapshotStore } from '../../lib/core/ports.js';
import { formatIssues, getPolicy } from '../../lib/core/policy/parse.js';
import type { CopyTargetPolicy, Policy, PolicyFile } from '../../lib/core/policy/schema.js';
import { scheduledRunSchema } from '../../lib/core/scheduled-time.js';
import * as z from '../../lib/core/validation.js';
import { prune, type PruneResult } from '../../lib/core/use-cases/prune.js';

/**
 * What the schedule sends (deploy/config.cjs): the policy and the scheduled time, used as `now`, so
 * it must be close to the clock (lib/core/scheduled-time.ts says how close, and why).
 */
const pruneEventSchema = (now: Date) =>
  z.extend(scheduledRunSchema(now), {
    /** Decide and log, delete nothing: for a first deployment or an operator's check. */
    dryRun: z.optional(z.boolean({ error: 'must be true or false' })),
  });

export interface PruneDependencies {
  policyFile: PolicyFile;
  source: SnapshotStore;
  targetsFor(policyName: string, policy: Policy): Array<{ target: CopyTargetPolicy; store: SnapshotStore }>;
  notifier: Notifier;
  /** The function's own clock, to check the event's time against; the time itself is `now`. */
  clock?: Clock;
}

const logger = new Logger({ serviceName: 'lifeboat-prune' });

export function createHandler(dependencies: PruneDependencies | (() => PruneDependencies)) {
  let resolved: PruneDependencies | undefined;
  const deps = () => (resolved ??= typeof dependencies === 'function' ? dependencies() : dependencies);

  const pruneHandler = async (event: unknown) => {
    const { policyFile, source, targetsFor, notifier, clock = () => new Date() } = deps();
    const parsed = pruneEventSchema(clock()).safeParse(event);
    if (!parsed.success) {
      throw new InvalidInputError(`prune event is invalid:\n${formatIssues(parsed.error.issues)}`);
    }
    const { policy: policyName, time, dryRun = false } = parsed.data;
    const policy = getPolicy(policyFile, policyName);

    const result = await prune({
      policyName,
      policy,
      now: new Date(time),
      source,
      targets: targetsFor(policyName, policy),
      dryRun,
    });
    logResult(result);
    const notification = pruneRunNotification(policyName, result, clock(), { region: source.region });
    const unpublished = await publishAll(notifier, [notification], logger);
    const problems = [
      ...result.scopes.filter((s) => s.error).map((s) => `${s.scope}: ${s.error}`),
      ...result.scopes.flatMap((s) =>
        s.outcomes
          .filter((o) => o.result === 'failed')
          .map((o) => `${s.scope}: ${o.snapshot.id}: ${o.error}`),
      ),
      ...result.scopes.flatMap((s) => s.problems.map((p) => `${s.scope}: ${p.snapshot.id}: ${p.problem}`)),
    ];
    // Thrown after every delete was tried, so Lambda's retries and then the failure destination
    // (serverless.yml custom.asyncFailure) see it; a retry lists afresh and finishes the rest.
    if (problems.length > 0) {
      throw new LifeboatError(`prune of policy ${policyName} incomplete: ${problems.join('; ')}`);
    }
    if (unpublished) throw unpublished;
    return summarize(result);
  };

  return middy(pruneHandler).use(injectLambdaContext(logger));
}

function summarize(result: PruneResult) {
  return {
    policy: result.policy,
    dryRun: result.dryRun,
    deleted: result.deleted,
    failed: result.failed,
    scopes: result.scopes.map((s) => ({
      scope: s.scope,
      kept: s.decisions.filter((d) => d.action === 'keep').length,
      deleted: s.outcomes.filter((o) => o.result === 'deleted').map((o) => o.snapshot.id),
      ...(s.failedSnapshots.length > 0
        ? { failedSnapshots: s.failedSnapshots.map((f) => f.snapshot.id) }
        : {}),
      ...(result.dryRun ? { wouldDelete: s.outcomes.map((o) => o.snapshot.id) } : {}),
      ...(s.error ? { error: s.error } : {}),
    })),
  };
}

function logResult(result: PruneResult): void {
  for (const scope of result.scopes) {
    const reasons = new Map(scope.decisions.map((d) => [d.snapshot, d.reason]));
    for (const outcome of scope.outcomes) {
      const entry = {
        scope: scope.scope,
        snapshot: outcome.snapshot.id,
        result: outcome.result,
        reason: reasons.get(outcome.snapshot),
        ...(outcome.error ? { error: outcome.error } : {}),
      };
      if (outcome.result === 'deleted') logger.info('snapshot deleted', entry);
      else if (outcome.result === 'dry run') logger.info('snapshot would be deleted (dry run)', entry);
      else logger.error('snapshot not deleted', entry);
    }
    for (const { snapshot, error } of scope.failedSnapshots) {
      logger.warn('failed snapshot announced', {
        scope: scope.scope,
        snapshot: snapshot.id,
        reason: reasons.get(snapshot),
        ...(error ? { error: `announcement not remembered: ${error}` } : {}),
      });
    }
    for (const { snapshot, problem } of scope.problems) {
      logger.error('snapshot kept: RDS reports it inconsistently', {
        scope: scope.scope,
        snapshot: snapshot.id,
        problem,
      });
    }
    if (scope.error) logger.error('scope not pruned', { scope: scope.scope, error: scope.error });
  }
  logger.info('prune finished', summarize(result));
}

/**
 * Adapters for the deployed function, built on the first invocation and kept for the container
 * (built lazily so that a test can import createHandler without the deployed environment).
 */
function fromEnvironment(): PruneDependencies {
  const region = requireEnv('AWS_REGION');
  const policyFile = policyFromEnv();
  const targets = new Map(
    Object.entries(policyFile.policies).map(([name, policy]) => [
      name,
      policy.copies.map((target) => ({ target, store: copyTargetStore(target) })),
    ]),
  );
  return {
    policyFile,
    source: new RdsSnapshotStore({ region, client: new RDSClient({ region }) }),
    targetsFor: (policyName) => targets.get(policyName) ?? [],
    notifier: new SnsNotifier({
      topicArn: requireEnv('LIFEBOAT_TOPIC_ARN'),
      client: new SNSClient({ region }),
    }),
  };
}

export const handler = createHandler(fromEnvironment);
