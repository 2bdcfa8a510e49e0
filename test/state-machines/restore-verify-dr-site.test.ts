import {
  CreateDBSnapshotCommand,
  DeleteDBInstanceCommand,
  DescribeDBInstancesCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import pg from 'pg';
import { beforeEach, describe, expect, it } from 'vitest';
import { RdsScratchRestorer } from '../../lib/adapters/aws/rds-restores.js';
import { RdsSnapshotStore } from '../../lib/adapters/aws/rds-snapshots.js';
import { S3ReportStore } from '../../lib/adapters/aws/s3-reports.js';
import { runRestoreVerifyLocally } from '../../lib/adapters/local-state-machine.js';
import { validatePolicyFile } from '../../lib/core/policy/parse.js';
import type { ScratchRestorer } from '../../lib/core/ports.js';
import type { RestoreVerifyReport } from '../../lib/core/report/report.js';
import { TAG } from '../../lib/core/tags.js';
import type { RestoreVerifyDeps } from '../../lib/core/use-cases/restore-verify/types.js';
import { motoClientConfig } from '../support/moto.js';
import { createSubnetGroup } from '../support/moto-network.js';
import { createInstance } from '../support/rds-fixtures.js';
import {
  BUCKET,
  INSTANCE,
  POLICIES,
  publishedNotifications,
  restorerWith,
  useRestoreVerifyServers,
} from './restore-verify-fixture.js';

/*
 * The restore-verify ASL executed as a DR site runs it: in the DR account 222222222222, eu-west-1,
 * with its own RDS (moto's account for that id, by moto's x-moto-account-id header), its own
 * reports bucket and no role in any other account. The primary (the fixture's us-east-1 in moto's
 * default account) verifies its snapshot first; its reports reach the DR site's bucket as S3
 * replication would put them (same keys, copied here: moto does not replicate).
 */
const DR_ACCOUNT = '222222222222';
const DR_REGION = 'eu-west-1';
const DR_BUCKET = 'lifeboat-test-reports-222222222222-eu-west-1';
const TARGET = `${DR_ACCOUNT}/${DR_REGION}`;
const COPY = 'lifeboat-app-db-20260101t000000z';

const gold = POLICIES.policies.gold!;
const DR_POLICIES = validatePolicyFile({
  site: {
    kind: 'dr',
    region: DR_REGION,
    primary: { account: '123456789012', region: 'us-east-1' },
    account: DR_ACCOUNT,
  },
  policies: {
    gold: {
      ...gold,
      copies: [
        {
          region: DR_REGION,
          account: DR_ACCOUNT,
          shareKmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/66666666-7777-8888-9999-000000000000',
          targetShareKmsKeyId: 'arn:aws:kms:eu-west-1:123456789012:key/77777777-8888-9999-0000-111111111111',
          kmsKeyId: 'arn:aws:kms:eu-west-1:222222222222:key/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
          verify: {
            subnetGroup: 'lifeboat-dr-scratch',
            securityGroups: ['sg-0fedcba9876543210'],
            instanceClass: 'db.t4g.large',
            tls: 'require',
          },
        },
      ],
    },
  },
});

const live = useRestoreVerifyServers();

interface DrSite {
  rds: RDSClient;
  s3: S3Client;
  deps: RestoreVerifyDeps;
  /** The restore requests the DR site's restorer sent to RDS. */
  restores: Array<Parameters<ScratchRestorer['startRestore']>[0]>;
}
let dr: DrSite;

/** An SDK client of the DR account: moto keeps each account apart by this header. */
function inDrAccount<T extends RDSClient | S3Client>(client: T): T {
  const stack = client.middlewareStack as unknown as RDSClient['middlewareStack'];
  stack.add(
    (next) => (args) => {
      (args.request as { headers: Record<string, string> }).headers['x-moto-account-id'] = DR_ACCOUNT;
      return next(args);
    },
    { step: 'build', name: 'motoDrAccount' },
  );
  return client;
}

/**
 * The DR copy the primary's copy function made: a managed snapshot in the DR account with the copy
 * tags, of a database that does not exist there (made from a stand-in, deleted again).
 */
async function holdDrCopy(rds: RDSClient): Promise<void> {
  await createInstance(rds, INSTANCE);
  await rds.send(
    new CreateDBSnapshotCommand({
      DBInstanceIdentifier: INSTANCE,
      DBSnapshotIdentifier: COPY,
      Tags: Object.entries({
        [TAG.managed]: 'true',
        [TAG.policy]: 'gold',
        [TAG.source]: INSTANCE,
        [TAG.sourceArn]: `arn:aws:rds:us-east-1:123456789012:db:${INSTANCE}`,
        [TAG.tier]: 'dr-account',
        [TAG.origin]: live.fixture.snapshotId,
        [TAG.copyOf]: `arn:aws:rds:us-east-1:123456789012:snapshot:${live.fixture.snapshotId}-share-${DR_ACCOUNT}`,
        [TAG.target]: TARGET,
        [TAG.scheduledAt]: '2026-01-01T00:00:00.000Z',
      }).map(([Key, Value]) => ({ Key, Value })),
    }),
  );
  await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: INSTANCE, SkipFinalSnapshot: true }));
}

