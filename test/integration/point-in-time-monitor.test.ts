import {
  CreateDBSnapshotCommand,
  ModifyDBInstanceCommand,
  DescribeDBInstanceAutomatedBackupsCommand,
  RDSClient,
  StartDBInstanceAutomatedBackupsReplicationCommand,
  type DBInstanceAutomatedBackup,
  type Tag,
} from '@aws-sdk/client-rds';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RdsBackupReplication } from '../../lib/adapters/aws/rds-backup-replication.js';
import { RdsScratchRestorer } from '../../lib/adapters/aws/rds-restores.js';
import { RdsSnapshotStore } from '../../lib/adapters/aws/rds-snapshots.js';
import { S3ReportStore } from '../../lib/adapters/aws/s3-reports.js';
import { SnsNotifier } from '../../lib/adapters/aws/sns-notifier.js';
import { runMonitor, type MonitorPorts } from '../../lib/core/monitor/run.js';
import type { Notification } from '../../lib/core/notification/message.js';
import { validatePolicyFile } from '../../lib/core/policy/parse.js';
import { TAG } from '../../lib/core/tags.js';
import { createInstance } from '../support/rds-fixtures.js';
import { motoClientConfig, startMoto, type Moto } from '../support/moto.js';
import { watchTopic, type WatchedTopic } from '../support/topic.js';

/*
 * The databases, snapshots, reports bucket and topic are moto's. moto 5.2.1 has no
 * StartDBInstanceAutomatedBackupsReplication, and its DescribeDBInstanceAutomatedBackups knows no
 * replicated backups (no RestoreWindow), so the DR region's RDS client alone is an
 * aws-sdk-client-mock, answering in the documented shapes:
 * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_StartDBInstanceAutomatedBackupsReplication.html
 * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBInstanceAutomatedBackup.html
 */
const DR_KEY = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555';
const policies = validatePolicyFile({
  policies: {
    gold: {
      select: { tags: { 'lifeboat:policy': 'gold' } },
      schedule: 'rate(6 hours)',
      rpoMinutes: 60,
      rtoMinutes: 30,
      retention: { daily: 7 },
      copies: [{ region: 'eu-west-1', kmsKeyId: DR_KEY, pointInTime: { retentionDays: 14 } }],
    },
    silver: {
      select: { tags: { 'lifeboat:policy': 'silver' } },
      schedule: 'rate(1 day)',
      rpoMinutes: 1500,
      rtoMinutes: 240,
      retention: { daily: 7 },
      minimumBackupRetentionDays: 7,
    },
  },
});

let moto: Moto;
let rds: RDSClient;
let topic: WatchedTopic;
let ports: MonitorPorts;
let sourceArn: string;
const drRds = new RDSClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const dr = mockClient(drRds);

const minutes = (n: number) => n * 60_000;
const tags = (record: Record<string, string>): Tag[] =>
  Object.entries(record).map(([Key, Value]) => ({ Key, Value }));

/** The DR region's answer: the replicated backups of orders-db in the given state, if any. */
function replicatedInDr(backups: DBInstanceAutomatedBackup[]) {
  dr.on(DescribeDBInstanceAutomatedBackupsCommand).resolves({ DBInstanceAutomatedBackups: backups });
}

const replicated = (status: string, latest?: Date): DBInstanceAutomatedBackup => ({
  DBInstanceArn: sourceArn,
  DbiResourceId: 'db-ORDERS',
  Region: 'us-east-1',
  DBInstanceIdentifier: 'orders-db',
  Status: status,
  BackupRetentionPeriod: 14,
  KmsKeyId: DR_KEY,
  DBInstanceAutomatedBackupsArn: 'arn:aws:rds:eu-west-1:123456789012:auto-backup:ab-orders',
  ...(latest
    ? { RestoreWindow: { EarliestTime: new Date(latest.getTime() - minutes(600)), LatestTime: latest } }
    : {}),
});

const published = (): Promise<Notification[]> => topic.published();

