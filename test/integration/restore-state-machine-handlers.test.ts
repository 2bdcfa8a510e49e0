import { execFileSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CopyDBSnapshotCommand,
  CreateDBSnapshotCommand,
  DescribeDBInstancesCommand,
  ListTagsForResourceCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateStateMachineCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  loadRestoreVerifyDefinition,
  runRestoreVerifyLocally,
} from '../../lib/adapters/local-state-machine.js';
import type { RestoreVerifyReport } from '../../lib/core/report/report.js';
import { TAG } from '../../lib/core/tags.js';
import type { RestoreVerifyTask } from '../../lib/core/use-cases/restore-verify/tasks.js';
import type { RestoreVerifyDeps } from '../../lib/core/use-cases/restore-verify/types.js';
import { lambdaContext } from '../support/lambda-context.js';
import { motoClientConfig, startMoto, type Moto } from '../support/moto.js';
import { startPostgres, type LocalPostgres } from '../support/postgres.js';
import { createInstance } from '../support/rds-fixtures.js';
import { watchTopic, type WatchedTopic } from '../support/topic.js';
import { INSTANCE, loadSchema, POLICIES, scratchLeft } from '../state-machines/restore-verify-fixture.js';

// The deployed restore-verify path: the ASL run with every Task state bound to the exported
// Lambda handler of the function the state names (deploy/functions/restore.yml), each imported
// alone with the environment the template gives it, as each Lambda bundle is. AWS is moto; every
// scratch instance "is" a local PostgreSQL with TLS, whose master role's password is set only to
// the one derived from the key in moto's Secrets Manager, so the login proves the credentials path.

type Handler = (event: unknown, context: Context) => Promise<unknown>;

const BUCKET = 'lifeboat-reports-handlers';
const MASTER_USER = 'admin'; // the source's master user (test/support/rds-fixtures.ts)
const tlsPolicies = {
  ...POLICIES,
  policies: {
    gold: { ...POLICIES.policies.gold!, verify: { ...POLICIES.policies.gold!.verify!, tls: 'require' } },
  },
};

/** Task state -> Lambda function name, from the ASL's Resource (Fn::GetAtt <Fn>LambdaFunction). */
function taskFunctions(): Record<string, string> {
  const found: Record<string, string> = {};
  const walk = (states: Record<string, Record<string, unknown>>) => {
    for (const [name, state] of Object.entries(states)) {
      if (state.Type === 'Task') {
        const [logicalId] = (state.Resource as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
        const fn = logicalId.replace(/LambdaFunction$/, '');
        found[name] = fn.charAt(0).toLowerCase() + fn.slice(1);
      }
      const inner = (state.ItemProcessor ?? state.Iterator) as
        { States: Record<string, Record<string, unknown>> } | undefined;
      if (inner) walk(inner.States);
    }
  };
  walk(loadRestoreVerifyDefinition().States);
  return found;
}

/** Lambda function name -> handler module, as deploy/functions/restore.yml packages it. */
function handlerModules(): Record<string, string> {
  const yml = readFileSync(new URL('../../deploy/functions/restore.yml', import.meta.url), 'utf8');
  return Object.fromEntries(
    [...yml.matchAll(/^(restore\w+):\n {2}handler: (\S+)\.handler$/gm)].map((m) => [m[1]!, m[2]!]),
  );
}

/** The password RDS is given for a scratch instance, derived here without Lifeboat's code. */
function expectedPassword(key: string, scratchId: string): string {
  return createHmac('sha256', key).update(`instance:${scratchId}`).digest('base64url').slice(0, 40);
}

/** A library task in place of a handler is a failure: every Task must go through its handler. */
const noLibraryDeps = new Proxy(
  { starter: { start: () => Promise.reject(new Error('unused')) } },
  {
    get(target, property) {
      if (property === 'starter') return target.starter;
      throw new Error(`the library task's deps.${String(property)} was used instead of a Lambda handler`);
    },
  },
) as unknown as RestoreVerifyDeps;

let moto: Moto;
let server: LocalPostgres;
let rds: RDSClient;
let s3: S3Client;
let topic: WatchedTopic;
let config: ReturnType<typeof motoClientConfig>;
let passwordKey: string;
const certDir = mkdtempSync(join(tmpdir(), 'lifeboat-handlers-tls-'));
const saved = { ...process.env };

beforeAll(async () => {
  const [key, cert] = [join(certDir, 'server.key'), join(certDir, 'server.crt')];
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=lifeboat-scratch'],
      ...['-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert],
    ],
    { stdio: 'pipe' },
  );
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    for (const path of [certDir, key, cert]) chownSync(path, uid, gid);
  }
  [moto, server] = await Promise.all([
    startMoto(),
    startPostgres({ settings: { ssl: 'on', ssl_cert_file: cert, ssl_key_file: key } }),
  ]);
  await loadSchema(server);
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  // The restored master user, with a password nobody knows until ObtainCredentials "resets" it.
  await admin.query(
    `CREATE ROLE ${MASTER_USER} LOGIN PASSWORD '${randomBytes(16).toString('hex')}' IN ROLE pg_read_all_data`,
  );
  await admin.end();
  config = motoClientConfig(moto);
  rds = new RDSClient(config);
  s3 = new S3Client({ ...config, forcePathStyle: true });
}, 120_000);

