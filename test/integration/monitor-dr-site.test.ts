import {
  CreateDBInstanceCommand,
  CreateDBSnapshotCommand,
  DescribeDBInstanceAutomatedBackupsCommand,
  DescribeDBInstancesCommand,
  RDSClient,
  type DBInstanceAutomatedBackup,
  type Tag,
} from '@aws-sdk/client-rds';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RdsBackupReplication } from '../../lib/adapters/aws/rds-backup-replication.js';
import { RdsScratchRestorer } from '../../lib/adapters/aws/rds-restores.js';
import { RdsSnapshotStore } from '../../lib/adapters/aws/rds-snapshots.js';
import { S3ReportStore } from '../../lib/adapters/aws/s3-reports.js';
import { SnsNotifier } from '../../lib/adapters/aws/sns-notifier.js';
import { drSiteMonitoring } from '../../lib/core/monitor/dr-site.js';
import { recoveryMetrics } from '../../lib/core/monitor/metrics.js';
import { runMonitor, type MonitorPorts } from '../../lib/core/monitor/run.js';
import type { Notification } from '../../lib/core/notification/message.js';
import { validatePolicyFile } from '../../lib/core/policy/parse.js';
import { isDrSite } from '../../lib/core/policy/site.js';
import { TAG } from '../../lib/core/tags.js';
import { motoClientConfig, startMoto, type Moto } from '../support/moto.js';
import { watchTopic, type WatchedTopic } from '../support/topic.js';

/*
 * A DR site's monitor (DR region eu-west-1 of the primary's account) on moto: the age of the data
 * in its newest copy against rpoMinutes, the last restore verified here (not the primary's
 * replicated reports) against the verify period and rtoMinutes; each told once and cleared once.
 */
const REGION = 'eu-west-1';
const file = validatePolicyFile({
  site: { kind: 'dr', region: REGION, primary: { account: '123456789012', region: 'us-east-1' } },
  policies: {
    gold: {
      select: { tags: { 'lifeboat:policy': 'gold' } },
      schedule: 'cron(0 * * * ? *)',
      rpoMinutes: 60,
      rtoMinutes: 30,
      retention: { daily: 7 },
      copies: [
        {
          region: REGION,
          kmsKeyId: 'alias/lifeboat-dr',
          verify: { subnetGroup: 'lifeboat-dr-scratch', schedule: 'cron(0 3 * * ? *)' },
        },
      ],
      verify: { schedule: 'cron(0 3 ? * SUN *)', instanceClass: 'db.t4g.medium', databases: ['app'] },
    },
  },
});
if (!isDrSite(file)) throw new Error('expected a DR site policy file');

let moto: Moto;
let rds: RDSClient;
let topic: WatchedTopic;
let reports: S3ReportStore;
let ports: MonitorPorts;

const minutes = (n: number) => n * 60_000;
const tags = (record: Record<string, string>): Tag[] =>
  Object.entries(record).map(([Key, Value]) => ({ Key, Value }));
const kinds = (notifications: Notification[]) => notifications.map((n) => n.kind).sort();

/**
 * A DR copy the primary made here of `of.source` under `of.policy`, holding data of `takenAt`
 * (moto snapshots the stand-in instance).
 */
async function drCopy(
  id: string,
  takenAt: Date,
  of: { source: string; policy: string; sourceArn?: string } = { source: 'orders-db', policy: 'gold' },
) {
  await rds.send(
    new CreateDBSnapshotCommand({
      DBInstanceIdentifier: 'orders-db',
      DBSnapshotIdentifier: id,
      Tags: tags({
        [TAG.managed]: 'true',
        [TAG.policy]: of.policy,
        [TAG.source]: of.source,
        [TAG.tier]: 'dr-region',
        [TAG.scheduledAt]: takenAt.toISOString(),
        ...(of.sourceArn ? { [TAG.sourceArn]: of.sourceArn } : {}),
      }),
    }),
  );
}

function report(target: string, verifiedAt: Date, rtoMinutes: number) {
  return {
    version: 1,
    verdict: 'passed',
    target,
    finishedAt: verifiedAt.toISOString(),
    rto: { verifiedAt: verifiedAt.toISOString(), minutes: rtoMinutes },
    snapshot: { id: 'lifeboat-orders-db-x' },
  };
}

