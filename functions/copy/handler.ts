import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { RDSClientConfig } from '@aws-sdk/client-rds';
import type { Context } from 'aws-lambda';
import { RdsSnapshotStore } from '../../lib/adapters/aws/rds-snapshots.js';
import { SnsNotifier } from '../../lib/adapters/aws/sns-notifier.js';
import type { StsSettings } from '../../lib/adapters/aws/sts-credentials.js';
import { copyTargetStore, drRoleArnOf } from '../../lib/adapters/aws/target-stores.js';
import { policyFromEnv, requireEnv } from '../../lib/config/env.js';
import { InvalidInputError } from '../../lib/core/errors.js';
import type { SourceKind } from '../../lib/core/model.js';
import { copyNotifications } from '../../lib/core/notification/outcomes.js';
import { publishAll } from '../../lib/core/notification/publish.js';
import { formatIssues } from '../../lib/core/policy/parse.js';
import type { CopyTargetPolicy, PolicyFile } from '../../lib/core/policy/schema.js';
import type { Notifier, SnapshotStore } from '../../lib/core/ports.js';
import {
  accountOf,
  copyOnEvent,
  failuresOf,
  snapshotIdOf,
  sweepCopies,
  type CopyDeps,
  type CopyEventResult,
  type SnapshotCopyResult,
  type SweepResult,
} from '../../lib/core/use-cases/copy-snapshot.js';
import * as z from '../../lib/core/validation.js';

/*
 * RDS events this function acts on, as EventBridge delivers them (source aws.rds), from "Amazon RDS
 * event categories and event messages":
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Events.Messages.html
 * - "RDS DB Snapshot Event" RDS-EVENT-0042 "Manual snapshot created": a snapshot taken by the
 *   snapshot function is available.
 * - "RDS DB Snapshot Event" RDS-EVENT-0197 "Finished copy of snapshot ... in region ...": a local
 *   copy (the shareable copy under the DR account's usable key) is available.
 * - "RDS DB Cluster Snapshot Event" RDS-EVENT-0075 "Manual cluster snapshot created". RDS documents
 *   no event for a finished local copy of a cluster snapshot: the sweep takes that step.
 * RDS-EVENT-0060 (a cross-region copy finished) fires in the destination region, where this rule
 * does not listen; the sweep sees those copies finish.
 */
export const COPY_EVENT_IDS = {
  'RDS DB Snapshot Event': ['RDS-EVENT-0042', 'RDS-EVENT-0197'],
  'RDS DB Cluster Snapshot Event': ['RDS-EVENT-0075'],
} as const;

// Not strict: the event's shape is AWS's, and EventBridge adds fields (version, id, time, ...).
const RdsSnapshotEventSchema = z.object({
  source: z.literal('aws.rds'),
  'detail-type': z.enum(['RDS DB Snapshot Event', 'RDS DB Cluster Snapshot Event']),
  account: z.string().check(z.regex(/^\d{12}$/, { error: 'must be the 12-digit account the event is from' })),
  region: z.string().check(z.minLength(1)),
  resources: z.optional(z.array(z.string())),
  detail: z.object({
    EventID: z
      .string()
      .check(z.regex(/^RDS-EVENT-\d{4}$/, { error: 'must be an RDS event id such as RDS-EVENT-0042' })),
    SourceIdentifier: z.string().check(z.minLength(1, { error: 'must name the snapshot' })),
    SourceArn: z.optional(z.string()),
  }),
});

/** The schedule rule's input (deploy/functions/lifecycle.yml). */
const SweepInputSchema = z.strictObject({
  sweep: z.literal(true),
  lookbackHours: z.optional(z.number().check(z.int(), z.positive(), z.maximum(24 * 35))),
});

export type CopyRequest =
  | {
      kind: 'event';
      snapshotKind: SourceKind;
      snapshotId: string;
      eventId: string;
      /** Where the event says the snapshot is: its account and region, and every ARN it names. */
      account: string;
      region: string;
      arns: string[];
    }
  | { kind: 'sweep'; lookbackHours: number };

const DEFAULT_LOOKBACK_HOURS = 48;

export function parseCopyRequest(event: unknown): CopyRequest {
  if (typeof event === 'object' && event !== null && 'sweep' in event) {
    const parsed = SweepInputSchema.safeParse(event);
    if (!parsed.success)
      throw new InvalidInputError(`copy sweep input is invalid:\n${formatIssues(parsed.error.issues)}`);
    return { kind: 'sweep', lookbackHours: parsed.data.lookbackHours ?? DEFAULT_LOOKBACK_HOURS };
  }
  const parsed = RdsSnapshotEventSchema.safeParse(event);
  if (!parsed.success) {
    throw new InvalidInputError(
      `copy event is neither an RDS snapshot event nor {"sweep": true}:\n${formatIssues(parsed.error.issues)}`,
    );
  }
  const { detail } = parsed.data;
  const identifier = detail.SourceIdentifier;
  return {
    kind: 'event',
    snapshotKind: parsed.data['detail-type'] === 'RDS DB Cluster Snapshot Event' ? 'cluster' : 'instance',
    snapshotId: identifier.startsWith('arn:') ? snapshotIdOf(identifier) : identifier,
    eventId: detail.EventID,
    account: parsed.data.account,
    region: parsed.data.region,
    arns: [
      ...(identifier.startsWith('arn:') ? [identifier] : []),
      ...(detail.SourceArn !== undefined ? [detail.SourceArn] : []),
      ...(parsed.data.resources ?? []),
    ],
  };
}