afterAll(async () => {
  await Promise.all([moto?.stop(), server?.stop()]);
  rmSync(certDir, { recursive: true, force: true });
});

afterEach(() => {
  process.env = { ...saved };
});

let snapshotId: string;

beforeEach(async () => {
  await moto.reset();
  await createInstance(rds, INSTANCE, { 'lifeboat:policy': 'gold' });
  snapshotId = 'lifeboat-app-db-20260101t000000z';
  await rds.send(
    new CreateDBSnapshotCommand({
      DBInstanceIdentifier: INSTANCE,
      DBSnapshotIdentifier: snapshotId,
      Tags: [
        { Key: TAG.managed, Value: 'true' },
        { Key: TAG.policy, Value: 'gold' },
      ],
    }),
  );
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  topic = await watchTopic(moto);
  passwordKey = randomBytes(32).toString('hex');
  const secret = await new SecretsManagerClient(config).send(
    new CreateSecretCommand({ Name: 'lifeboat-dev-scratch-password-key', SecretString: passwordKey }),
  );
  const stateMachineArn = (
    await new SFNClient(config).send(
      new CreateStateMachineCommand({
        name: 'lifeboat-dev-restore-verify',
        roleArn: 'arn:aws:iam::123456789012:role/lifeboat-restore-verify',
        definition: JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Succeed' } } }),
      }),
    )
  ).stateMachineArn!;
  // What the template sets (serverless.yml provider.environment, deploy/functions/restore.yml),
  // with moto's values, and the test-only endpoint of the local server.
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_SESSION_TOKEN: 'testing',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: moto.endpoint,
    LIFEBOAT_POLICY: JSON.stringify(tlsPolicies),
    LIFEBOAT_STAGE: 'dev',
    LIFEBOAT_TOPIC_ARN: topic.topicArn,
    LIFEBOAT_REPORTS_BUCKET: BUCKET,
    LIFEBOAT_SCRATCH_PASSWORD_KEY: secret.ARN,
    LIFEBOAT_RESTORE_VERIFY_ARN: stateMachineArn,
    LIFEBOAT_TEST_SCRATCH_ENDPOINT: `${server.host}:${server.port}`,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
});

/** The scratch instance moto holds (tagged lifeboat:scratch=true), at the primary or the DR region. */
async function scratchInstance(): Promise<{ id: string; user: string; region: string }> {
  for (const region of ['us-east-1', 'eu-west-1']) {
    const client = new RDSClient(motoClientConfig(moto, region));
    for (const instance of (await client.send(new DescribeDBInstancesCommand({}))).DBInstances ?? []) {
      const tags = (
        await client.send(new ListTagsForResourceCommand({ ResourceName: instance.DBInstanceArn }))
      ).TagList;
      if (tags?.some((t) => t.Key === TAG.scratch && t.Value === 'true')) {
        return { id: instance.DBInstanceIdentifier!, user: instance.MasterUsername!, region };
      }
    }
  }
  throw new Error('no scratch instance in moto');
}

