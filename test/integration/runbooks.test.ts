import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateDBSnapshotCommand, RDSClient } from '@aws-sdk/client-rds';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parsePolicyFile } from '../../lib/core/policy/file.js';
import type { Runbook } from '../../lib/core/use-cases/write-runbooks.js';
import { TAG } from '../../lib/core/tags.js';
import { runLifeboatOnMoto } from '../support/cli.js';
import { lambdaContext } from '../support/lambda-context.js';
import { motoClientConfig, startMoto, type Moto } from '../support/moto.js';
import { createInstance } from '../support/rds-fixtures.js';

// The runbooks after a restore-verify run, from the live state in moto: the `runbooks` function on
// the execution's end event, and `lifeboat runbook` without an inventory file, on the same account.
const BUCKET = 'lifeboat-reports';
const MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:lifeboat-dev-restore-verify';
// createInstance's master password: it is in RDS, and must be in no runbook.
const PASSWORD = 'password-123';
const POLICY_YAML = [
  'policies:',
  '  gold:',
  "    select: { tags: { 'lifeboat:policy': gold } }",
  "    schedule: 'cron(0 */6 * * ? *)'",
  '    rpoMinutes: 360',
  '    rtoMinutes: 120',
  '    retention: { daily: 7, weekly: 4, monthly: 12 }',
  '    copies:',
  '      - region: eu-west-1',
  '        kmsKeyId: arn:aws:kms:eu-west-1:123456789012:key/77777777-8888-9999-0000-111111111111',
  '        failover: { instanceClass: db.r6g.large, subnetGroup: prod-dr }',
  '    verify:',
  "      schedule: 'cron(0 3 ? * SUN *)'",
  '      instanceClass: db.t4g.medium',
  '      secretArn: arn:aws:secretsmanager:us-east-1:123456789012:secret:orders-master-AbCdEf',
  '      databases: [app]',
  '',
].join('\n');
/** The policy with a DR account, whose copies the function does not read (it assumes no role). */
const WITH_DR_ACCOUNT = parsePolicyFile(
  POLICY_YAML.replace(
    '    verify:',
    [
      '      - region: eu-west-1',
      "        account: '222222222222'",
      '        shareKmsKeyId: arn:aws:kms:us-east-1:123456789012:key/66666666-7777-8888-9999-000000000000',
      '        targetShareKmsKeyId: arn:aws:kms:eu-west-1:123456789012:key/99999999-0000-1111-2222-333333333333',
      '        kmsKeyId: arn:aws:kms:eu-west-1:222222222222:key/88888888-9999-0000-1111-222222222222',
      '    verify:',
    ].join('\n'),
  ),
);

const event = JSON.parse(readFileSync('test/fixtures/events/sfn-restore-verify-ended.json', 'utf8')) as {
  detail: Record<string, unknown>;
};
const endedWith = (detail: Record<string, unknown>) => ({ ...event, detail: { ...event.detail, ...detail } });

