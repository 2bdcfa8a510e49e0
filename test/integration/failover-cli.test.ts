import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateDBClusterSnapshotCommand,
  CreateDBSnapshotCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutBucketTaggingCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RdsScratchRestorer } from '../../lib/adapters/aws/rds-restores.js';
import { RdsSnapshotStore } from '../../lib/adapters/aws/rds-snapshots.js';
import { GuardRefusedError } from '../../lib/core/errors.js';
import { drSiteBucketName } from '../../lib/core/naming/dr-site.js';
import { TAG } from '../../lib/core/tags.js';
import { runLifeboatOnMoto } from '../support/cli.js';
import { motoClientConfig, startMoto, type Moto } from '../support/moto.js';
import { createCluster, createInstance } from '../support/rds-fixtures.js';
import { watchTopic, type WatchedTopic } from '../support/topic.js';

const HOME = 'us-east-1';
const DR = 'eu-west-1';
const BUCKET = 'lifeboat-dr-reports';

let moto: Moto;
let home: RDSClient;
let dr: RDSClient;
let s3: S3Client;
let topic: WatchedTopic;
let dir: string;
let policyFile: string;

/** The real command line, with the operator's own (standard chain) credentials pointed at moto. */
const failover = (...args: string[]) =>
  runLifeboatOnMoto(moto.endpoint, ['failover', '--policy-file', policyFile, ...args], { AWS_REGION: HOME });
/** A failover that waits until the new database is available, polling moto every second. */
const failoverAndWait = (db: string, name: string, ...more: string[]) =>
  failover('--db', db, '--to', DR, '--name', name, '--wait', '--poll-seconds', '1', ...more);

const POLICY = [
  'policies:',
  '  gold:',
  "    select: { tags: { 'lifeboat:policy': gold } }",
  "    schedule: 'cron(0 */6 * * ? *)'",
  '    rpoMinutes: 360',
  '    rtoMinutes: 120',
  '    retention: { daily: 7, weekly: 0, monthly: 0 }',
  '    copies:',
  `      - region: ${DR}`,
  '        kmsKeyId: alias/lifeboat-dr',
  '        failover:',
  '          instanceClass: db.r6g.large',
  '          multiAz: true',
  '          securityGroups: [sg-0123456789abcdef0]',
  `      - region: ${DR}`,
  "        account: '222222222222'",
  '        shareKmsKeyId: arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555',
  '        kmsKeyId: arn:aws:kms:eu-west-1:222222222222:key/11111111-2222-3333-4444-555555555555',
  '        failover: { instanceClass: db.r6g.large }',
  '  silver:',
  "    select: { tags: { 'lifeboat:policy': silver } }",
  "    schedule: 'cron(0 3 * * ? *)'",
  '    rpoMinutes: 1440',
  '    rtoMinutes: 240',
  '    retention: { daily: 7, weekly: 0, monthly: 0 }',
  '    copies:',
  `      - region: ${DR}`,
  '        kmsKeyId: alias/lifeboat-dr',
  '        failover:',
  '          instanceClass: db.r6g.large',
  '          instances: [{}, { instanceClass: db.r6g.xlarge, promotionTier: 1 }]',
  '',
].join('\n');

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

/**
 * A DR copy as the copy function leaves it: a managed snapshot in the DR region, copied there from
 * the source region by the real store (CopyDBSnapshot across regions), tagged with its source.
 */
async function drCopy(
  kind: 'instance' | 'cluster',
  database: string,
  id: string,
  extra: Record<string, string> = {},
): Promise<string> {
  const policy = kind === 'instance' ? 'gold' : 'silver';
  const origin = `lifeboat-${database}-${id}`;
  if (kind === 'instance') {
    await home.send(
      new CreateDBSnapshotCommand({ DBInstanceIdentifier: database, DBSnapshotIdentifier: origin }),
    );
  } else {
    await home.send(
      new CreateDBClusterSnapshotCommand({
        DBClusterIdentifier: database,
        DBClusterSnapshotIdentifier: origin,
      }),
    );
  }
  const source = await new RdsSnapshotStore({ region: HOME, client: home }).getSnapshot(kind, origin);
  const copyId = `${origin}-${DR}`;
  await new RdsSnapshotStore({ region: DR, client: dr }).copySnapshot({
    kind,
    sourceArn: source!.arn,
    sourceRegion: HOME,
    targetId: copyId,
    tags: {
      [TAG.managed]: 'true',
      [TAG.policy]: policy,
      [TAG.source]: database,
      [TAG.tier]: 'dr-region',
      [TAG.origin]: origin,
      [TAG.target]: DR,
      ...extra,
    },
  });
  return copyId;
}