beforeEach(async () => {
  const config = motoClientConfig(live.moto, DR_REGION);
  const rds = inDrAccount(new RDSClient(config));
  const s3 = inDrAccount(new S3Client({ ...config, forcePathStyle: true }));
  await s3.send(
    new CreateBucketCommand({
      Bucket: DR_BUCKET,
      CreateBucketConfiguration: { LocationConstraint: DR_REGION },
    }),
  );
  await holdDrCopy(rds);
  await createSubnetGroup(live.moto, rds, { region: DR_REGION, account: DR_ACCOUNT }, 'lifeboat-dr-scratch');
  const real = new RdsScratchRestorer({ client: rds, region: DR_REGION });
  const restores: DrSite['restores'] = [];
  const restorer = restorerWith(real, {
    startRestore: (request) => {
      restores.push(request);
      return real.startRestore(request);
    },
  });
  const { siteFor: _none, ...primary } = live.fixture.deps;
  dr = {
    rds,
    s3,
    restores,
    deps: {
      ...primary,
      policies: DR_POLICIES,
      snapshots: new RdsSnapshotStore({ client: rds, region: DR_REGION }),
      restorer,
      tagger: real,
      reports: new S3ReportStore({ client: s3, bucket: DR_BUCKET }),
      account: DR_ACCOUNT,
      region: DR_REGION,
    },
  };
});

async function keysIn(s3: S3Client, bucket: string): Promise<string[]> {
  const answer = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'reports/' }));
  return (answer.Contents ?? []).map((o) => o.Key!).sort();
}

/** What S3 replication does with the primary's reports/: the same objects, by the same keys. */
async function replicatePrimaryReports(): Promise<string[]> {
  const keys = await keysIn(live.fixture.s3, BUCKET);
  for (const key of keys) await dr.deps.reports.put(key, await live.fixture.deps.reports.get(key));
  return keys;
}

async function drReports(): Promise<Array<{ key: string; report: RestoreVerifyReport }>> {
  const keys = await keysIn(dr.s3, DR_BUCKET);
  const reports = await Promise.all(
    keys.map(async (key) => ({ key, report: (await dr.deps.reports.get(key)) as RestoreVerifyReport })),
  );
  return reports.filter(({ report }) => report.target === TARGET);
}