beforeAll(async () => {
  moto = await startMoto();
  const config = motoClientConfig(moto, REGION);
  rds = new RDSClient(config);
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  await s3.send(
    new CreateBucketCommand({
      Bucket: 'dr-reports',
      CreateBucketConfiguration: { LocationConstraint: REGION },
    }),
  );
  topic = await watchTopic(moto);
  reports = new S3ReportStore({ bucket: 'dr-reports', client: s3 });
  // A stand-in for the primary's database, so that moto can make the copies; the DR site ignores it.
  await rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: 'orders-db',
      DBInstanceClass: 'db.t4g.micro',
      Engine: 'postgres',
      AllocatedStorage: 20,
      MasterUsername: 'lifeboat',
      MasterUserPassword: 'not-a-secret-1',
    }),
  );
  const store = new RdsSnapshotStore({ region: REGION, client: rds });
  // targetStores and scratchSites come from drSiteMonitoring: none (the first test).
  ports = {
    policies: file,
    store,
    reports,
    scratch: new RdsScratchRestorer({ region: REGION, client: rds }),
    quotas: { accountQuotas: async () => [{ name: 'ManualSnapshots', used: 5, max: 100 }] },
    notifier: new SnsNotifier({
      topicArn: topic.topicArn,
      client: new SNSClient(motoClientConfig(moto)),
    }),
    where: { account: '123456789012', region: REGION },
    ...drSiteMonitoring({ policies: file, region: REGION, store, reports }),
  };
}, 60_000);

afterAll(async () => {
  await moto?.stop();
});

describe('the DR site monitor', () => {
  it('reaches no copy target and no other region: no DR role is assumed', () => {
    expect(ports.targetStores(file.policies.gold!)).toEqual([]);
    expect(ports.scratchSites).toEqual([]);
  });

  it("tells an old copy, a missing verification and a slow restore once each, ignores the primary's reports, and clears them once", async () => {
    const start = new Date();
    await drCopy('lifeboat-orders-db-old', new Date(start.getTime() - minutes(120)));
    // The primary's replicated report: its verification is not this site's.
    await reports.put('reports/orders-db/20260101T000000Z.json', report('primary', start, 10));

    const first = await runMonitor(ports, start);
    expect(first.errors).toEqual([]);
    expect(kinds(await topic.published())).toEqual(['rpo.breach', 'verify.stale']);
    expect(first.recoveries).toHaveLength(1);
    expect(first.recoveries[0]).toMatchObject({
      database: 'orders-db',
      snapshot: null,
      copies: [{ target: REGION, newest: { id: 'lifeboat-orders-db-old', ageMinutes: 120 }, breached: true }],
      rto: { objectiveMinutes: 30, state: 'unknown' },
    });
    // The target's own daily verify schedule, not the policy's weekly one.
    expect(first.recoveries[0]!.verification.dueWithinMinutes).toBe(24 * 60 + 30 + 60);

    await runMonitor(ports, new Date(start.getTime() + minutes(15)));
    expect(await topic.published()).toEqual([]);

    // A new copy arrives, and a restore verified here that took longer than the RTO.
    await drCopy('lifeboat-orders-db-new', new Date(start.getTime() + minutes(10)));
    await reports.put('reports/orders-db/20260101T010000Z.json', report(REGION, start, 45));
    const third = await runMonitor(ports, new Date(start.getTime() + minutes(30)));
    const told = await topic.published();
    expect(kinds(told)).toEqual(['rpo.recovered', 'rto.breach']);
    expect(told.find((n) => n.kind === 'rto.breach')?.summary).toContain('took 45 min');
    expect(told.find((n) => n.kind === 'rpo.recovered')?.summary).toBe(
      `Back within the RPO of 60 min: copy at ${REGION} 20 min.`,
    );
    expect(third.open.sort()).toEqual(['rto:instance:orders-db']);
    expect(recoveryMetrics(third.recoveries).map((m) => [m.name, m.value, m.dimensions.Target])).toEqual([
      ['CopyAge', 20 * 60, REGION],
      ['VerifiedRestoreAge', 30 * 60, undefined],
      ['VerifiedRestoreRto', 45 * 60, undefined],
    ]);

    await runMonitor(ports, new Date(start.getTime() + minutes(45)));
    expect(await topic.published()).toEqual([]);

    await reports.put(
      'reports/orders-db/20260101T020000Z.json',
      report(REGION, new Date(start.getTime() + minutes(50)), 20),
    );
    await runMonitor(ports, new Date(start.getTime() + minutes(60)));
    expect(kinds(await topic.published())).toEqual(['rto.recovered']);
  });

  it("deletes its own expired scratch instances (the DR site's janitor)", async () => {
    await rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: 'lbs-orders-db-20260101t000000z-abcdef',
        DBInstanceClass: 'db.t4g.micro',
        Engine: 'postgres',
        AllocatedStorage: 20,
        MasterUsername: 'lifeboat',
        MasterUserPassword: 'not-a-secret-1',
        Tags: tags({ [TAG.scratch]: 'true', [TAG.expiresAt]: '2026-01-01T00:00:00.000Z' }),
      }),
    );

    const run = await runMonitor(ports, new Date());

    expect(run.scratchDeleted).toEqual(['lbs-orders-db-20260101t000000z-abcdef']);
    const left = (await rds.send(new DescribeDBInstancesCommand({}))).DBInstances!.map(
      (i) => i.DBInstanceIdentifier,
    );
    expect(left).toEqual(['orders-db']);
    expect(kinds(await topic.published())).toContain('scratch.orphaned');
  });
});