async function instancesIn(client: RDSClient) {
  return (await client.send(new DescribeDBInstancesCommand({}))).DBInstances ?? [];
}

beforeAll(async () => {
  moto = await startMoto();
  home = new RDSClient(motoClientConfig(moto, HOME));
  dr = new RDSClient(motoClientConfig(moto, DR));
  s3 = new S3Client({ ...motoClientConfig(moto, DR), forcePathStyle: true });
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-failover-'));
  policyFile = join(dir, 'lifeboat.yml');
  await writeFile(policyFile, POLICY);
});
afterAll(async () => {
  await moto?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

let verifiedCopy: string;
let newerCopy: string;
beforeEach(async () => {
  await moto.reset();
  await createInstance(home, 'orders', { 'lifeboat:policy': 'gold' });
  await createCluster(home, 'ledger', { 'lifeboat:policy': 'silver' });
  verifiedCopy = await drCopy('instance', 'orders', '20261124t0345', {
    [TAG.verified]: minutesAgo(60).toISOString(),
  });
  newerCopy = await drCopy('instance', 'orders', '20261124t0945');
  await s3.send(
    new CreateBucketCommand({ Bucket: BUCKET, CreateBucketConfiguration: { LocationConstraint: DR } }),
  );
  topic = await watchTopic(moto, 'lifeboat-dr', DR);
});

describe('lifeboat failover --dry-run', () => {
  it('names the newest verified copy, the data-loss window and the settings, and creates nothing', async () => {
    const run = await failover('--db', 'orders', '--to', DR, '--dry-run');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`source        verified DR copy ${verifiedCopy}`);
    expect(run.stdout).toMatch(/data loss\s+writes after \S+ \(\d+ min before \S+\); RPO objective 360 min/);
    expect(run.stdout).toMatch(/new database\s+orders-failover-\d{8}t\d{4}: db\.r6g\.large, Multi-AZ/);
    expect(run.stdout).toContain('security groups sg-0123456789abcdef0');
    expect(run.stdout).toContain('deletion protection on');
    // A newer copy that was never verified is named, not taken.
    expect(run.stdout).toContain(`a newer copy ${newerCopy}`);
    // With no DR site named, the plan says there is nowhere to record or notify.
    expect(run.stdout).toContain('  record        none (no DR site bucket known)');
    expect(run.stdout).toContain("  notify        none: pass --topic-arn (the DR site's topic)");
    expect(run.stdout).toContain('Dry run: nothing was created.');
    expect((await instancesIn(dr)).map((i) => i.DBInstanceIdentifier)).toEqual([]);
  });

  it('names where the record and the notification would go, and writes and publishes nothing', async () => {
    const run = await failover('--db', 'orders', '--to', DR, '--dry-run', '--reports-bucket', BUCKET);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`  record        s3://${BUCKET}/failovers/orders/`);
    expect(run.stdout).toContain(
      `  notify        none: the DR site's bucket ${BUCKET} names no topic (tag lifeboat:topic-arn)`,
    );
    expect((await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }))).Contents ?? []).toEqual([]);
    expect(await topic.published()).toEqual([]);
  });

  it('with --latest takes the newer copy and says loudly that it was never verified', async () => {
    const run = await failover('--db', 'orders', '--to', DR, '--latest', '--dry-run', '--json');
    expect(run.code).toBe(0);
    const { plan } = JSON.parse(run.stdout) as {
      plan: { source: { copy: { id: string }; verified: boolean } };
    };
    expect(plan.source.copy.id).toBe(newerCopy);
    expect(plan.source.verified).toBe(false);
    expect(run.stderr).toContain(`WARNING: UNVERIFIED SOURCE: ${newerCopy} was never restored and checked`);
  });
});