let moto: Moto;
let s3: S3Client;
let dir: string;
/** When the passed restore-verify finished: within the hour, so the facts' ages are small. */
let passedAt: string;
let runbooks: (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;
const handler = (event: unknown) => runbooks(event, lambdaContext('lifeboat-dev-runbooks'));

async function managedSnapshot(rds: RDSClient, id: string, tier: string, extra: Record<string, string> = {}) {
  const tags = { [TAG.managed]: 'true', [TAG.source]: 'orders-db', [TAG.policy]: 'gold', [TAG.tier]: tier };
  await rds.send(
    new CreateDBSnapshotCommand({
      DBInstanceIdentifier: 'orders-db',
      DBSnapshotIdentifier: id,
      Tags: Object.entries({ ...tags, ...extra }).map(([Key, Value]) => ({ Key, Value })),
    }),
  );
}

async function keys(prefix = ''): Promise<string[]> {
  const answer = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (answer.Contents ?? []).map((o) => o.Key!).sort();
}

async function text(key: string): Promise<string> {
  const answer = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return answer.Body!.transformToString('utf8');
}

beforeAll(async () => {
  moto = await startMoto();
  const rds = new RDSClient(motoClientConfig(moto));
  // moto copies no snapshot across regions: the DR-region copy is a snapshot of a namesake there.
  const drRds = new RDSClient(motoClientConfig(moto, 'eu-west-1'));
  s3 = new S3Client({ ...motoClientConfig(moto), forcePathStyle: true });
  await createInstance(rds, 'orders-db', { 'lifeboat:policy': 'gold' });
  await createInstance(drRds, 'orders-db');
  await managedSnapshot(rds, 'lifeboat-orders-db-20261124t0000', 'primary');
  await managedSnapshot(drRds, 'lifeboat-orders-db-20261124t0000-eu-west-1', 'dr-region', {
    [TAG.target]: 'eu-west-1',
  });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  passedAt = new Date(Date.now() - 30 * 60_000).toISOString();
  const report = (verdict: string, finishedAt: string, minutes: number) =>
    JSON.stringify({
      version: 1,
      verdict,
      source: { id: 'orders-db', kind: 'instance', engine: 'postgres', policy: 'gold' },
      snapshot: { id: 'lifeboat-orders-db-20261124t0000-eu-west-1' },
      target: 'eu-west-1',
      finishedAt,
      rto: { minutes, objectiveMinutes: 120, met: minutes <= 120 },
    });
  await s3.send(
    new PutObjectCommand({
      Bucket: BUCKET,
      Key: 'reports/orders-db/20261117T031200Z.json',
      Body: report('failed', new Date(Date.now() - 7 * 86_400_000).toISOString(), 31),
    }),
  );
  await s3.send(
    new PutObjectCommand({
      Bucket: BUCKET,
      Key: 'reports/orders-db/20261124T031000Z.json',
      Body: report('passed', passedAt, 23.5),
    }),
  );

  dir = await mkdtemp(join(tmpdir(), 'lifeboat-runbooks-'));
  await writeFile(join(dir, 'lifeboat.yml'), POLICY_YAML);
  process.env.AWS_ENDPOINT_URL = moto.endpoint;
  process.env.AWS_REGION = 'us-east-1';
  process.env.LIFEBOAT_POLICY = JSON.stringify(WITH_DR_ACCOUNT);
  process.env.LIFEBOAT_REPORTS_BUCKET = BUCKET;
  process.env.LIFEBOAT_RESTORE_VERIFY_ARN = MACHINE;
  // The function's clients take the endpoint from the environment, as a deployed one its region's.
  ({ handler: runbooks } = await import('../../functions/runbooks/handler.js'));
});

afterAll(async () => {
  delete process.env.AWS_ENDPOINT_URL;
  delete process.env.LIFEBOAT_RESTORE_VERIFY_ARN;
  if (dir) await rm(dir, { recursive: true, force: true });
  await moto?.stop();
});

describe('runbooks function, on the end of a restore-verify execution', () => {
  it('refuses a malformed event by name and writes nothing', async () => {
    await expect(handler({ source: 'aws.states' })).rejects.toThrow(
      /not a restore-verify execution status change event:[\s\S]*detail-type: must be "Step Functions Execution Status Change"[\s\S]*detail: /,
    );
    await expect(handler(endedWith({ status: 'RUNNING' }))).rejects.toThrow(
      /detail\.status: must be SUCCEEDED, FAILED, TIMED_OUT or ABORTED/,
    );
    await expect(handler(endedWith({ input: '{"source": ' }))).rejects.toThrow(/detail\.input is not JSON/);
    await expect(
      handler(endedWith({ stateMachineArn: MACHINE.replace('lifeboat-dev', 'other') })),
    ).rejects.toThrow(/is not this deployment's restore-verify state machine/);
    expect(await keys('runbooks/')).toEqual([]);
  });

  it('writes nothing for a scheduled policy run: each database run that it started writes its own', async () => {
    const result = await handler(
      endedWith({ input: JSON.stringify({ policy: 'gold', time: '2026-11-24T03:00:00Z' }) }),
    );
    expect(result).toEqual({ written: [], skipped: expect.stringContaining('policy gold') });
    expect(await keys('runbooks/')).toEqual([]);
  });

  it("writes the database's runbook and the index under runbooks/, with the facts of the live state and the reports", async () => {
    const before = await keys();
    const result = await handler(endedWith({ status: 'FAILED' }));
    expect(result).toEqual({
      written: ['runbooks/orders-db.md', 'runbooks/orders-db.json', 'runbooks/README.md'],
    });

    // Nothing but the three runbook objects was written.
    expect(await keys()).toEqual(
      [...before, 'runbooks/README.md', 'runbooks/orders-db.json', 'runbooks/orders-db.md'].sort(),
    );
    const markdown = await text('runbooks/orders-db.md');
    expect(markdown).toContain('# Runbook: orders-db');
    expect(markdown).toContain('DB instance `orders-db` (postgres) in us-east-1, account 123456789012');
    expect(markdown).toMatch(
      /\| RPO \| 360 min \| newest snapshot: `lifeboat-orders-db-20261124t0000`, \d+ min old \(within objective\) \|/,
    );
    expect(markdown).toMatch(
      /\| RPO at eu-west-1 \| 360 min \| newest DR copy: `lifeboat-orders-db-20261124t0000-eu-west-1`, \d+ min old/,
    );
    expect(markdown).toContain(
      '| RPO at eu-west-1/222222222222 | 360 min | newest DR copy: not read (DR account 222222222222: the scheduled runbooks assume no role there',
    );
    expect(markdown).toContain(
      `| RTO | 120 min | last verified restore: PASSED at ${passedAt} in eu-west-1, RTO 23.5 min (within objective) |`,
    );
    expect(markdown).toContain(`s3://${BUCKET}/reports/orders-db/ (restore-verify)`);
    expect(markdown).not.toContain(PASSWORD);
    expect(markdown).not.toContain('secretsmanager');

    const runbook = JSON.parse(await text('runbooks/orders-db.json')) as Runbook;
    expect(runbook.facts).toMatchObject({
      database: 'orders-db',
      policy: 'gold',
      objectives: { rpoMinutes: 360, rtoMinutes: 120 },
      lastRestore: { verdict: 'passed', at: passedAt, rtoMinutes: 23.5, target: 'eu-west-1' },
      newestSnapshot: { id: 'lifeboat-orders-db-20261124t0000' },
    });
    expect(runbook.facts.targets.map((t) => [t.label, t.unread ?? null])).toEqual([
      ['eu-west-1', null],
      ['eu-west-1/222222222222', expect.stringContaining('assume no role')],
    ]);
    expect(JSON.stringify(runbook)).not.toContain(PASSWORD);

    const index = await text('runbooks/README.md');
    expect(index).toContain(`| [orders-db](orders-db.md) | gold | 360 / 120 min |`);
    expect(index).toContain(`| passed ${passedAt} |`);
  });

  it('writes the index alone for a run of a database no Lifeboat snapshot names', async () => {
    const result = await handler(endedWith({ input: JSON.stringify({ source: 'ordres-db' }) }));
    expect(result).toEqual({
      written: ['runbooks/README.md'],
      skipped: expect.stringContaining('no Lifeboat snapshot names ordres-db (databases: orders-db)'),
    });
    expect(await keys('runbooks/')).toEqual([
      'runbooks/README.md',
      'runbooks/orders-db.json',
      'runbooks/orders-db.md',
    ]);
  });
});

describe('runbooks function at a DR site (eu-west-1 of the same account)', () => {
  it('writes the runbooks of the copies it holds to its own bucket, saying the primary is not seen from there', async () => {
    const machine = MACHINE.replace('us-east-1', 'eu-west-1');
    const site = parsePolicyFile(
      [
        'site:',
        '  kind: dr',
        '  region: eu-west-1',
        "  primary: { account: '123456789012', region: us-east-1 }",
        POLICY_YAML.replace(
          '        failover: { instanceClass: db.r6g.large, subnetGroup: prod-dr }',
          [
            '        failover: { instanceClass: db.r6g.large, subnetGroup: prod-dr }',
            "        verify: { subnetGroup: lifeboat-dr-scratch, schedule: 'cron(0 5 ? * SUN *)' }",
          ].join('\n'),
        ),
      ].join('\n'),
    );
    await s3.send(
      new CreateBucketCommand({
        Bucket: 'dr-reports',
        CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
      }),
    );
    const primaryBefore = await keys();
    process.env.AWS_REGION = 'eu-west-1';
    process.env.LIFEBOAT_POLICY = JSON.stringify(site);
    process.env.LIFEBOAT_REPORTS_BUCKET = 'dr-reports';
    process.env.LIFEBOAT_RESTORE_VERIFY_ARN = machine;
    vi.resetModules();
    try {
      const { handler: atSite } = await import('../../functions/runbooks/handler.js');

      const result = await atSite(
        { ...event, region: 'eu-west-1', detail: { ...event.detail, stateMachineArn: machine } },
        lambdaContext('lifeboat-dev-runbooks'),
      );

      expect(result).toEqual({
        written: ['runbooks/orders-db.md', 'runbooks/orders-db.json', 'runbooks/README.md'],
      });
    } finally {
      process.env.AWS_REGION = 'us-east-1';
      process.env.LIFEBOAT_POLICY = JSON.stringify(WITH_DR_ACCOUNT);
      process.env.LIFEBOAT_REPORTS_BUCKET = BUCKET;
      process.env.LIFEBOAT_RESTORE_VERIFY_ARN = MACHINE;
    }
    const dr = await s3.send(new GetObjectCommand({ Bucket: 'dr-reports', Key: 'runbooks/orders-db.md' }));
    const markdown = await dr.Body!.transformToString('utf8');
    expect(markdown).toContain('at the DR site in eu-west-1, account 123456789012');
    expect(markdown).toContain(
      "newest snapshot: not seen from the DR site in eu-west-1 (the primary's snapshots are in us-east-1)",
    );
    expect(markdown).toMatch(
      /\| RPO at eu-west-1 \| 360 min \| newest DR copy: `lifeboat-orders-db-20261124t0000-eu-west-1`, \d+ min old/,
    );
    // No report of its own yet: the primary's bucket is not the DR site's.
    expect(markdown).toContain('| RTO | 120 min | last verified restore: **never** |');
    expect(await keys()).toEqual(primaryBefore);
  });
});

describe('lifeboat runbook, live mode', () => {
  const runbook = (...args: string[]) =>
    runLifeboatOnMoto(moto.endpoint, [
      'runbook',
      '--policy-file',
      join(dir, 'lifeboat.yml'),
      '--region',
      'us-east-1',
      ...args,
    ]);

  it('writes the runbooks from the snapshots in every region and the reports bucket', async () => {
    const out = join(dir, 'out');

    const run = await runbook('--reports-bucket', BUCKET, '--out', out);

    expect([run.code, run.stderr]).toEqual([0, '']);
    expect((await readdir(out)).sort()).toEqual(['README.md', 'orders-db.md']);
    expect(run.stdout.trim().split('\n').sort()).toEqual([join(out, 'README.md'), join(out, 'orders-db.md')]);
    const markdown = await readFile(join(out, 'orders-db.md'), 'utf8');
    expect(markdown).toMatch(/\| RPO \| 360 min \| newest snapshot: `lifeboat-orders-db-20261124t0000`/);
    expect(markdown).toMatch(
      /\| RPO at eu-west-1 \| 360 min \| newest DR copy: `lifeboat-orders-db-20261124t0000-eu-west-1`/,
    );
    expect(markdown).toContain(
      `| RTO | 120 min | last verified restore: PASSED at ${passedAt} in eu-west-1, RTO 23.5 min (within objective) |`,
    );
    expect(markdown).toContain('failover as db.r6g.large, subnet group prod-dr');
    expect(markdown).not.toContain(PASSWORD);
    expect(await readFile(join(out, 'README.md'), 'utf8')).toContain('[orders-db](orders-db.md) | gold');
  });

  it('is exit 2 naming the database when --db names none Lifeboat protects, and writes nothing', async () => {
    const out = join(dir, 'nothing');

    const run = await runbook('--db', 'ordres-db', '--out', out);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--db ordres-db: no Lifeboat snapshot names it (databases: orders-db)');
    await expect(readdir(out)).rejects.toThrow(/ENOENT/);
  });
});
