import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { policyFromEnv, requireEnv } from '../../lib/config/env.js';
import type { PolicyFile } from '../../lib/core/policy/schema.js';
import {
  createRestoreVerifyTasks,
  type RestoreVerifyTask,
  type TaskState,
} from '../../lib/core/use-cases/restore-verify/tasks.js';
import type { RestoreVerifyDeps } from '../../lib/core/use-cases/restore-verify/types.js';

/** What every step has: the policy, the clock, where it runs. */
type CommonDeps = Pick<RestoreVerifyDeps, 'policies' | 'clock' | 'region' | 'account'>;
/** What each step brings only if it uses it: an SDK client, or the database drivers and TLS authorities. */
type StepPorts = Omit<RestoreVerifyDeps, keyof CommonDeps | 'segments' | 'fingerprintPartBytes'>;

/**
 * Builds the ports of one external system for a step, once per container. Each lives in a module
 * of its own under adapters/, and a step's handler file passes the ones it uses, so that a bundle
 * carries only those SDK clients (and only the fingerprint steps the database drivers and the
 * RDS certificate authorities): a client
 * is 20 to 100 KB of code parsed at every cold start.
 */
export type StepAdapter = (context: {
  env: NodeJS.ProcessEnv;
  region: string;
  topicArn: string;
  policies: PolicyFile;
}) => Partial<StepPorts>;

const PORTS = [
  'snapshots',
  'restorer',
  'tagger',
  'siteFor',
  'fingerprinter',
  'connections',
  'credentials',
  'reports',
  'notifier',
  'starter',
  'restoreJobs',
  'restoreTestDatabases',
] as const satisfies ReadonlyArray<keyof StepPorts>;

/** A port the step's handler file did not pass: any use names it, rather than failing as undefined. */
function notBundled(step: TaskState, port: string): never {
  const fail = () => {
    throw new Error(
      `${port} is not bundled with the ${step} step: its handler file must pass the adapter that provides it`,
    );
  };
  return new Proxy(fail, { get: fail, apply: fail }) as never;
}

/** The restore-verify ports of one step, built once per container from the environment. */
export function awsRestoreVerifyDeps(
  step: TaskState,
  adapters: readonly StepAdapter[],
  env: NodeJS.ProcessEnv = process.env,
): RestoreVerifyDeps {
  const region = requireEnv('AWS_REGION', env);
  const policies = policyFromEnv(env);
  const topicArn = requireEnv('LIFEBOAT_TOPIC_ARN', env);
  const missing = Object.fromEntries(
    PORTS.map((port) => [port, notBundled(step, port)]),
  ) as unknown as StepPorts;
  const ports = adapters.map((adapter) => adapter({ env, region, topicArn, policies }));
  return {
    ...missing,
    ...Object.assign({}, ...ports),
    policies,
    clock: () => new Date(),
    region,
    // arn:aws:sns:<region>:<account>:<name>
    ...(topicArn.split(':')[4] ? { account: topicArn.split(':')[4] } : {}),
  };
}

const logger = new Logger({ serviceName: 'lifeboat-restore-verify' });

/**
 * The Lambda handler of one Task state, with the adapters that step uses. The state's input and
 * output are the execution's state, which holds no credentials; only the step name and the error
 * are logged.
 */
export function restoreStepHandler(step: TaskState, adapters: readonly StepAdapter[] = []) {
  // At import, as Lambda's init phase: a missing variable or a bad policy fails the cold start.
  const run: RestoreVerifyTask = createRestoreVerifyTasks(awsRestoreVerifyDeps(step, adapters))[step];
  return middy(async (event: unknown) => {
    try {
      const result: unknown = await run(event);
      logger.info(`${step} done`);
      return result;
    } catch (error) {
      // Step Functions matches Retry/Catch on the error's name: it leaves unchanged.
      logger.warn(`${step} failed`, {
        error: error instanceof Error ? { name: error.name, message: error.message } : String(error),
      });
      throw error;
    }
  }).use(injectLambdaContext(logger));
}