describe('lifeboat failover on moto', () => {
  it('restores a DB instance from the verified DR copy, protected and tagged, and records it in the DR site', async () => {
    const run = await failoverAndWait(
      'orders',
      'orders-dr',
      '--reports-bucket',
      BUCKET,
      '--topic-arn',
      topic.topicArn,
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Available: orders-dr in eu-west-1');
    expect(run.stdout).toMatch(/endpoint\s+\S+:\d+/);
    expect(run.stdout).toMatch(
      /RTO\s+[\d.]+ min measured \(command start to available\); objective 120 min {2}\(met\)/,
    );
    expect(run.stdout).toMatch(
      /RPO\s+[\d.]+ min \(data time to command start\); objective 360 min {2}\(met\)/,
    );

    const [created] = (await dr.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'orders-dr' })))
      .DBInstances!;
    expect(created).toMatchObject({
      DBInstanceClass: 'db.r6g.large',
      MultiAZ: true,
      DeletionProtection: true,
    });
    const tags = Object.fromEntries(created!.TagList!.map((t) => [t.Key, t.Value]));
    expect(tags).toMatchObject({
      [TAG.failoverOf]: 'orders',
      [TAG.failoverSource]: verifiedCopy,
      [TAG.policy]: 'gold',
    });
    expect(tags[TAG.failover]).toMatch(/^\d{4}-/);
    expect(tags[TAG.scratch]).toBeUndefined();
    // The source region is untouched: only the original instance there.
    expect((await instancesIn(home)).map((i) => i.DBInstanceIdentifier)).toEqual(['orders']);

    const keys = (await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }))).Contents!.map((o) => o.Key);
    expect(keys).toEqual([expect.stringMatching(/^failovers\/orders\/\d{4}-.*\.json$/)]);
    const record = JSON.parse(
      await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: keys[0] }))).Body!.transformToString(),
    );
    expect(record).toMatchObject({
      type: 'failover',
      database: 'orders',
      newDatabase: 'orders-dr',
      state: 'available',
      source: { type: 'snapshot', id: verifiedCopy, verified: true },
      objectives: { rpoMinutes: 360, rtoMinutes: 120 },
    });
    expect(record.measured.rtoMinutes).toBeGreaterThanOrEqual(0);
    expect(record.measured.rpoMet).toBe(true);
    const [told] = await topic.published();
    expect(told).toMatchObject({
      kind: 'failover.done',
      database: 'orders',
      region: DR,
      severity: 'warning',
    });
    expect(told!.details).toMatchObject({ newDatabase: 'orders-dr', record: keys[0] });
  });

  it('restores an Aurora cluster from its DR copy and creates the instances the policy lists', async () => {
    const copy = await drCopy('cluster', 'ledger', '20261124t0300');
    const run = await failoverAndWait('ledger', 'ledger-dr');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`UNVERIFIED DR copy ${copy}`);
    expect(run.stdout).toContain('No failover record stored: pass --reports-bucket');
    const [cluster] = (await dr.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'ledger-dr' })))
      .DBClusters!;
    expect(cluster!.DeletionProtection).toBe(true);
    expect(Object.fromEntries(cluster!.TagList!.map((t) => [t.Key, t.Value]))).toMatchObject({
      [TAG.failoverOf]: 'ledger',
    });
    const members = (await instancesIn(dr))
      .filter((i) => i.DBClusterIdentifier === 'ledger-dr')
      .map((i) => [i.DBInstanceIdentifier, i.DBInstanceClass, i.PromotionTier ?? null])
      .sort();
    expect(members).toEqual([
      ['ledger-dr-1', 'db.r6g.large', expect.anything()],
      ['ledger-dr-2', 'db.r6g.xlarge', 1],
    ]);
  });

  it('follows, on a rerun with the same --name, the database its first run created', async () => {
    expect((await failover('--db', 'orders', '--to', DR, '--name', 'orders-dr')).code).toBe(0);
    const again = await failoverAndWait('orders', 'orders-dr');
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    expect((await instancesIn(dr)).map((i) => i.DBInstanceIdentifier)).toEqual(['orders-dr']);
  });

  it('leaves the failover database out of reach of the scratch guards, even tagged as scratch', async () => {
    expect((await failover('--db', 'orders', '--to', DR, '--name', 'orders-dr')).code).toBe(0);
    const restorer = new RdsScratchRestorer({ region: DR, client: dr });
    const { AddTagsToResourceCommand } = await import('@aws-sdk/client-rds');
    const [created] = await instancesIn(dr);
    await dr.send(
      new AddTagsToResourceCommand({
        ResourceName: created!.DBInstanceArn!,
        Tags: [{ Key: TAG.scratch, Value: 'true' }],
      }),
    );
    await expect(restorer.deleteScratch('instance', 'orders-dr')).rejects.toThrow(GuardRefusedError);
    await expect(restorer.deleteScratch('instance', 'orders-dr')).rejects.toThrow(/failover database/);
    expect((await restorer.listScratch()).map((s) => s.id)).toEqual([]);
    expect((await instancesIn(dr)).map((i) => i.DBInstanceIdentifier)).toEqual(['orders-dr']);
  });
});