/**
 * Every Task state bound to its real handler module, each imported in a module registry of its
 * own (one Lambda bundle each). After ObtainCredentials the local server takes the password RDS
 * would apply: `applied(scratchId)`.
 */
async function realHandlers(applied: (scratchId: string) => string) {
  const functions = taskFunctions();
  const modules = handlerModules();
  const invoked: string[] = [];
  const scratchRegions: string[] = [];
  const tasks: Record<string, RestoreVerifyTask> = {};
  for (const [state, fn] of Object.entries(functions)) {
    const module = modules[fn];
    if (!module) throw new Error(`deploy/functions/restore.yml has no function ${fn} for ${state}`);
    vi.resetModules();
    const { handler } = (await import(
      /* @vite-ignore */ new URL(`../../${module}.ts`, import.meta.url).href
    )) as { handler: Handler };
    tasks[state] = async (input) => {
      invoked.push(state);
      const output = await handler(input, lambdaContext(`lifeboat-dev-${fn}`));
      if (state === 'ObtainCredentials') {
        // RDS applies the ModifyDBInstance password to the engine; moto has no engine to apply it to.
        const scratch = await scratchInstance();
        scratchRegions.push(scratch.region);
        const admin = new pg.Client({ connectionString: server.url });
        await admin.connect();
        await admin.query(`ALTER ROLE ${scratch.user} PASSWORD '${applied(scratch.id)}'`);
        await admin.end();
      }
      return output;
    };
  }
  return { tasks, invoked, scratchRegions };
}

async function reports(): Promise<Array<{ key: string; value: RestoreVerifyReport }>> {
  const keys =
    (await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'reports/' }))).Contents ?? [];
  return Promise.all(
    keys.map(async ({ Key }) => {
      const body = await (
        await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key }))
      ).Body!.transformToString();
      return { key: Key!, value: JSON.parse(body) as RestoreVerifyReport };
    }),
  );
}

async function snapshotTags(id: string): Promise<Record<string, string>> {
  const arn = `arn:aws:rds:us-east-1:123456789012:snapshot:${id}`;
  const tags = (await rds.send(new ListTagsForResourceCommand({ ResourceName: arn }))).TagList ?? [];
  return Object.fromEntries(tags.map((t) => [t.Key!, t.Value!]));
}