/**
 * The snapshot an event names is looked up by its name in this account and region, so an event
 * (or an ARN in it) about another account or region would act on a local snapshot that merely has
 * the same name: refused before anything is read or written.
 */
export function checkEventSite(
  request: Extract<CopyRequest, { kind: 'event' }>,
  here: { account: string | undefined; region: string },
): void {
  const elsewhere = [
    ...(request.account !== here.account || request.region !== here.region
      ? [`the event is from account ${request.account} in ${request.region}`]
      : []),
    ...request.arns
      .filter((arn) => arn.split(':')[3] !== here.region || accountOf(arn) !== here.account)
      .map((arn) => `${arn} is not in account ${here.account ?? '(unknown)'} ${here.region}`),
  ];
  if (elsewhere.length > 0) {
    throw new InvalidInputError(
      `copy event refused, nothing done: this function copies snapshots of account ${here.account ?? '(unknown)'} in ${here.region} only; ${elsewhere.join('; ')}`,
    );
  }
}

export interface CopyHandlerDeps {
  policies: PolicyFile;
  copy: CopyDeps;
  notifier: Notifier;
  logger: Logger;
  now: () => Date;
}

export type CopyResult = CopyEventResult | SweepResult;

/**
 * `account` is the function's own account (from its ARN in the Lambda context); an RDS event from
 * any other account or region is refused.
 */
export async function runCopy(
  event: unknown,
  deps: CopyHandlerDeps,
  here: { account: string | undefined },
): Promise<CopyResult> {
  const request = parseCopyRequest(event);
  const copy = { ...deps.copy, logger: deps.logger };
  if (request.kind === 'sweep') {
    const result = await sweepCopies({
      policies: deps.policies,
      now: deps.now(),
      lookbackHours: request.lookbackHours,
      deps: copy,
    });
    deps.logger.info('copy sweep finished', { result });
    await announce(result.snapshots, deps);
    return result;
  }
  checkEventSite(request, { account: here.account, region: deps.copy.source.region });
  const acted: readonly string[] =
    COPY_EVENT_IDS[
      request.snapshotKind === 'cluster' ? 'RDS DB Cluster Snapshot Event' : 'RDS DB Snapshot Event'
    ];
  if (!acted.includes(request.eventId)) {
    return {
      snapshot: request.snapshotId,
      ignored: `${request.eventId} is not an event the copy function acts on`,
    };
  }
  const result = await copyOnEvent({
    kind: request.snapshotKind,
    snapshotId: request.snapshotId,
    policies: deps.policies,
    deps: copy,
    now: deps.now(),
  });
  deps.logger.info('copy event handled', { result });
  await announce(result.copies ? [result.copies] : [], deps);
  return result;
}

/**
 * Publishes the copies that reached an end, then fails the invocation for a copy failed for good or
 * a notification not published. A retry-later target is left to the sweep: only a failure for good
 * fails the invocation, so it lands in the failure queue instead of being retried into the same wall.
 */
async function announce(results: SnapshotCopyResult[], deps: CopyHandlerDeps): Promise<void> {
  const unpublished = await publishAll(deps.notifier, copyNotifications(results, deps.now()), deps.logger);
  const failure = failuresOf(results) ?? unpublished;
  if (failure) throw failure;
}

/**
 * One store per copy target, made on first use and kept for the container's life (an assumed-role
 * session is reused until it nears expiry): lib/adapters/aws/target-stores.ts.
 */
export function targetStores(
  base: RDSClientConfig,
  sts: StsSettings,
): (target: CopyTargetPolicy) => SnapshotStore {
  const stores = new Map<string, SnapshotStore>();
  return (target) => {
    const key = `${drRoleArnOf(target) ?? 'own'}|${target.region}`;
    let store = stores.get(key);
    if (!store) {
      store = copyTargetStore(target, base, sts);
      stores.set(key, store);
    }
    return store;
  };
}

const logger = new Logger({ serviceName: 'lifeboat-copy' });

let defaults: CopyHandlerDeps | undefined;
function defaultDeps(): CopyHandlerDeps {
  if (!defaults) {
    const region = requireEnv('AWS_REGION');
    defaults = {
      policies: policyFromEnv(),
      copy: {
        source: new RdsSnapshotStore({ clientConfig: {}, region }),
        storeFor: targetStores({}, { region }),
      },
      notifier: new SnsNotifier({ topicArn: requireEnv('LIFEBOAT_TOPIC_ARN'), clientConfig: { region } }),
      logger,
      now: () => new Date(),
    };
  }
  return defaults;
}

export function createHandler(deps: () => CopyHandlerDeps) {
  return middy<unknown, CopyResult, Error, Context>()
    .use(injectLambdaContext(deps().logger))
    .handler(async (event, context) =>
      runCopy(event, deps(), { account: accountOf(context.invokedFunctionArn) }),
    );
}

export const handler = middy<unknown, CopyResult, Error, Context>()
  .use(injectLambdaContext(logger))
  .handler(async (event, context) =>
    runCopy(event, defaultDeps(), { account: accountOf(context.invokedFunctionArn) }),
  );