/** The failover records in a bucket of moto. */
async function recordsIn(bucket: string): Promise<string[]> {
  const { Contents = [] } = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  return Contents.map((o) => o.Key!);
}

async function createBucket(bucket: string, tags?: Record<string, string>): Promise<void> {
  await s3.send(
    new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: DR } }),
  );
  if (tags) {
    await s3.send(
      new PutBucketTaggingCommand({
        Bucket: bucket,
        Tagging: { TagSet: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) },
      }),
    );
  }
}

/*
 * The DR site's reports bucket carries its topic's ARN (tag lifeboat:topic-arn, set by
 * CloudFormation: deploy/resources/core.yml), so that an operator in an outage needs neither.
 */
describe("lifeboat failover finds the DR site's topic on its reports bucket", () => {
  // A DR site in the DR region of this (moto's) account, as the primary's policy file names it.
  const SITE_BUCKET = drSiteBucketName('dev', '123456789012', DR);
  const withDrSite = `drSites: [{ account: '123456789012', region: ${DR} }]\n${POLICY}`;

  it('publishes to the topic the bucket named by drSites and --stage is tagged with, and records there', async () => {
    await createBucket(SITE_BUCKET, { [TAG.topicArn]: topic.topicArn, team: 'dba' });
    await writeFile(policyFile, withDrSite);
    try {
      const run = await failoverAndWait('orders', 'orders-dr', '--stage', 'dev');
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(
        `Notification to ${topic.topicArn} (tag lifeboat:topic-arn of the DR site's bucket ${SITE_BUCKET}).`,
      );
      expect(run.stdout).not.toContain('No notification sent');
      const keys = await recordsIn(SITE_BUCKET);
      expect(keys).toEqual([expect.stringMatching(/^failovers\/orders\/\d{4}-.*\.json$/)]);
      const [told, ...more] = await topic.published();
      expect(more).toEqual([]);
      expect(told).toMatchObject({ kind: 'failover.done', database: 'orders', region: DR });
      expect(told!.details).toMatchObject({ newDatabase: 'orders-dr', record: keys[0] });
    } finally {
      await writeFile(policyFile, POLICY);
    }
  });

  it('takes --topic-arn over the tag', async () => {
    const other = await watchTopic(moto, 'lifeboat-dr-on-call', DR);
    await createBucket(SITE_BUCKET, { [TAG.topicArn]: topic.topicArn });

    const run = await failoverAndWait(
      'orders',
      'orders-dr',
      '--reports-bucket',
      SITE_BUCKET,
      '--topic-arn',
      other.topicArn,
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('Notification to');
    expect((await other.published()).map((n) => n.kind)).toEqual(['failover.done']);
    expect(await topic.published()).toEqual([]);
  });

  it('says in one line that an untagged bucket names no topic, records there, and still succeeds', async () => {
    const run = await failoverAndWait('orders', 'orders-dr', '--reports-bucket', BUCKET);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Available: orders-dr in eu-west-1');
    const said = run.stdout.split('\n').filter((line) => line.startsWith('No notification sent'));
    expect(said).toEqual([
      `No notification sent: the DR site's bucket ${BUCKET} names no topic (tag lifeboat:topic-arn); pass --topic-arn (the DR site's topic).`,
    ]);
    expect(await recordsIn(BUCKET)).toHaveLength(1);
    expect(await topic.published()).toEqual([]);
  });

  it('says so when the bucket cannot be read, and the failover itself still succeeds', async () => {
    const run = await failoverAndWait('orders', 'orders-dr', '--reports-bucket', 'lifeboat-no-such-bucket');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Available: orders-dr in eu-west-1');
    expect(run.stdout).toMatch(
      /^No notification sent: the tags of the DR site's bucket lifeboat-no-such-bucket could not be read \(NoSuchBucket[^)]*\); pass --topic-arn/m,
    );
    // The record cannot be written there either: said on stderr, not a failed failover.
    expect(run.stderr).toMatch(/^lifeboat: the failover record could not be written/);
    expect((await instancesIn(dr)).map((i) => i.DBInstanceIdentifier)).toEqual(['orders-dr']);
    expect(await topic.published()).toEqual([]);
  });
});

describe('lifeboat failover: bad input is exit 2, one line, and creates nothing', () => {
  it.each([
    [
      ['--db', 'nope', '--to', DR],
      /^lifeboat: unknown database nope: neither a DR copy nor replicated automated backups of it in eu-west-1\n$/,
    ],
    [
      ['--db', 'orders', '--to', 'eu-central-1'],
      /^lifeboat: eu-central-1 is not a copy target in the policy file \(targets: eu-west-1, eu-west-1\/222222222222\)\n$/,
    ],
    [['--db', 'orders', '--to', 'europe'], /^lifeboat: --to "europe" is not a region or account\/region/],
    [
      ['--db', 'orders', '--to', DR, '--time', '2026-11-24T09:00:00Z'],
      /^lifeboat: --time needs replicated automated backups of orders in eu-west-1, and there are none usable; restore a copy instead with --snapshot/,
    ],
    [
      ['--db', 'orders', '--to', DR, '--time', 'yesterday'],
      /^lifeboat: --time "yesterday" is not an ISO 8601 time/,
    ],
    [
      ['--db', 'orders', '--to', DR, '--snapshot', 'lifeboat-orders-x'],
      /^lifeboat: --snapshot lifeboat-orders-x: no copy of orders of that name in eu-west-1/,
    ],
    [
      ['--db', 'orders', '--to', DR, '--name', 'lbs-orders'],
      /^lifeboat: --name "lbs-orders" starts with lbs-, a prefix Lifeboat's roles act on/,
    ],
    [
      ['--db', 'orders', '--to', `333333333333/${DR}`],
      /^lifeboat: eu-west-1\/333333333333 is not a copy target/,
    ],
    [
      ['--db', 'orders', '--to', `222222222222/${DR}`],
      /^lifeboat: the credentials are of account 123456789012, but --to names account 222222222222: use a profile of the DR account/,
    ],
  ])('%j', async (args, message) => {
    const run = await failover(...args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(await instancesIn(dr)).toEqual([]);
  });

  it('refuses a target without failover settings, naming the key', async () => {
    await writeFile(
      policyFile,
      POLICY.replace(
        / {8}failover:\n {10}instanceClass: db.r6g.large\n {10}multiAz: true\n {10}securityGroups: \[sg-0123456789abcdef0\]\n/,
        '',
      ),
    );
    try {
      const run = await failover('--db', 'orders', '--to', DR);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(
        /^lifeboat: policies\.gold\.copies\[0\]\.failover is not set: give the new database's instanceClass/,
      );
      expect(await instancesIn(dr)).toEqual([]);
    } finally {
      await writeFile(policyFile, POLICY);
    }
  });

  it('refuses --time with --snapshot before reading anything', async () => {
    const run = await failover(
      '--db',
      'orders',
      '--to',
      DR,
      '--time',
      '2026-11-24T09:00:00Z',
      '--snapshot',
      'x',
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/cannot be used with/);
  });
});