beforeAll(async () => {
  moto = await startMoto();
  rds = new RDSClient(motoClientConfig(moto));
  const s3 = new S3Client({ ...motoClientConfig(moto), forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: 'lifeboat-reports' }));
  topic = await watchTopic(moto);
  await createInstance(
    rds,
    'orders-db',
    { 'lifeboat:policy': 'gold' },
    { backupRetentionDays: 7, storageEncrypted: true, deletionProtection: true },
  );
  sourceArn = 'arn:aws:rds:us-east-1:123456789012:db:orders-db';
  await rds.send(
    new CreateDBSnapshotCommand({
      DBInstanceIdentifier: 'orders-db',
      DBSnapshotIdentifier: 'lifeboat-orders-db-a',
      Tags: tags({
        [TAG.managed]: 'true',
        [TAG.policy]: 'gold',
        [TAG.source]: 'orders-db',
        [TAG.tier]: 'primary',
      }),
    }),
  );
  const drStore = new RdsSnapshotStore({
    region: 'eu-west-1',
    client: new RDSClient(motoClientConfig(moto, 'eu-west-1')),
  });
  ports = {
    policies,
    store: new RdsSnapshotStore({ region: 'us-east-1', client: rds }),
    targetStores: (policy) => policy.copies.map((target) => ({ target, store: drStore })),
    replication: (target) => new RdsBackupReplication({ region: target.region, client: drRds }),
    reports: new S3ReportStore({ bucket: 'lifeboat-reports', client: s3 }),
    scratch: new RdsScratchRestorer({ region: 'us-east-1', client: rds }),
    quotas: { accountQuotas: async () => [] },
    notifier: new SnsNotifier({ topicArn: topic.topicArn, client: new SNSClient(motoClientConfig(moto)) }),
    where: { account: '123456789012', region: 'us-east-1' },
  };
});

beforeEach(() => dr.reset());
afterAll(() => moto.stop());