async function drScratchLeft(): Promise<string[]> {
  const instances = (await dr.rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? [];
  return instances.map((i) => i.DBInstanceIdentifier!);
}

async function changeRow(): Promise<void> {
  const app = new pg.Client({ connectionString: live.server.urlFor('app') });
  await app.connect();
  await app.query(`UPDATE customers SET name = 'changed' WHERE id = 7`);
  await app.end();
}

describe('restore-verify at a DR site', () => {
  it("restores the DR copy it holds with the target's settings and matches the primary's replicated report exactly", async () => {
    const primaryRun = await runRestoreVerifyLocally({ source: INSTANCE }, live.fixture.deps);
    expect(primaryRun.status).toBe('SUCCEEDED');
    const [primaryKey] = await replicatePrimaryReports();
    await new Promise((r) => setTimeout(r, 1100)); // report keys have a one-second resolution
    await publishedNotifications(live.fixture);

    const run = await runRestoreVerifyLocally({ source: INSTANCE }, dr.deps);

    expect(run.error).toBeUndefined();
    expect(run.status).toBe('SUCCEEDED');
    expect(dr.restores).toHaveLength(1);
    expect(dr.restores[0]).toMatchObject({
      snapshotId: COPY,
      subnetGroup: 'lifeboat-dr-scratch',
      securityGroupIds: ['sg-0fedcba9876543210'],
      instanceClass: 'db.t4g.large',
    });
    const [{ report }] = (await drReports()) as unknown as [{ report: RestoreVerifyReport }];
    expect(report.verdict).toBe('passed');
    expect(report.snapshot).toMatchObject({ id: COPY, origin: live.fixture.snapshotId });
    expect(report.baseline).toEqual({ key: primaryKey, mode: 'exact' });
    expect(report.baselineReason).toBeUndefined();
    expect(report.comparison.databases.flatMap((d) => d.comparison.tables.map((t) => t.verdict))).toEqual(
      expect.arrayContaining(['exact']),
    );
    expect(report.comparison.verdict).toBe('same');
    expect(await drScratchLeft()).toEqual([]);
    const [notification] = await publishedNotifications(live.fixture);
    expect(notification).toMatchObject({ kind: 'restore-verify.passed', database: INSTANCE });
  });

  it("connects with the target's tls setting", async () => {
    const seen: string[] = [];
    const connections = dr.deps.connections;
    const run = await runRestoreVerifyLocally(
      { source: INSTANCE },
      {
        ...dr.deps,
        connections: {
          connectionFor: (scratch, credentials, database, options) => {
            seen.push(String(options?.tls));
            return connections.connectionFor(scratch, credentials, database, options);
          },
        },
      },
    );

    expect(run.status).toBe('SUCCEEDED');
    expect(new Set(seen)).toEqual(new Set(['require']));
  });

  it("without the primary's report, says why it was not compared exactly and holds it to the previous report", async () => {
    const first = await runRestoreVerifyLocally({ source: INSTANCE }, dr.deps);
    await new Promise((r) => setTimeout(r, 1100));
    const second = await runRestoreVerifyLocally({ source: INSTANCE }, dr.deps);

    expect([first.status, second.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    const [one, two] = (await drReports()) as Array<{ key: string; report: RestoreVerifyReport }>;
    expect(one!.report.baseline).toBeNull();
    expect(one!.report.baselineReason).toMatch(
      new RegExp(`^not compared exactly: no report of snapshot ${live.fixture.snapshotId} from the primary`),
    );
    expect(one!.report.baselineReason).toContain(
      'no previous report either: only the expectations were checked',
    );
    expect(two!.report.baseline).toEqual({ key: one!.key, mode: 'previous-report' });
    expect(two!.report.baselineReason).toContain(`held to the previous report ${one!.key} instead`);
    const notifications = await publishedNotifications(live.fixture);
    expect(notifications.map((n) => n.summary).join('\n')).toContain('not compared exactly');
  });

  it("fails on data that differs from the primary's report of the same snapshot, and deletes the scratch", async () => {
    await runRestoreVerifyLocally({ source: INSTANCE }, live.fixture.deps);
    await replicatePrimaryReports();
    await changeRow();

    const run = await runRestoreVerifyLocally({ source: INSTANCE }, dr.deps);

    expect(run.status).toBe('FAILED');
    expect(run.states).toContain('DeleteScratch');
    const [{ report }] = (await drReports()) as unknown as [{ report: RestoreVerifyReport }];
    expect(report.verdict).toBe('failed');
    expect(report.baseline?.mode).toBe('exact');
    expect(report.comparison.verdict).toBe('different');
    expect(await drScratchLeft()).toEqual([]);
  });

  it.each([
    [
      'the scratch never becomes reachable',
      { describeScratch: () => Promise.reject(new Error('RDS is down')) },
    ],
    ['the password cannot be set', { setMasterPassword: () => Promise.reject(new Error('AccessDenied')) }],
  ])('still deletes the scratch when %s', async (_case, failing) => {
    const restorer = restorerWith(dr.deps.restorer, failing);

    const run = await runRestoreVerifyLocally({ source: INSTANCE }, { ...dr.deps, restorer });

    expect(run.status).toBe('FAILED');
    expect(run.states.slice(-4)).toEqual(['DeleteScratch', 'PublishOutcome', 'Passed', 'Failed']);
    expect(await drScratchLeft()).toEqual([]);
  });

  it('still deletes the scratch when fingerprinting fails (a database the policy names is missing)', async () => {
    const admin = new pg.Client({ connectionString: live.server.url });
    await admin.connect();
    await admin.query('DROP DATABASE crm');
    await admin.end();

    const run = await runRestoreVerifyLocally({ source: INSTANCE }, dr.deps);

    expect(run.status).toBe('FAILED');
    expect(run.states).toContain('DeleteScratch');
    expect(await drScratchLeft()).toEqual([]);
  });

  it('refuses another target, a point in time, and a database it holds no copy of, creating nothing', async () => {
    for (const [input, message] of [
      [
        { source: INSTANCE, target: 'primary' },
        `this DR site restores only the copies it holds, at target ${TARGET}`,
      ],
      [
        { source: INSTANCE, pointInTime: '2026-01-01T00:00:00Z' },
        'pointInTime: policy "gold" replicates no automated backups to this DR site (eu-west-1): its copy target here has no pointInTime, so its copies are snapshots: give "snapshot"',
      ],
      [{ source: 'other-db' }, 'this DR site (eu-west-1) holds no copy of it'],
    ] as const) {
      const run = await runRestoreVerifyLocally(input, dr.deps);

      expect(run.status).toBe('FAILED');
      expect(run.error?.cause).toContain(message);
    }
    expect(dr.restores).toEqual([]);
  });

  it('expands a scheduled policy run into the databases whose copies it holds', async () => {
    const started: string[] = [];
    const run = await runRestoreVerifyLocally(
      { policy: 'gold' },
      {
        ...dr.deps,
        starter: {
          start: async (name, input) => (
            started.push(`${name} ${JSON.stringify(input)}`),
            { executionId: name }
          ),
        },
      },
    );

    expect(run.status).toBe('SUCCEEDED');
    expect(started).toHaveLength(1);
    expect(started[0]).toMatch(/^gold-app-db-\d{8}T\d{6}Z \{"source":"app-db","policy":"gold"\}$/);
  });
});
