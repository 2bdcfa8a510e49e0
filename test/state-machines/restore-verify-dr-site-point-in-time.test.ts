import { RDSClient } from '@aws-sdk/client-rds';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import pg from 'pg';
import { beforeEach, describe, expect, it } from 'vitest';
import { RdsBackupReplication } from '../../lib/adapters/aws/rds-backup-replication.js';
import { RdsScratchRestorer } from '../../lib/adapters/aws/rds-restores.js';
import { RdsSnapshotStore } from '../../lib/adapters/aws/rds-snapshots.js';
import { S3ReportStore } from '../../lib/adapters/aws/s3-reports.js';
import { runRestoreVerifyLocally } from '../../lib/adapters/local-state-machine.js';
import { validatePolicyFile } from '../../lib/core/policy/parse.js';
import type { RestoreVerifyReport } from '../../lib/core/report/report.js';
import type { RestoreVerifyDeps } from '../../lib/core/use-cases/restore-verify/types.js';
import { motoClientConfig } from '../support/moto.js';
import {
  INSTANCE,
  POLICIES,
  publishedNotifications,
  restorerWith,
  scratchLeft,
  useRestoreVerifyServers,
} from './restore-verify-fixture.js';
import { replicatedBackupsRds } from './replicated-backups.js';

/*
 * The restore-verify ASL executed as a DR site in a DR region of the primary's own account
 * (123456789012, eu-west-1; the primary in us-east-1) runs it: a point in time restored from the
 * automated backups the primary's monitor replicates into eu-west-1 (copies[].pointInTime). The DR
 * site holds no snapshot copy of the database here, so the replicated backups alone say what it
 * is. moto 5.2.1 has neither replicated backups nor a restore from them, so those two calls go to
 * an aws-sdk-client-mock client answering in the documented shapes (replicated-backups.ts); the
 * scratch instance RDS would create is created in moto's eu-west-1, where every later step (wait,
 * password, delete) runs for real. The fingerprints are the local PostgreSQL's.
 */
const DR_REGION = 'eu-west-1';
const DR_BUCKET = 'lifeboat-test-reports-123456789012-eu-west-1';
const SOURCE_ARN = `arn:aws:rds:us-east-1:123456789012:db:${INSTANCE}`;
const BACKUPS_ARN = `arn:aws:rds:${DR_REGION}:123456789012:auto-backup:ab-${INSTANCE}`;