/*
 * A DR site in a DR region of the primary's account whose target has pointInTime: its monitor lists
 * the automated backups replicated into its region (read only) and holds the lag to rpoMinutes.
 * moto 5.2.1's DescribeDBInstanceAutomatedBackups knows no replicated backups (no RestoreWindow, no
 * source in another region), so this region's RDS client for that call alone is an
 * aws-sdk-client-mock answering in the documented shape
 * (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBInstanceAutomatedBackups.html,
 * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBInstanceAutomatedBackup.html); the
 * copies, reports bucket, state and topic are moto's.
 */
describe('the DR site monitor, with automated backups replicated into its region', () => {
  const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555';
  const BILLING_ARN = 'arn:aws:rds:us-east-1:123456789012:db:billing-db';
  const pitrFile = validatePolicyFile({
    site: { kind: 'dr', region: REGION, primary: { account: '123456789012', region: 'us-east-1' } },
    policies: {
      platinum: {
        select: { tags: { 'lifeboat:policy': 'platinum' } },
        schedule: 'cron(0 */6 * * ? *)',
        rpoMinutes: 60,
        rtoMinutes: 30,
        retention: { daily: 7 },
        copies: [{ region: REGION, kmsKeyId: KEY, pointInTime: { retentionDays: 7 } }],
      },
    },
  });
  if (!isDrSite(pitrFile)) throw new Error('expected a DR site policy file');
  const drRds = new RDSClient({ region: REGION, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const documented = mockClient(drRds);
  let pitrPorts: MonitorPorts;

  /** This region's answer: billing-db's replicated backups, and an instance of the region's own. */
  function replicatedHere(latest: Date) {
    const billing: DBInstanceAutomatedBackup = {
      DBInstanceArn: BILLING_ARN,
      DbiResourceId: 'db-BILLING',
      Region: 'us-east-1',
      DBInstanceIdentifier: 'billing-db',
      Status: 'replicating',
      Engine: 'postgres',
      BackupRetentionPeriod: 7,
      KmsKeyId: KEY,
      DBInstanceAutomatedBackupsArn: 'arn:aws:rds:eu-west-1:123456789012:auto-backup:ab-billing',
      RestoreWindow: { EarliestTime: new Date(latest.getTime() - minutes(600)), LatestTime: latest },
    };
    const local: DBInstanceAutomatedBackup = {
      ...billing,
      DBInstanceArn: `arn:aws:rds:${REGION}:123456789012:db:ledger-db`,
      DBInstanceIdentifier: 'ledger-db',
      Region: REGION,
      Status: 'active',
      DBInstanceAutomatedBackupsArn: 'arn:aws:rds:eu-west-1:123456789012:auto-backup:ab-local',
    };
    documented
      .on(DescribeDBInstanceAutomatedBackupsCommand)
      .resolves({ DBInstanceAutomatedBackups: [billing, local] });
  }

  beforeAll(async () => {
    const s3 = new S3Client({ ...motoClientConfig(moto, REGION), forcePathStyle: true });
    await s3.send(
      new CreateBucketCommand({
        Bucket: 'dr-reports-pitr',
        CreateBucketConfiguration: { LocationConstraint: REGION },
      }),
    );
    const pitrReports = new S3ReportStore({ bucket: 'dr-reports-pitr', client: s3 });
    const store = new RdsSnapshotStore({ region: REGION, client: rds });
    pitrPorts = {
      ...ports,
      policies: pitrFile,
      reports: pitrReports,
      ...drSiteMonitoring({
        policies: pitrFile,
        region: REGION,
        store,
        reports: pitrReports,
        replication: new RdsBackupReplication({ region: REGION, client: drRds }),
      }),
    };
    await topic.published();
  });

  it('tells a lag over rpoMinutes once, keeps it open while the backups cannot be listed, and clears it once', async () => {
    const start = new Date();
    // billing-db's copy is older than the RPO, but the replicated backups decide while they are fed.
    await drCopy('lifeboat-billing-db-a', new Date(start.getTime() - minutes(300)), {
      source: 'billing-db',
      policy: 'platinum',
      sourceArn: BILLING_ARN,
    });
    // ledger-db's copy is recent; nothing of it is replicated here (its copies carry no source ARN).
    await drCopy('lifeboat-ledger-db-a', new Date(start.getTime() - minutes(5)), {
      source: 'ledger-db',
      policy: 'platinum',
    });
    replicatedHere(new Date(start.getTime() - minutes(90)));

    const first = await runMonitor(pitrPorts, start);
    expect(first.errors).toEqual([]);
    const told = await topic.published();
    expect(kinds(told)).toEqual(['rpo.breach']);
    expect(told[0]!.summary).toBe(
      `RPO of 60 min breached: point-in-time restores at ${REGION} are 90 min behind (replicated latest restorable time ${new Date(start.getTime() - minutes(90)).toISOString()}).`,
    );
    const billing = () => first.recoveries.find((r) => r.database === 'billing-db')!;
    expect(billing().pointInTime).toEqual([
      {
        target: REGION,
        state: 'running',
        latestRestorableTime: new Date(start.getTime() - minutes(90)).toISOString(),
        lagMinutes: 90,
        backupArn: 'arn:aws:rds:eu-west-1:123456789012:auto-backup:ab-billing',
      },
    ]);
    // Never silently absent: the database whose backups are not replicated here says so.
    expect(first.recoveries.find((r) => r.database === 'ledger-db')).toMatchObject({
      rpo: { state: 'ok' },
      pointInTime: [
        {
          target: REGION,
          state: 'not-running',
          lagMinutes: null,
          detail: expect.stringContaining(
            'no automated backups of ledger-db are replicated here from us-east-1',
          ),
        },
      ],
    });
    expect(
      recoveryMetrics(first.recoveries)
        .filter((m) => m.name === 'PointInTimeLag')
        .map((m) => [m.value, m.dimensions]),
    ).toEqual([
      [90 * 60, { Database: 'billing-db', Policy: 'platinum', Target: REGION }],
      [90 * 60, { Policy: 'platinum', Target: REGION }],
    ]);
    // Listed only: the DR site never starts a replication.
    expect(documented.calls().map((call) => call.args[0].constructor.name)).toEqual([
      'DescribeDBInstanceAutomatedBackupsCommand',
    ]);

    replicatedHere(new Date(start.getTime() - minutes(90)));
    await runMonitor(pitrPorts, new Date(start.getTime() + minutes(15)));
    expect(await topic.published()).toEqual([]);

    // The listing fails: the run is incomplete, the breach stays open and is not told again.
    documented
      .on(DescribeDBInstanceAutomatedBackupsCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const unreadable = await runMonitor(pitrPorts, new Date(start.getTime() + minutes(30)));
    expect(unreadable.errors.map((e) => e.step)).toEqual([`replicated backups ${REGION}`]);
    expect(unreadable.open).toEqual(['rpo:instance:billing-db']);
    expect(unreadable.recoveries.find((r) => r.database === 'billing-db')!.pointInTime![0]!.state).toBe(
      'unreadable',
    );
    expect(await topic.published()).toEqual([]);

    replicatedHere(new Date(start.getTime() + minutes(43)));
    const recovered = await runMonitor(pitrPorts, new Date(start.getTime() + minutes(45)));
    expect(recovered.open).toEqual([]);
    const cleared = await topic.published();
    expect(kinds(cleared)).toEqual(['rpo.recovered']);
    expect(cleared[0]!.summary).toBe(
      `Back within the RPO of 60 min: copy at ${REGION} 345 min, point-in-time at ${REGION} 2 min behind.`,
    );

    // Failing again with nothing open: the copy alone, 350 min old, opens no breach either.
    documented
      .on(DescribeDBInstanceAutomatedBackupsCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const again = await runMonitor(pitrPorts, new Date(start.getTime() + minutes(50)));
    expect(again.recoveries.find((r) => r.database === 'billing-db')!.rpo.state).toBe('breach');
    expect(again.open).toEqual([]);
    expect(await topic.published()).toEqual([]);
  });
});
