import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateDBInstanceCommand, CreateDBSnapshotCommand, RDSClient } from '@aws-sdk/client-rds';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TAG } from '../../lib/core/tags.js';
import { motoClientConfig, startMoto, type Moto } from '../support/moto.js';
import { createInstance } from '../support/rds-fixtures.js';

const CLI = fileURLToPath(new URL('../../bin/lifeboat.mjs', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let moto: Moto;
let dir: string;
let policy: string;

function lifeboat(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      'node',
      [CLI, 'status', '--policy', policy, '--region', 'us-east-1', '--endpoint-url', moto.endpoint, ...args],
      {
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: 'testing',
          AWS_SECRET_ACCESS_KEY: 'testing',
          AWS_SESSION_TOKEN: 'testing',
          NO_COLOR: '1',
        },
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  moto = await startMoto();
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-status-'));
  policy = join(dir, 'lifeboat.yml');
  await writeFile(
    policy,
    [
      'policies:',
      '  gold:',
      "    select: { tags: { 'lifeboat:policy': gold } }",
      "    schedule: 'cron(0 * * * ? *)'",
      '    rpoMinutes: 60',
      '    rtoMinutes: 30',
      '    retention: { daily: 7 }',
      '    verify:',
      "      schedule: 'cron(0 3 ? * SUN *)'",
      '      instanceClass: db.t4g.medium',
      '      databases: [app]',
      '',
    ].join('\n'),
  );
  const rds = new RDSClient(motoClientConfig(moto));
  const s3 = new S3Client({ ...motoClientConfig(moto), forcePathStyle: true });
  await rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: 'orders-db',
      DBInstanceClass: 'db.t4g.micro',
      Engine: 'postgres',
      AllocatedStorage: 20,
      MasterUsername: 'lifeboat',
      MasterUserPassword: 'not-a-secret-1',
      Tags: [{ Key: 'lifeboat:policy', Value: 'gold' }],
    }),
  );
  await rds.send(
    new CreateDBSnapshotCommand({
      DBInstanceIdentifier: 'orders-db',
      DBSnapshotIdentifier: 'lifeboat-orders-db-20261124t0900',
      Tags: [
        { Key: TAG.managed, Value: 'true' },
        { Key: TAG.source, Value: 'orders-db' },
        { Key: TAG.tier, Value: 'primary' },
      ],
    }),
  );
  await s3.send(new CreateBucketCommand({ Bucket: 'lifeboat-reports' }));
  await s3.send(
    new PutObjectCommand({
      Bucket: 'lifeboat-reports',
      Key: 'reports/orders-db/20261124T091500Z.json',
      Body: JSON.stringify({
        version: 1,
        verdict: 'passed',
        finishedAt: new Date().toISOString(),
        rto: { minutes: 14.5, objectiveMinutes: 30, met: true },
      }),
    }),
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await moto.stop();
});

describe('lifeboat status against moto', () => {
  it('prints the per-database picture as JSON and exits 0 when every check passes', async () => {
    const run = await lifeboat('--json', '--reports-bucket', 'lifeboat-reports');

    expect(run.stderr).not.toContain('lifeboat:');
    // The SDK's Node 22 notice is about SDK releases the pinned CLI does not take.
    expect(run.stderr).not.toContain('NodeVersionSupportWarning');
    expect(run.code).toBe(0);
    const status = JSON.parse(run.stdout) as { databases: unknown[] };
    expect(status.databases).toEqual([
      expect.objectContaining({
        database: 'orders-db',
        policy: 'gold',
        rpo: { objectiveMinutes: 60, state: 'ok', reasons: [] },
        snapshot: expect.objectContaining({ id: 'lifeboat-orders-db-20261124t0900' }),
        verification: expect.objectContaining({
          state: 'fresh',
          last: expect.objectContaining({ rtoMinutes: 14.5 }),
        }),
      }),
    ]);
  });

  it('shows a breach in the table and exits 1 when the newest snapshot is past the RPO', async () => {
    const later = new Date(Date.now() + 3 * 60 * 60_000).toISOString();

    const run = await lifeboat('--now', later, '--reports-bucket', 'lifeboat-reports');

    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/orders-db {2}instance, policy gold/);
    expect(run.stdout).toMatch(
      /RPO {12}BREACH \(objective 60 min\): newest snapshot lifeboat-orders-db-20261124t0900 is 1\d\d min old/,
    );
    expect(run.stdout).toMatch(/verified {7}.*RTO 14\.5 min {2}\[fresh\]/);
  });

  it("prints the URL of the stage's dashboard, in the stack's region", async () => {
    const run = await lifeboat('--stage', 'prod', '--reports-bucket', 'lifeboat-reports');
    expect(run.stdout.trim().split('\n').at(-1)).toBe(
      'Dashboard: https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards/dashboard/lifeboat-prod-us-east-1',
    );
    const json = await lifeboat('--json', '--reports-bucket', 'lifeboat-reports');
    expect(JSON.parse(json.stdout)).toMatchObject({
      dashboard: expect.stringMatching(/lifeboat-dev-us-east-1$/),
    });
    const bad = await lifeboat('--stage', 'no stage');
    expect([bad.code, bad.stderr.trim()]).toEqual([
      2,
      'lifeboat: --stage "no stage" is not a stage name (letters, digits and -)',
    ]);
  });

  it('names a missing policy file and exits 2', async () => {
    policy = join(dir, 'missing.yml');
    const run = await lifeboat();
    policy = join(dir, 'lifeboat.yml');

    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`policy file ${join(dir, 'missing.yml')}: not found`);
  });
});