describe('restore-verify through the Lambda handlers', () => {
  it('binds a handler to every Task state, one function each', async () => {
    const functions = taskFunctions();
    expect(Object.keys(functions).sort()).toHaveLength(15);
    expect(new Set(Object.values(functions)).size).toBe(15);
    expect(Object.keys(handlerModules()).sort()).toEqual(Object.values(functions).sort());
  });

  it('verifies a snapshot: derived password from Secrets Manager, report in S3, pass on SNS, scratch deleted', async () => {
    const { tasks, invoked } = await realHandlers((id) => expectedPassword(passwordKey, id));

    const run = await runRestoreVerifyLocally({ source: INSTANCE }, noLibraryDeps, { tasks });

    expect(run.error).toBeUndefined();
    expect(run.status).toBe('SUCCEEDED');
    expect([...new Set(invoked)].sort()).toEqual(
      [
        'ValidateInput',
        'ResolveSnapshot',
        'StartRestore',
        'CheckScratch',
        'ObtainCredentials',
        'PlanFingerprints',
        'FingerprintDatabase',
        'CompareWithBaseline',
        'WriteReport',
        'MarkSnapshotVerified',
        'DeleteScratch',
        'PublishOutcome',
      ].sort(),
    );
    const [report, ...more] = await reports();
    expect(more).toEqual([]);
    expect(report!.value).toMatchObject({ verdict: 'passed', snapshot: { id: snapshotId }, errors: [] });
    expect(report!.value.fingerprints.summary).toEqual([
      { database: 'app', tables: 2, rows: 1200 },
      { database: 'crm', tables: 1, rows: 50 },
    ]);
    const [notification, ...others] = await topic.published();
    expect(others).toEqual([]);
    expect(notification).toMatchObject({ kind: 'restore-verify.passed', database: INSTANCE });
    expect(notification!.details.report).toBe(report!.key);
    expect(Date.parse((await snapshotTags(snapshotId))[TAG.verified]!)).not.toBeNaN();
    expect(await scratchLeft(rds)).toEqual([]);
  });

  it('fails a run whose login is refused, and still deletes the scratch instance and says so', async () => {
    // The engine takes a password from another key: the derived one the steps connect with is wrong.
    const { tasks, invoked } = await realHandlers((id) => expectedPassword('another key', id));

    const run = await runRestoreVerifyLocally({ source: INSTANCE }, noLibraryDeps, { tasks });

    expect(run.status).toBe('FAILED');
    expect(invoked).toContain('PlanFingerprints');
    expect(invoked).not.toContain('FingerprintDatabase');
    expect(invoked.slice(-2)).toEqual(['DeleteScratch', 'PublishOutcome']);
    const [report, ...more] = await reports();
    expect(more).toEqual([]);
    expect(report!.value.verdict).toBe('failed');
    expect(await scratchLeft(rds)).toEqual([]);
    const [notification, ...others] = await topic.published();
    expect(others).toEqual([]);
    expect(notification).toMatchObject({
      kind: 'restore-verify.failed',
      severity: 'critical',
      database: INSTANCE,
    });
    expect(notification!.summary).toMatch(/refused user "admin"/);
    expect((await snapshotTags(snapshotId))[TAG.verified]).toBeUndefined();
  });

  it('restores the DR copy in its region through the site the handlers build, against the primary baseline', async () => {
    const first = await realHandlers((id) => expectedPassword(passwordKey, id));
    expect((await runRestoreVerifyLocally({ source: INSTANCE }, noLibraryDeps, first)).status).toBe(
      'SUCCEEDED',
    );
    await topic.published();
    const dr = new RDSClient(motoClientConfig(moto, 'eu-west-1'));
    await dr.send(
      new CopyDBSnapshotCommand({
        SourceDBSnapshotIdentifier: `arn:aws:rds:us-east-1:123456789012:snapshot:${snapshotId}`,
        TargetDBSnapshotIdentifier: `${snapshotId}-eu-west-1`,
        Tags: [
          { Key: TAG.managed, Value: 'true' },
          { Key: TAG.origin, Value: snapshotId },
        ],
      }),
    );
    // Reports are keyed by the second.
    await new Promise((r) => setTimeout(r, 1100));
    const { tasks, scratchRegions } = await realHandlers((id) => expectedPassword(passwordKey, id));

    const run = await runRestoreVerifyLocally({ source: INSTANCE, target: 'eu-west-1' }, noLibraryDeps, {
      tasks,
    });

    expect(run.error).toBeUndefined();
    expect(scratchRegions).toEqual(['eu-west-1']);
    const all = await reports();
    const primary = all.find((r) => r.value.target !== 'eu-west-1')!;
    const report = all.find((r) => r.value.target === 'eu-west-1')!;
    expect(report.value).toMatchObject({ verdict: 'passed', snapshot: { id: `${snapshotId}-eu-west-1` } });
    expect(report.value.baseline).toEqual({ key: primary.key, mode: 'exact' });
    expect(await scratchLeft(dr)).toEqual([]);
    expect(await scratchLeft(rds)).toEqual([]);
  });

  it('starts a child execution per database of a scheduled policy run through its handlers', async () => {
    const { tasks, invoked } = await realHandlers(() => 'unused');

    const run = await runRestoreVerifyLocally(
      { policy: 'gold', time: '2026-03-01T03:00:00Z' },
      noLibraryDeps,
      { tasks },
    );

    expect(run.error).toBeUndefined();
    expect(invoked).toEqual(['ValidateInput', 'StartDatabaseVerifications']);
    const executions = await new SFNClient(config).send(
      new ListExecutionsCommand({ stateMachineArn: process.env.LIFEBOAT_RESTORE_VERIFY_ARN! }),
    );
    expect(executions.executions?.map((e) => e.name)).toEqual(['gold-app-db-20260301T030000Z']);
  });
});
