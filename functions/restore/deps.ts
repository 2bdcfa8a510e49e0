import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import middy from '@middy/core';
import { RdsScratchRestorer } from '../../lib/adapters/aws/rds-restores.js';
import { RdsSnapshotStore } from '../../lib/adapters/aws/rds-snapshots.js';
import { S3ReportStore } from '../../lib/adapters/aws/s3-reports.js';
import {
  rdsEndpointConnections,
  SCRATCH_ENDPOINT_OVERRIDE,
  withLoopbackEndpoint,
} from '../../lib/adapters/aws/scratch-connections.js';
import { SecretsManagerCredentials } from '../../lib/adapters/aws/scratch-credentials.js';
import { SfnVerificationStarter } from '../../lib/adapters/aws/sfn-starter.js';
import { SnsNotifier } from '../../lib/adapters/aws/sns-notifier.js';
import { rdsClientFor } from '../../lib/adapters/aws/sts-credentials.js';
import { policyFromEnv, requireEnv } from '../../lib/config/env.js';
import { ConfigError } from '../../lib/core/errors.js';
import type { PolicyFile } from '../../lib/core/policy/schema.js';
import { isDrSite } from '../../lib/core/policy/site.js';
import {
  createRestoreVerifyTasks,
  type RestoreVerifyTask,
  type TaskState,
} from '../../lib/core/use-cases/restore-verify/tasks.js';
import type {
  RestoreSite,
  RestoreVerifyDeps,
  TargetRef,
} from '../../lib/core/use-cases/restore-verify/types.js';

/** The restore site of a DR target: its region, through the policy's DR role for another account. */
function siteFactory(policies: PolicyFile): (target: TargetRef) => RestoreSite {
  const sites = new Map<string, RestoreSite>();
  return (target) => {
    const cached = sites.get(target.name);
    if (cached) return cached;
    if (!target.region) throw new ConfigError(`target "${target.name}" has no region`);
    const copy = Object.values(policies.policies)
      .flatMap((p) => p.copies)
      .find((c) => c.region === target.region && c.account === target.account);
    if (target.account && !copy?.roleArn) {
      throw new ConfigError(
        `target "${target.name}" has no roleArn in the policy file to reach account ${target.account}`,
      );
    }
    const client = rdsClientFor({
      region: target.region,
      ...(copy?.roleArn ? { roleArn: copy.roleArn } : {}),
      ...(copy?.roleArn && copy.externalId ? { externalId: copy.externalId } : {}),
    });
    const restorer = new RdsScratchRestorer({ client, region: target.region });
    const site = {
      snapshots: new RdsSnapshotStore({ client, region: target.region }),
      restorer,
      tagger: restorer,
    };
    sites.set(target.name, site);
    return site;
  };
}

/**
 * Adapters only some steps use, passed by those steps' handler files, so that the other steps do
 * not bundle them: the database drivers (pg, mysql2 and its encodings) were most of every bundle.
 */
export interface StepAdapters {
  fingerprinter?: RestoreVerifyDeps['fingerprinter'];
}

function notBundled(what: string): never {
  throw new Error(
    `${what} is not bundled with this step: its handler file must pass it to restoreStepHandler`,
  );
}

/** The AWS adapters of every restore-verify step, built once per container from the environment. */
export function awsRestoreVerifyDeps(
  env: NodeJS.ProcessEnv = process.env,
  adapters: StepAdapters = {},
): RestoreVerifyDeps {
  const region = requireEnv('AWS_REGION', env);
  const policies = policyFromEnv(env);
  const topicArn = requireEnv('LIFEBOAT_TOPIC_ARN', env);
  const rds = new RDSClient({ region });
  const restorer = new RdsScratchRestorer({ client: rds, region });
  return {
    policies,
    snapshots: new RdsSnapshotStore({ client: rds, region }),
    restorer,
    tagger: restorer,
    // A DR site restores what it holds, with its own roles: it reaches no other region or account.
    ...(isDrSite(policies) ? {} : { siteFor: siteFactory(policies) }),
    fingerprinter: adapters.fingerprinter ?? (() => notBundled('the database fingerprinter')),
    // Test-only (moto runs no database); the packaged template never sets it.
    connections: env[SCRATCH_ENDPOINT_OVERRIDE]
      ? withLoopbackEndpoint(rdsEndpointConnections, env[SCRATCH_ENDPOINT_OVERRIDE])
      : rdsEndpointConnections,
    credentials: new SecretsManagerCredentials({
      client: new SecretsManagerClient({ region }),
      passwordKeySecretArn: requireEnv('LIFEBOAT_SCRATCH_PASSWORD_KEY', env),
    }),
    reports: new S3ReportStore({
      client: new S3Client({ region }),
      bucket: requireEnv('LIFEBOAT_REPORTS_BUCKET', env),
    }),
    notifier: new SnsNotifier({ client: new SNSClient({ region }), topicArn }),
    starter: new SfnVerificationStarter(
      new SFNClient({ region }),
      requireEnv('LIFEBOAT_RESTORE_VERIFY_ARN', env),
    ),
    clock: () => new Date(),
    region,
    // arn:aws:sns:<region>:<account>:<name>
    ...(topicArn.split(':')[4] ? { account: topicArn.split(':')[4] } : {}),
  };
}

const logger = new Logger({ serviceName: 'lifeboat-restore-verify' });
let tasks: Record<TaskState, RestoreVerifyTask> | undefined;

/**
 * The Lambda handler of one Task state. The state's input and output are the execution's state,
 * which holds no credentials; only the step name and the error are logged.
 */
export function restoreStepHandler(step: TaskState, adapters: StepAdapters = {}) {
  tasks ??= createRestoreVerifyTasks(awsRestoreVerifyDeps(process.env, adapters));
  const run = tasks[step];
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