describe("lifeboat status with a DR site's policy file", () => {
  // A DR site in us-east-1 guarding the copies a primary in us-west-2 makes there: its view is of
  // the copies it holds and of the restores verified here, and reaches no other region.
  let drPolicy: string;
  beforeAll(async () => {
    drPolicy = join(dir, 'lifeboat.dr.yml');
    await writeFile(
      drPolicy,
      [
        'site:',
        '  kind: dr',
        '  region: us-east-1',
        "  primary: { account: '123456789012', region: us-west-2 }",
        'policies:',
        '  gold:',
        "    select: { tags: { 'lifeboat:policy': gold } }",
        "    schedule: 'cron(0 * * * ? *)'",
        '    rpoMinutes: 60',
        '    rtoMinutes: 30',
        '    retention: { daily: 7 }',
        '    copies:',
        '      - region: us-east-1',
        '        kmsKeyId: arn:aws:kms:us-east-1:123456789012:key/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
        '        verify: { subnetGroup: lifeboat-dr-scratch }',
        '    verify:',
        '      instanceClass: db.t4g.medium',
        '      databases: [app]',
        '',
      ].join('\n'),
    );
    // The database is in the primary's region; only its copy is here (moto needs an instance to
    // snapshot: one no policy selects).
    const rds = new RDSClient(motoClientConfig(moto));
    await createInstance(rds, 'ledger-db');
    await rds.send(
      new CreateDBSnapshotCommand({
        DBInstanceIdentifier: 'ledger-db',
        DBSnapshotIdentifier: 'lifeboat-ledger-db-20261124t0900-us-east-1',
        Tags: [
          { Key: TAG.managed, Value: 'true' },
          { Key: TAG.source, Value: 'ledger-db' },
          { Key: TAG.policy, Value: 'gold' },
          { Key: TAG.scheduledAt, Value: new Date(Date.now() - 20 * 60_000).toISOString() },
        ],
      }),
    );
  });

  const drLifeboat = async (...args: string[]) => {
    const primaryPolicy = policy;
    policy = drPolicy;
    try {
      return await lifeboat(...args);
    } finally {
      policy = primaryPolicy;
    }
  };

  it('shows the newest copy held here by the age of its data, and the RTO, not a snapshot of its own', async () => {
    const run = await drLifeboat('--site', 'dr');

    expect(run.stderr).not.toContain('lifeboat:');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/ledger-db {2}instance, policy gold/);
    expect(run.stdout).toMatch(/RPO {12}ok \(objective 60 min\)/);
    expect(run.stdout).toMatch(/RTO {12}unknown \(objective 30 min, last restore verified here\)/);
    expect(run.stdout).toMatch(
      /copy us-east-1\s+lifeboat-ledger-db-20261124t0900-us-east-1 .*\((19|20|21) min ago\)/,
    );
    expect(run.stdout).not.toMatch(/^ {2}snapshot /m);
    // The primary's snapshot in this region (moto's shared account) is no copy of a policy here.
    expect(run.stdout).not.toContain('orders-db');
  });

  it('breaches the RPO when the newest copy held here is older than the objective', async () => {
    const later = new Date(Date.now() + 60 * 60_000).toISOString();
    const run = await drLifeboat('--now', later, '--json');

    expect(run.code).toBe(1);
    const status = JSON.parse(run.stdout) as {
      databases: Array<{ rpo: { state: string; reasons: string[] } }>;
    };
    expect(status.databases).toHaveLength(1);
    expect(status.databases[0]!.rpo.state).toBe('breach');
    expect(status.databases[0]!.rpo.reasons[0]).toMatch(/newest copy at us-east-1 holds data 8\d min old/);
  });

  it('shows the pitr line of a target with pointInTime: not running while nothing is replicated here', async () => {
    const pitrPolicy = join(dir, 'lifeboat.dr-pitr.yml');
    await writeFile(
      pitrPolicy,
      (await readFile(drPolicy, 'utf8')).replace(
        '        verify: { subnetGroup: lifeboat-dr-scratch }',
        '        verify: { subnetGroup: lifeboat-dr-scratch }\n        pointInTime: { retentionDays: 7 }',
      ),
    );
    const primaryPolicy = policy;
    policy = pitrPolicy;
    let run: Run;
    try {
      run = await lifeboat('--site', 'dr');
    } finally {
      policy = primaryPolicy;
    }

    expect(run.stderr).not.toContain('lifeboat:');
    // The copy, 20 min old, is within the RPO: a replication not running is shown, not failed.
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      "  pitr us-east-1 NOT-RUNNING: no automated backups of ledger-db are replicated here from us-west-2; the primary's monitor starts the replication",
    );
  });

  it('refuses a --site the policy file is not, naming it', async () => {
    const primaryView = await drLifeboat('--site', 'primary');
    expect([primaryView.code, primaryView.stderr.trim()]).toEqual([
      2,
      `lifeboat: --site primary: ${drPolicy} is a DR site's policy file (it has a site section)`,
    ]);
    const drView = await lifeboat('--site', 'dr');
    expect(drView.code).toBe(2);
    expect(drView.stderr).toContain("is a primary's policy file; pass the DR site's");
    const neither = await lifeboat('--site', 'elsewhere');
    expect(neither.stderr.trim()).toBe('lifeboat: --site must be primary or dr, not "elsewhere"');
  });
});