const gold = POLICIES.policies.gold!;
function drRegionSite(pointInTime: boolean) {
  return validatePolicyFile({
    site: { kind: 'dr', region: DR_REGION, primary: { account: '123456789012', region: 'us-east-1' } },
    policies: {
      gold: {
        ...gold,
        copies: [
          {
            region: DR_REGION,
            kmsKeyId: 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555',
            ...(pointInTime ? { pointInTime: { retentionDays: 7 } } : {}),
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
}

const live = useRestoreVerifyServers();
const MINUTE = 60_000;
let drRds: RDSClient;
let reports: S3ReportStore;

beforeEach(async () => {
  const config = motoClientConfig(live.moto, DR_REGION);
  drRds = new RDSClient(config);
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  await s3.send(
    new CreateBucketCommand({
      Bucket: DR_BUCKET,
      CreateBucketConfiguration: { LocationConstraint: DR_REGION },
    }),
  );
  reports = new S3ReportStore({ client: s3, bucket: DR_BUCKET });
});

/** The DR site's ports, with the replicated backups' window RDS would list in eu-west-1. */
function drSite(window: { earliest: Date; latest: Date }, options: { pointInTime?: boolean } = {}) {
  const { client: shapes, restores } = replicatedBackupsRds({
    region: DR_REGION,
    scratchRds: drRds,
    source: { id: INSTANCE, arn: SOURCE_ARN, backupsArn: BACKUPS_ARN },
    window,
  });
  const real = new RdsScratchRestorer({ region: DR_REGION, client: drRds });
  const pointInTimeRestorer = new RdsScratchRestorer({ region: DR_REGION, client: shapes });
  const { siteFor: _none, ...primary } = live.fixture.deps;
  const deps: RestoreVerifyDeps = {
    ...primary,
    policies: drRegionSite(options.pointInTime ?? true),
    snapshots: new RdsSnapshotStore({ region: DR_REGION, client: drRds }),
    restorer: restorerWith(real, { startRestore: (request) => pointInTimeRestorer.startRestore(request) }),
    tagger: real,
    replication: new RdsBackupReplication({ region: DR_REGION, client: shapes }),
    reports,
    region: DR_REGION,
  };
  return { deps, restores };
}

async function drReports(): Promise<RestoreVerifyReport[]> {
  const keys = await reports.list(`reports/${INSTANCE}/`);
  return Promise.all(keys.map(async (key) => (await reports.get(key)) as RestoreVerifyReport));
}

describe('restore-verify of a point in time at a DR site, from the automated backups replicated there', () => {
  it("restores the time asked from the replicated backups with the target's settings, verifies it and deletes the scratch", async () => {
    const now = Date.now();
    const time = new Date(now - 10 * MINUTE).toISOString();
    const { deps, restores } = drSite({
      earliest: new Date(now - 7 * 24 * 60 * MINUTE),
      latest: new Date(now - 5 * MINUTE),
    });

    const run = await runRestoreVerifyLocally({ source: INSTANCE, pointInTime: time }, deps);

    expect(run.error).toBeUndefined();
    expect(run.status).toBe('SUCCEEDED');
    expect(restores()).toHaveLength(1);
    expect(restores()[0]).toMatchObject({
      SourceDBInstanceAutomatedBackupsArn: BACKUPS_ARN,
      RestoreTime: new Date(time),
      DBSubnetGroupName: 'lifeboat-dr-scratch',
      VpcSecurityGroupIds: ['sg-0fedcba9876543210'],
      DBInstanceClass: 'db.t4g.large',
      PubliclyAccessible: false,
    });
    expect(restores()[0]).not.toHaveProperty('SourceDBInstanceIdentifier');
    const [report] = await drReports();
    expect(report).toMatchObject({
      verdict: 'passed',
      target: DR_REGION,
      pointInTime: time,
      snapshot: null,
      source: { id: INSTANCE, engine: 'postgres', kind: 'instance' },
    });
    // The first verification there: nothing to hold it to but the expectations, and it says so.
    expect(report!.baseline).toBeNull();
    expect(report!.baselineReason).toMatch(
      new RegExp(`^not compared exactly: point in time ${time} is restored from automated backups`),
    );
    expect(report!.baselineReason).toContain('only the expectations were checked');
    expect(await scratchLeft(drRds)).toEqual([]);
    const [notification] = await publishedNotifications(live.fixture);
    expect(notification).toMatchObject({ kind: 'restore-verify.passed', database: INSTANCE });
    expect(notification!.summary).toContain('not compared exactly');
  });

  it('restores "latest" at the latest restorable time and holds it to the previous report, saying why', async () => {
    const now = Date.now();
    const latest = new Date(now - 3 * MINUTE);
    const { deps, restores } = drSite({ earliest: new Date(now - 60 * MINUTE), latest });
    const first = await runRestoreVerifyLocally(
      { source: INSTANCE, pointInTime: new Date(now - 30 * MINUTE).toISOString() },
      deps,
    );
    await new Promise((r) => setTimeout(r, 1100)); // report keys sort by their start second

    const second = await runRestoreVerifyLocally({ source: INSTANCE, pointInTime: 'latest' }, deps);

    expect([first.status, second.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(restores()[1]).toMatchObject({ RestoreTime: latest });
    const keys = await reports.list(`reports/${INSTANCE}/`);
    const [, report] = await drReports();
    expect(report).toMatchObject({ verdict: 'passed', pointInTime: latest.toISOString() });
    expect(report!.baseline).toEqual({ key: keys[0], mode: 'previous-report' });
    expect(report!.baselineReason).toContain(`held to the previous report ${keys[0]} instead`);
    expect(await scratchLeft(drRds)).toEqual([]);
  });

  it('still deletes the scratch when fingerprinting fails after the restore', async () => {
    const now = Date.now();
    const { deps, restores } = drSite({
      earliest: new Date(now - 60 * MINUTE),
      latest: new Date(now - MINUTE),
    });
    const admin = new pg.Client({ connectionString: live.server.url });
    await admin.connect();
    await admin.query('DROP DATABASE crm');
    await admin.end();

    const run = await runRestoreVerifyLocally(
      { source: INSTANCE, pointInTime: new Date(now - 5 * MINUTE).toISOString() },
      deps,
    );

    expect(run.status).toBe('FAILED');
    expect(restores()).toHaveLength(1);
    expect(run.states).toContain('DeleteScratch');
    expect(run.states.slice(-3)).toEqual(['PublishOutcome', 'Passed', 'Failed']);
    expect(await scratchLeft(drRds)).toEqual([]);
    const [failed] = await publishedNotifications(live.fixture);
    expect(failed?.kind).toBe('restore-verify.failed');
  });

  it('refuses a time outside the replicated window before anything is restored, and says what is restorable', async () => {
    const now = Date.now();
    const earliest = new Date(now - 60 * MINUTE);
    const latest = new Date(now - 30 * MINUTE);
    const { deps, restores } = drSite({ earliest, latest });

    const run = await runRestoreVerifyLocally(
      { source: INSTANCE, pointInTime: new Date(now - 10 * MINUTE).toISOString() },
      deps,
    );

    expect(run.status).toBe('FAILED');
    expect(run.error?.name).toBe('InvalidInputError');
    expect(run.error?.cause).toContain(
      `is outside what is replicated to ${DR_REGION} for "${INSTANCE}": restorable there from ${earliest.toISOString()} to ${latest.toISOString()}`,
    );
    expect(run.states).not.toContain('StartRestore');
    expect(restores()).toEqual([]);
    expect(await scratchLeft(drRds)).toEqual([]);
  });

  it('refuses a point in time where the target replicates no backups, a future time and an unknown database, restoring nothing', async () => {
    const now = Date.now();
    const window = { earliest: new Date(now - 60 * MINUTE), latest: new Date(now - MINUTE) };
    const snapshotsOnly = drSite(window, { pointInTime: false });
    const replicated = drSite(window);

    for (const [site, input, message] of [
      [
        snapshotsOnly,
        { source: INSTANCE, pointInTime: new Date(now - 5 * MINUTE).toISOString() },
        'pointInTime: no policy replicates automated backups to this DR site (eu-west-1) (no copies[].pointInTime here): give "snapshot"',
      ],
      [
        snapshotsOnly,
        { source: INSTANCE, policy: 'gold', pointInTime: new Date(now - 5 * MINUTE).toISOString() },
        'pointInTime: policy "gold" replicates no automated backups to this DR site (eu-west-1): its copy target here has no pointInTime, so its copies are snapshots: give "snapshot"',
      ],
      [
        replicated,
        { source: INSTANCE, pointInTime: new Date(now + 5 * MINUTE).toISOString() },
        'is in the future',
      ],
      [
        replicated,
        { source: 'other-db', pointInTime: new Date(now - 5 * MINUTE).toISOString() },
        'holds neither a copy of it that Lifeboat made nor its replicated automated backups',
      ],
    ] as const) {
      const run = await runRestoreVerifyLocally(input, site.deps);

      expect(run.status).toBe('FAILED');
      expect(run.error?.cause).toContain(message);
      expect(run.states).not.toContain('StartRestore');
      expect(site.restores()).toEqual([]);
    }
  });
});
