import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateDBSnapshotCommand, RDSClient } from '@aws-sdk/client-rds';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Evidence } from '../../lib/core/evidence/types.js';
import { TAG } from '../../lib/core/tags.js';
import { runLifeboat } from '../support/cli.js';
import { motoClientConfig, startMoto, type Moto } from '../support/moto.js';
import { createInstance } from '../support/rds-fixtures.js';

let moto: Moto;
let dir: string;
let policy: string;
const now = new Date();
const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000);

const evidence = (...args: string[]) =>
  runLifeboat(
    ['evidence', '--policy', policy, '--region', 'us-east-1', '--endpoint-url', moto.endpoint, ...args],
    { ...process.env, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', NO_COLOR: '1' },
  );

function report(verdict: 'passed' | 'failed', finishedAt: Date, rtoMinutes: number | null) {
  return {
    version: 1,
    verdict,
    source: { id: 'orders-db', kind: 'instance', engine: 'postgres', policy: 'gold' },
    snapshot: { id: 'lifeboat-orders-db-x' },
    target: 'primary',
    startedAt: new Date(finishedAt.getTime() - 30 * 60_000).toISOString(),
    finishedAt: finishedAt.toISOString(),
    rto: { minutes: rtoMinutes, objectiveMinutes: 30, met: rtoMinutes === null ? null : rtoMinutes <= 30 },
    errors:
      verdict === 'failed' ? [{ step: 'Compare', error: 'public.orders: 3 rows differ', cause: '' }] : [],
  };
}

beforeAll(async () => {
  moto = await startMoto();
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-evidence-live-'));
  policy = join(dir, 'lifeboat.yml');
  await writeFile(
    policy,
    `policies:
  gold:
    select: { tags: { 'lifeboat:policy': gold } }
    schedule: 'cron(0 * * * ? *)'
    rpoMinutes: 60
    rtoMinutes: 30
    retention: { daily: 7 }
    copies:
      - region: eu-west-1
        kmsKeyId: arn:aws:kms:eu-west-1:123456789012:key/11111111-1111-1111-1111-111111111111
`,
  );
  // The real SDK clients against moto: the database and its snapshot at the source, a copy of it
  // (a snapshot of a stand-in instance, tagged as Lifeboat tags its copies) in the DR region.
  for (const [region, tags] of [
    ['us-east-1', { [TAG.tier]: 'primary' }],
    ['eu-west-1', { [TAG.tier]: 'dr-region', [TAG.origin]: 'lifeboat-orders-db-now', [TAG.copyOf]: 'x' }],
  ] as const) {
    const rds = new RDSClient(motoClientConfig(moto, region));
    await createInstance(rds, 'orders-db', { 'lifeboat:policy': 'gold' });
    await rds.send(
      new CreateDBSnapshotCommand({
        DBInstanceIdentifier: 'orders-db',
        DBSnapshotIdentifier:
          region === 'us-east-1' ? 'lifeboat-orders-db-now' : 'lifeboat-orders-db-now-eu-west-1',
        Tags: Object.entries({
          [TAG.managed]: 'true',
          [TAG.policy]: 'gold',
          [TAG.source]: 'orders-db',
          ...tags,
        }).map(([Key, Value]) => ({ Key, Value })),
      }),
    );
  }
  const s3 = new S3Client({ ...motoClientConfig(moto), forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: 'lifeboat-reports' }));
  const reports = [
    report('failed', daysAgo(9), null),
    report('passed', daysAgo(2), 21.5),
    report('passed', daysAgo(200), 20),
  ];
  for (const value of reports) {
    await s3.send(
      new PutObjectCommand({
        Bucket: 'lifeboat-reports',
        Key: `reports/orders-db/${value.startedAt.replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z')}.json`,
        Body: JSON.stringify(value),
      }),
    );
  }
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await moto.stop();
});

describe('lifeboat evidence against moto', () => {
  it('reads the account, the DR region and the reports bucket with the real SDK clients', async () => {
    const run = await evidence('--reports-bucket', 'lifeboat-reports', '--since', '30d', '--format', 'json');
    expect(run.stderr).not.toContain('lifeboat:');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as Evidence;
    expect(result.sources.reports).toBe('s3://lifeboat-reports');
    const [db] = result.databases;
    expect(result.databases).toHaveLength(1);
    expect(db).toMatchObject({ database: 'orders-db', kind: 'instance', policy: 'gold' });
    expect(db!.rpo.snapshots).toBe(1);
    expect(db!.copies).toEqual([expect.objectContaining({ target: 'eu-west-1', copies: 1 })]);
    // The run of 200 days ago is outside the period.
    expect(db!.verifications.map((v) => [v.result, v.rtoMinutes])).toEqual([
      ['failed', null],
      ['passed', 21.5],
    ]);
    expect(db!.failures).toEqual([
      expect.objectContaining({
        problem: 'Compare: public.orders: 3 rows differ',
        minutesToRecovery: 7 * 1440,
      }),
    ]);
  });

  it('fails naming the bucket it cannot read, exit 1', async () => {
    const run = await evidence('--reports-bucket', 'no-such-bucket', '--format', 'json');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^lifeboat: .*(NoSuchBucket|does not exist)/);
    expect(run.stdout).toBe('');
  });
});