describe('the monitor keeps automated-backup replication on', () => {
  it('starts it for a new instance in the DR region, leaves it running, and starts it again once stopped', async () => {
    const start = new Date();
    replicatedInDr([]);
    dr.on(StartDBInstanceAutomatedBackupsReplicationCommand).resolves({
      DBInstanceAutomatedBackup: replicated('pending'),
    });

    const first = await runMonitor(ports, start);

    expect(first.errors).toEqual([]);
    expect(dr).toHaveReceivedCommandTimes(StartDBInstanceAutomatedBackupsReplicationCommand, 1);
    expect(dr).toHaveReceivedCommandWith(StartDBInstanceAutomatedBackupsReplicationCommand, {
      SourceDBInstanceArn: sourceArn,
      BackupRetentionPeriod: 14,
      KmsKeyId: DR_KEY,
    });
    expect(first.recoveries[0]!.pointInTime).toEqual([
      expect.objectContaining({ target: 'eu-west-1', state: 'starting', lagMinutes: null }),
    ]);

    dr.reset();
    replicatedInDr([replicated('active', new Date(start.getTime() + minutes(10)))]);
    const running = await runMonitor(ports, new Date(start.getTime() + minutes(15)));
    expect(dr).toHaveReceivedCommandTimes(StartDBInstanceAutomatedBackupsReplicationCommand, 0);
    expect(running.recoveries[0]!.pointInTime).toEqual([
      {
        target: 'eu-west-1',
        state: 'running',
        latestRestorableTime: new Date(start.getTime() + minutes(10)).toISOString(),
        lagMinutes: 5,
        backupArn: 'arn:aws:rds:eu-west-1:123456789012:auto-backup:ab-orders',
      },
    ]);

    dr.reset();
    replicatedInDr([replicated('retained', new Date(start.getTime() + minutes(10)))]);
    dr.on(StartDBInstanceAutomatedBackupsReplicationCommand).resolves({});
    await runMonitor(ports, new Date(start.getTime() + minutes(30)));
    expect(dr).toHaveReceivedCommandTimes(StartDBInstanceAutomatedBackupsReplicationCommand, 1);
    await published();
  });

  it('tells a PITR lag over the RPO once, and its end once', async () => {
    const start = new Date();
    // Without a running replication (and with no copy in the DR region) the RPO was breached;
    // a replication 5 minutes behind ends that.
    replicatedInDr([replicated('active', new Date(start.getTime() - minutes(5)))]);
    await runMonitor(ports, start);
    const ended = await published();
    expect(ended.map((n) => n.kind)).toEqual(['rpo.recovered']);
    expect(ended[0]!.summary).toContain('point-in-time at eu-west-1 5 min behind');

    dr.reset();
    replicatedInDr([replicated('active', new Date(start.getTime() - minutes(90)))]);
    await runMonitor(ports, start);
    const raised = await published();
    expect(raised.map((n) => n.kind)).toEqual(['rpo.breach']);
    expect(raised[0]!.summary).toContain('point-in-time restores at eu-west-1 are 90 min behind');

    await runMonitor(ports, new Date(start.getTime() + minutes(1)));
    expect(await published()).toEqual([]);

    dr.reset();
    replicatedInDr([replicated('active', new Date(start.getTime() + minutes(1)))]);
    await runMonitor(ports, new Date(start.getTime() + minutes(2)));
    expect((await published()).map((n) => n.kind)).toEqual(['rpo.recovered']);
  });

  it('fails the run with the RDS error when the replication cannot be started, and says why in the state', async () => {
    replicatedInDr([]);
    dr.on(StartDBInstanceAutomatedBackupsReplicationCommand).rejects(
      Object.assign(new Error('The specified KMS key is not accessible'), {
        name: 'KMSKeyNotAccessibleFault',
      }),
    );

    const run = await runMonitor(ports, new Date());

    expect(run.errors).toEqual([
      {
        step: 'replicate orders-db to eu-west-1',
        error: expect.stringContaining('KMS key is not accessible'),
      },
    ]);
    expect(run.recoveries[0]!.pointInTime![0]).toMatchObject({
      state: 'not-running',
      detail: expect.stringContaining('starting it failed'),
    });
    const told = (await published()).filter((n) => n.kind === 'posture.finding');
    expect(told).toEqual([
      expect.objectContaining({
        database: 'orders-db',
        details: { problem: 'pitr-not-running', target: 'eu-west-1' },
        summary: expect.stringContaining('KMS key is not accessible'),
      }),
    ]);
  });

  it("lists none of the region's own instances' automated backups as replicated ones", async () => {
    // moto lists orders-db's own automated backup here (without a DBInstanceArn, which RDS gives).
    const own = await rds.send(new DescribeDBInstanceAutomatedBackupsCommand({}));
    expect(own.DBInstanceAutomatedBackups?.map((backup) => backup.DBInstanceIdentifier)).toContain(
      'orders-db',
    );

    expect(await new RdsBackupReplication({ region: 'us-east-1', client: rds }).listReplicated()).toEqual([]);
    // The same backup as RDS describes it, with its ARN in this region, is not a replicated one either.
    dr.on(DescribeDBInstanceAutomatedBackupsCommand).resolves({
      DBInstanceAutomatedBackups: [{ ...replicated('active', new Date()), DBInstanceArn: sourceArn }],
    });
    expect(await new RdsBackupReplication({ region: 'us-east-1', client: drRds }).listReplicated()).toEqual(
      [],
    );
    expect(
      await new RdsBackupReplication({ region: 'eu-west-1', client: drRds }).listReplicated(),
    ).toHaveLength(1);
  });

  it("tells each posture finding of a database once, from RDS's own settings, and once when it is fixed", async () => {
    const start = new Date();
    replicatedInDr([replicated('active', start)]);
    await runMonitor(ports, start);
    await published();
    await createInstance(rds, 'ledger-db', { 'lifeboat:policy': 'silver' }, { backupRetentionDays: 3 });

    await runMonitor(ports, new Date(start.getTime() + minutes(15)));
    const found = (await published()).filter((n) => n.database === 'ledger-db');
    expect(found.filter((n) => n.kind === 'posture.finding').map((n) => n.details.problem)).toEqual([
      'backups-short',
      'deletion-protection-off',
      'not-encrypted',
    ]);
    expect(found.find((n) => n.details.problem === 'backups-short')).toMatchObject({
      severity: 'warning',
      summary: "Automated backups are kept 3 days, fewer than the policy's minimum of 7.",
      action: expect.stringContaining('--db-instance-identifier ledger-db --backup-retention-period 7'),
    });

    await runMonitor(ports, new Date(start.getTime() + minutes(30)));
    expect((await published()).filter((n) => n.kind.startsWith('posture.'))).toEqual([]);

    await rds.send(
      new ModifyDBInstanceCommand({
        DBInstanceIdentifier: 'ledger-db',
        BackupRetentionPeriod: 7,
        DeletionProtection: true,
        ApplyImmediately: true,
      }),
    );
    await runMonitor(ports, new Date(start.getTime() + minutes(45)));
    const resolved = (await published()).filter((n) => n.kind.startsWith('posture.'));
    expect(resolved.map((n) => [n.kind, n.details.problem]).sort()).toEqual([
      ['posture.resolved', 'backups-short'],
      ['posture.resolved', 'deletion-protection-off'],
    ]);
  });
});
