import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { RdsSnapshotStore } from '../../lib/adapters/aws/rds-snapshots.js';
import { SnsNotifier } from '../../lib/adapters/aws/sns-notifier.js';
import { policyFromEnv, requireEnv } from '../../lib/config/env.js';
import { InvalidInputError, LifeboatError, RetryLaterError } from '../../lib/core/errors.js';
import { snapshotRunNotification } from '../../lib/core/notification/outcomes.js';
import { publishAll } from '../../lib/core/notification/publish.js';
import { findPolicy, formatIssues } from '../../lib/core/policy/parse.js';
import type { PolicyFile } from '../../lib/core/policy/schema.js';
import type { Clock, Notifier, SnapshotStore } from '../../lib/core/ports.js';
import { keepUntilFrom } from '../../lib/core/pre-change.js';
import { scheduledRunSchema, scheduledTimeSchema } from '../../lib/core/scheduled-time.js';
import {
  takePreChangeSnapshot,
  type PreChangeSnapshotResult,
} from '../../lib/core/use-cases/take-pre-change-snapshot.js';
import { takeSnapshots, type TakeSnapshotsResult } from '../../lib/core/use-cases/take-snapshots.js';
import * as z from '../../lib/core/validation.js';

/**
 * What the schedule rule sends (deploy/config.cjs): the policy's name and the scheduled time, from
 * the EventBridge event's `time` or EventBridge Scheduler's `<aws.scheduler.scheduled-time>`. The
 * time names the snapshots and becomes their scheduled-at tag, so it must be a full ISO 8601
 * instant close to the clock (lib/core/scheduled-time.ts): retention trusts nothing else.
 */
export const scheduleInputSchema = scheduledRunSchema;

/**
 * A pre-change snapshot, as a CI/CD pipeline asks for one before a migration (`aws lambda invoke`,
 * then `lifeboat snapshot --wait` or `aws rds wait` on the returned id): the database, why, and
 * how long to keep it. `time` names the snapshot; a pipeline that may retry passes the same one so
 * the retry finds the first snapshot. Without it, the function's clock.
 */
export function preChangeInputSchema(now: Date) {
  return z.strictObject({
    database: z
      .string({ error: 'must name a DB instance or Aurora cluster' })
      .check(z.minLength(1, { error: 'must name a DB instance or Aurora cluster' })),
    reason: z.string({ error: 'must say why the snapshot is taken' }),
    keepUntil: z.optional(z.string({ error: 'must be an ISO 8601 time' })),
    keepDays: z.optional(z.number({ error: 'must be a number of days' })),
    policy: z.optional(z.string({ error: 'must name a policy of the policy file' }).check(z.minLength(1))),
    time: z.optional(scheduledTimeSchema(now)),
  });
}

export type SnapshotResult = TakeSnapshotsResult | PreChangeSnapshotResult;

export interface SnapshotDeps {
  policies: PolicyFile;
  store: SnapshotStore;
  notifier: Notifier;
  logger: Logger;
  /** The function's own clock, to check the event's time against. */
  clock?: Clock;
}

export function parseScheduleInput(
  event: unknown,
  now: Date,
): z.infer<ReturnType<typeof scheduleInputSchema>> {
  const parsed = scheduleInputSchema(now).safeParse(event);
  if (!parsed.success)
    throw new InvalidInputError(`snapshot schedule input is invalid:\n${formatIssues(parsed.error.issues)}`);
  return parsed.data;
}

/**
 * Takes the policy's snapshots and publishes the run's summary; throws after that if any database
 * failed, so Lambda retries it, or if the summary could not be published.
 */
export async function runSnapshot(event: unknown, deps: SnapshotDeps): Promise<SnapshotResult> {
  const clock = deps.clock ?? (() => new Date());
  if (typeof event === 'object' && event !== null && 'database' in event) {
    return runPreChange(event, deps, clock);
  }
  const input = parseScheduleInput(event, clock());
  const policy = findPolicy(deps.policies, input.policy);
  if (!policy) {
    throw new InvalidInputError(
      `policy: unknown policy "${input.policy}"; the deployed policy file defines ${Object.keys(deps.policies.policies).join(', ')}`,
    );
  }
  const result = await takeSnapshots({
    policyName: input.policy,
    policy,
    scheduledAt: new Date(input.time),
    store: deps.store,
    logger: deps.logger,
  });
  deps.logger.info('snapshot run finished', { result });
  return publishOutcome(input.policy, result, deps, clock);
}

/** A pre-change snapshot: every problem with the request is refused before anything is created. */
async function runPreChange(event: unknown, deps: SnapshotDeps, clock: () => Date) {
  const now = clock();
  const parsed = preChangeInputSchema(now).safeParse(event);
  if (!parsed.success) {
    throw new InvalidInputError(
      `pre-change snapshot input is invalid:\n${formatIssues(parsed.error.issues)}`,
    );
  }
  const input = parsed.data;
  const requestedAt = input.time ? new Date(input.time) : now;
  const result = await takePreChangeSnapshot({
    database: input.database,
    reason: input.reason,
    keepUntil: keepUntilFrom(input, requestedAt),
    ...(input.policy ? { policyName: input.policy } : {}),
    policies: deps.policies,
    requestedAt,
    store: deps.store,
    logger: deps.logger,
  });
  deps.logger.info('pre-change snapshot requested', { result });
  return publishOutcome(result.policy, result, deps, clock);
}

async function publishOutcome<R extends TakeSnapshotsResult>(
  policyName: string,
  result: R,
  deps: SnapshotDeps,
  clock: () => Date,
): Promise<R> {
  const notification = snapshotRunNotification(policyName, result, clock(), {
    region: deps.store.region,
  });
  const unpublished = await publishAll(deps.notifier, [notification], deps.logger);
  const failure = runFailure(result) ?? unpublished;
  if (failure) throw failure;
  return result;
}

function runFailure(result: TakeSnapshotsResult): LifeboatError | undefined {
  const failed = result.databases.filter((d) => d.outcome === 'failed');
  if (failed.length === 0) return undefined;
  // A repeated run is safe (ids derive from the scheduled time), so Lambda's async retries are
  // the retry: the databases done already come back as `existing`.
  const message = `snapshots failed for ${failed.map((d) => `${d.database} (${d.reason})`).join('; ')}`;
  return failed.every((d) => d.retryable) ? new RetryLaterError(message) : new LifeboatError(message);
}

const logger = new Logger({ serviceName: 'lifeboat-snapshot' });

let defaults: SnapshotDeps | undefined;
/** Built on the first invocation, then kept for the container's life. */
function defaultDeps(): SnapshotDeps {
  defaults ??= {
    policies: policyFromEnv(),
    store: new RdsSnapshotStore({ clientConfig: {}, region: requireEnv('AWS_REGION') }),
    notifier: new SnsNotifier({ topicArn: requireEnv('LIFEBOAT_TOPIC_ARN'), clientConfig: {} }),
    logger,
  };
  return defaults;
}

export function createHandler(deps: () => SnapshotDeps) {
  return middy<unknown, SnapshotResult, Error, Context>()
    .use(injectLambdaContext(deps().logger))
    .handler(async (event) => runSnapshot(event, deps()));
}

export const handler = middy<unknown, SnapshotResult, Error, Context>()
  .use(injectLambdaContext(logger))
  .handler(async (event) => runSnapshot(event, defaultDeps()));
