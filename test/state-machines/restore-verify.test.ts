import {
  CopyDBSnapshotCommand,
  DescribeDBSnapshotsCommand,
  ListTagsForResourceCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { RdsScratchRestorer } from '../../lib/adapters/aws/rds-restores.js';
import { RdsSnapshotStore } from '../../lib/adapters/aws/rds-snapshots.js';
import { runRestoreVerifyLocally } from '../../lib/adapters/local-state-machine.js';
import type { RestoreVerifyReport } from '../../lib/core/report/report.js';
import { createRestoreVerifyTasks, TASK_STATES } from '../../lib/core/use-cases/restore-verify/tasks.js';
import { TAG } from '../../lib/core/tags.js';
import { motoClientConfig } from '../support/moto.js';
import {
  BUCKET,
  CLUSTER,
  INSTANCE,
  publishedNotifications,
  scratchLeft,
  useRestoreVerifyServers,
} from './restore-verify-fixture.js';

const HAPPY_PATH = [
  'ReadInput',
  'ValidateInput',
  'IsPolicyRun',
  'ResolveSnapshot',
  'StartRestore',
  'WaitForScratch',
  'CheckScratch',
  'ObtainCredentials',
  'WaitForPasswordReset',
  'PlanFingerprints',
  'FingerprintDatabases',
  'FingerprintDatabase',
  'FingerprintDatabase',
  'CompareWithBaseline',
  'WriteReport',
  'ReportPassed',
  'MarkSnapshotVerified',
  'DeleteScratch',
  'PublishOutcome',
  'Passed',
  'Verified',
];

const live = useRestoreVerifyServers();

async function reportKeys(): Promise<string[]> {
  const answer = await live.fixture.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'reports/' }));
  return (answer.Contents ?? []).map((o) => o.Key!).sort();
}

async function readReport(key: string): Promise<RestoreVerifyReport> {
  return (await live.fixture.deps.reports.get(key)) as RestoreVerifyReport;
}

async function snapshotTags(id: string): Promise<Record<string, string>> {
  const snapshot = (await live.fixture.rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: id })))
    .DBSnapshots![0]!;
  const tags = (
    await live.fixture.rds.send(new ListTagsForResourceCommand({ ResourceName: snapshot.DBSnapshotArn }))
  ).TagList!;
  return Object.fromEntries(tags.map((t) => [t.Key!, t.Value!]));
}

describe('restore-verify state machine', () => {
  it('restores the latest managed snapshot, fingerprints every database, reports, cleans up and publishes a pass', async () => {
    const run = await runRestoreVerifyLocally({ source: INSTANCE }, live.fixture.deps);

    expect(run.error).toBeUndefined();
    expect(run.status).toBe('SUCCEEDED');
    expect(run.states).toEqual(HAPPY_PATH);
    expect(await scratchLeft(live.fixture.rds)).toEqual([]);

    const keys = await reportKeys();
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^reports\/app-db\/\d{8}T\d{6}Z-[0-9a-f]{6}\.json$/);
    const report = await readReport(keys[0]!);
    expect(report.verdict).toBe('passed');
    expect(report.snapshot?.id).toBe(live.fixture.snapshotId);
    expect(report.source).toMatchObject({ id: INSTANCE, kind: 'instance', policy: 'gold' });
    expect(report.fingerprints.summary).toEqual([
      { database: 'app', tables: 2, rows: 1200 },
      { database: 'crm', tables: 1, rows: 50 },
    ]);
    expect(Object.keys(report.fingerprints.databases.app!.tables).sort()).toEqual([
      'public.customers',
      'public.orders',
    ]);
    expect(report.baseline).toBeNull();
    expect(report.rto.minutes).not.toBeNull();
    expect(report.rpo.minutes).not.toBeNull();
    expect(report.timings.map((t) => t.step)).toContain('CompareWithBaseline');
    expect(report.errors).toEqual([]);

    // The plan and fingerprint steps connected to each database with the derived scratch password,
    // as the restored master user.
    expect(live.fixture.connections.seen).toHaveLength(4);
    expect([...live.fixture.connections.seen].sort()[0]).toMatch(/^lbs-app-db-.*\/app\/admin\/40$/);

    const [notification, ...others] = await publishedNotifications(live.fixture);
    expect(others).toEqual([]);
    expect(notification).toMatchObject({
      kind: 'restore-verify.passed',
      severity: 'info',
      database: INSTANCE,
    });
    expect(notification!.details.report).toBe(keys[0]);

    expect(Date.parse((await snapshotTags(live.fixture.snapshotId))[TAG.verified]!)).not.toBeNaN();
  });

  it('splits databases whose tables outgrow one fingerprint run over several runs, to the same fingerprints', async () => {
    const whole = await runRestoreVerifyLocally({ source: INSTANCE }, live.fixture.deps);
    await new Promise((r) => setTimeout(r, 1100)); // report keys have a one-second resolution
    // Every table over the budget: the tables of several blocks are read in shares of their heap.
    const split = await runRestoreVerifyLocally(
      { source: INSTANCE },
      { ...live.fixture.deps, fingerprintPartBytes: 1 },
    );

    expect(split.status).toBe('SUCCEEDED');
    const runs = (run: typeof whole) => run.states.filter((state) => state === 'FingerprintDatabase').length;
    expect(runs(whole)).toBe(2);
    expect(runs(split)).toBeGreaterThan(3);
    const [first, second] = await Promise.all((await reportKeys()).map(readReport));
    const tablesOf = (report: RestoreVerifyReport | undefined) =>
      Object.fromEntries(
        Object.entries(report?.fingerprints.databases ?? {}).map(([db, fingerprint]) => [
          db,
          fingerprint.tables,
        ]),
      );
    expect(tablesOf(second)).toEqual(tablesOf(first));
    expect(second?.fingerprints.summary).toEqual(first?.fingerprints.summary);
    expect(second?.timings.map((t) => t.step)).toEqual(
      expect.arrayContaining([
        'PlanFingerprints',
        'FingerprintDatabase app part 1',
        'FingerprintDatabase app part 2',
      ]),
    );
  });

  it('uses the previous passed report as the baseline of the next run', async () => {
    expect((await runRestoreVerifyLocally({ source: INSTANCE }, live.fixture.deps)).status).toBe('SUCCEEDED');
    await new Promise((r) => setTimeout(r, 1100)); // report keys have a one-second resolution
    expect((await runRestoreVerifyLocally({ source: INSTANCE }, live.fixture.deps)).status).toBe('SUCCEEDED');

    const keys = await reportKeys();
    expect(keys).toHaveLength(2);
    const second = await readReport(keys[1]!);
    expect(second.baseline).toEqual({ key: keys[0], mode: 'previous-report' });
    expect(second.comparison.verdict).toBe('same');
  });

  it('fails verification when rows went missing since the baseline, and still cleans up and publishes', async () => {
    expect((await runRestoreVerifyLocally({ source: INSTANCE }, live.fixture.deps)).status).toBe('SUCCEEDED');
    await publishedNotifications(live.fixture);
    const app = new pg.Client({ connectionString: live.server.urlFor('app') });
    await app.connect();
    await app.query('DELETE FROM orders WHERE id > 500');
    await app.end();
    await new Promise((r) => setTimeout(r, 1100));

    const run = await runRestoreVerifyLocally({ source: INSTANCE }, live.fixture.deps);

    expect(run.status).toBe('FAILED');
    expect(run.error?.name).toBe('VerificationFailedError');
    expect(run.states.slice(-6)).toEqual([
      'WriteReport',
      'ReportPassed',
      'DeleteScratch',
      'PublishOutcome',
      'Passed',
      'Failed',
    ]);
    expect(run.states).not.toContain('MarkSnapshotVerified');
    expect(await scratchLeft(live.fixture.rds)).toEqual([]);
    const keys = await reportKeys();
    const report = await readReport(keys[keys.length - 1]!);
    expect(report.verdict).toBe('failed');
    const orders = report.comparison.databases[0]!.comparison.tables.find((t) => t.table === 'public.orders');
    expect(orders?.verdict).toBe('mismatch');
    const [notification] = await publishedNotifications(live.fixture);
    expect(notification).toMatchObject({
      kind: 'restore-verify.failed',
      severity: 'critical',
      database: INSTANCE,
    });
    expect(notification!.summary).toContain('public.orders');
  });

  it('restores a point in time of the source instead of a snapshot', async () => {
    const pointInTime = new Date(Date.now() - 60_000).toISOString();
    const run = await runRestoreVerifyLocally({ source: INSTANCE, pointInTime }, live.fixture.deps);

    expect(run.error).toBeUndefined();
    expect(run.status).toBe('SUCCEEDED');
    expect(await scratchLeft(live.fixture.rds)).toEqual([]);
    const report = await readReport((await reportKeys())[0]!);
    expect(report.pointInTime).toBe(pointInTime);
    expect(report.snapshot).toBeNull();
    expect(report.rpo.dataAsOf).toBe(pointInTime);
    // Nothing to mark verified: no snapshot was restored.
    expect((await snapshotTags(live.fixture.snapshotId))[TAG.verified]).toBeUndefined();
  });

  it('restores an Aurora cluster with one instance in it and deletes both', async () => {
    const run = await runRestoreVerifyLocally({ source: CLUSTER, snapshot: 'latest' }, live.fixture.deps);

    expect(run.error).toBeUndefined();
    expect(run.status).toBe('SUCCEEDED');
    expect(run.states).toEqual(HAPPY_PATH);
    expect(await scratchLeft(live.fixture.rds)).toEqual([]);
    const report = await readReport((await reportKeys())[0]!);
    expect(report.source.kind).toBe('cluster');
    expect(report.snapshot?.id).toBe(live.fixture.clusterSnapshotId);
    expect(report.scratch?.instanceId).toBe(`${report.scratch?.id}-1`);
    expect((await publishedNotifications(live.fixture))[0]?.kind).toBe('restore-verify.passed');
  });

  it('keeps the scratch instance when asked, tagged to expire, and says so in the outcome', async () => {
    const run = await runRestoreVerifyLocally({ source: INSTANCE, keepScratch: true }, live.fixture.deps);

    expect(run.error).toBeUndefined();
    const left = await scratchLeft(live.fixture.rds);
    expect(left).toHaveLength(1);
    const kept = await live.fixture.deps.restorer.describeScratch(
      'instance',
      left[0]!.replace('instance ', ''),
    );
    expect(Date.parse(kept!.tags[TAG.expiresAt]!)).toBeGreaterThan(Date.now());
    expect(kept!.tags[TAG.restoredFrom]).toBe(live.fixture.snapshotId);
    const [notification] = await publishedNotifications(live.fixture);
    expect(notification?.details.cleanup).toMatch(/^kept on request/);
  });

  it('restores the DR copy of the same snapshot at its target and demands an exact match with its origin', async () => {
    expect((await runRestoreVerifyLocally({ source: INSTANCE }, live.fixture.deps)).status).toBe('SUCCEEDED');
    await publishedNotifications(live.fixture);
    const dr = new RDSClient(motoClientConfig(live.moto, 'eu-west-1'));
    const source = (
      await live.fixture.rds.send(
        new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: live.fixture.snapshotId }),
      )
    ).DBSnapshots![0]!;
    await dr.send(
      new CopyDBSnapshotCommand({
        SourceDBSnapshotIdentifier: source.DBSnapshotArn,
        TargetDBSnapshotIdentifier: `${live.fixture.snapshotId}-eu-west-1`,
        // As a DR-account copy is tagged: copied from a shareable copy in between, so only the
        // origin tag ties it to the snapshot verified at the primary.
        Tags: [
          { Key: TAG.managed, Value: 'true' },
          { Key: TAG.copyOf, Value: `${source.DBSnapshotArn}-share-222222222222` },
          { Key: TAG.origin, Value: live.fixture.snapshotId },
        ],
      }),
    );
    const drRestorer = new RdsScratchRestorer({ client: dr, region: 'eu-west-1' });
    const deps = {
      ...live.fixture.deps,
      siteFor: () => ({
        snapshots: new RdsSnapshotStore({ client: dr, region: 'eu-west-1' }),
        restorer: drRestorer,
        tagger: drRestorer,
      }),
    };
    await new Promise((r) => setTimeout(r, 1100));

    const run = await runRestoreVerifyLocally({ source: INSTANCE, target: 'eu-west-1' }, deps);

    expect(run.error).toBeUndefined();
    expect(run.states).toEqual(HAPPY_PATH);
    const keys = await reportKeys();
    const report = await readReport(keys[keys.length - 1]!);
    expect(report).toMatchObject({ target: 'eu-west-1', verdict: 'passed' });
    expect(report.snapshot?.id).toBe(`${live.fixture.snapshotId}-eu-west-1`);
    expect(report.baseline).toEqual({ key: keys[0], mode: 'exact' });
    expect(await scratchLeft(dr)).toEqual([]);
    expect(await drRestorer.listScratch()).toEqual([]);
  });

  it.each([
    [{ sourc: INSTANCE }, /unknown key "sourc"/],
    [{ source: INSTANCE, snapshot: 'x', pointInTime: '2026-01-01T00:00:00Z' }, /cannot be combined/],
    [{ source: INSTANCE, pointInTime: 'yesterday' }, /pointInTime: must be an ISO 8601 time/],
    [{ source: INSTANCE, target: 'ap-south-1' }, /target "ap-south-1" is not a copy target/],
    [{ source: 'no-such-db' }, /"no-such-db" is neither a DB instance nor an Aurora cluster/],
  ])('fails on bad input %j with a clear cause and creates nothing', async (input, cause) => {
    const run = await runRestoreVerifyLocally(input, live.fixture.deps);

    expect(run.status).toBe('FAILED');
    expect(run.error?.cause).toMatch(cause);
    expect(run.states).toEqual([
      'ReadInput',
      'ValidateInput',
      'DeleteScratch',
      'PublishOutcome',
      'Passed',
      'Failed',
    ]);
    expect(await scratchLeft(live.fixture.rds)).toEqual([]);
    expect(await reportKeys()).toEqual([]);
    const [notification] = await publishedNotifications(live.fixture);
    expect(notification?.kind).toBe('restore-verify.failed');
  });

  // Each fault is thrown after the real step ran, so whatever it created exists when the machine
  // has to recover from it.
  it.each(
    // StartValidation and ReportValidationResult validate AWS Backup restore tests
    // (restore-verify-aws-backup.test.ts), not on a restore's path.
    TASK_STATES.filter(
      (s) =>
        ![
          'StartDatabaseVerifications',
          'StartValidation',
          'ReportValidationResult',
          'DeleteScratch',
          'PublishOutcome',
        ].includes(s),
    ),
  )('after a fault in %s, deletes the scratch instance and publishes the failure', async (step) => {
    const real = createRestoreVerifyTasks(live.fixture.deps);
    const faulty = async (input: unknown) => {
      await real[step](input);
      throw Object.assign(new Error(`injected fault in ${step}`), { name: 'InjectedFault' });
    };

    const run = await runRestoreVerifyLocally({ source: INSTANCE }, live.fixture.deps, {
      tasks: { [step]: faulty },
    });

    expect(run.status).toBe('FAILED');
    expect(run.error).toEqual({ name: 'InjectedFault', cause: `injected fault in ${step}` });
    expect(run.states).toContain(step);
    expect(run.states.slice(-4)).toEqual(['DeleteScratch', 'PublishOutcome', 'Passed', 'Failed']);
    expect(await scratchLeft(live.fixture.rds)).toEqual([]);
    const notifications = await publishedNotifications(live.fixture);
    expect(notifications.map((n) => n.kind)).toEqual(['restore-verify.failed']);
    expect(notifications[0]!.summary).toContain(`injected fault in ${step}`);
  });

  it('publishes the failure with the scratch left named when the delete itself fails', async () => {
    const run = await runRestoreVerifyLocally({ source: INSTANCE }, live.fixture.deps, {
      tasks: {
        DeleteScratch: async () => {
          throw Object.assign(new Error('injected fault in DeleteScratch'), { name: 'InjectedFault' });
        },
      },
    });

    expect(run.status).toBe('FAILED');
    expect(run.states.slice(-4)).toEqual(['DeleteScratch', 'PublishOutcome', 'Passed', 'Failed']);
    const left = await scratchLeft(live.fixture.rds);
    expect(left).toHaveLength(1);
    const [notification] = await publishedNotifications(live.fixture);
    expect(notification?.kind).toBe('restore-verify.failed');
    expect(notification?.action).toContain(left[0]!.replace('instance ', ''));
  });

  it('fails the execution when the outcome cannot be published, after deleting the scratch', async () => {
    const run = await runRestoreVerifyLocally({ source: INSTANCE }, live.fixture.deps, {
      tasks: {
        PublishOutcome: async () => {
          throw Object.assign(new Error('topic unreachable'), { name: 'InjectedFault' });
        },
      },
    });

    expect(run.status).toBe('FAILED');
    expect(run.states.slice(-3)).toEqual(['DeleteScratch', 'PublishOutcome', 'NotificationFailed']);
    expect(run.error).toEqual({ name: 'InjectedFault', cause: 'topic unreachable' });
    expect(await scratchLeft(live.fixture.rds)).toEqual([]);
  });

  it('expands a scheduled policy run into one execution per selected database', async () => {
    const started: Array<{ name: string; input: Record<string, unknown> }> = [];
    const run = await runRestoreVerifyLocally(
      { policy: 'gold', time: '2026-03-01T03:00:00Z' },
      {
        ...live.fixture.deps,
        starter: {
          start: async (name, input) => {
            started.push({ name, input });
            return { executionId: `arn:aws:states:us-east-1:123456789012:execution:restore-verify:${name}` };
          },
        },
      },
    );

    expect(run.error).toBeUndefined();
    expect(run.status).toBe('SUCCEEDED');
    expect(run.states).toEqual([
      'ReadInput',
      'ValidateInput',
      'IsPolicyRun',
      'StartDatabaseVerifications',
      'PolicyRunStarted',
    ]);
    expect(
      started.map((s) => s.input).sort((a, b) => String(a.source).localeCompare(String(b.source))),
    ).toEqual([
      { source: CLUSTER, policy: 'gold' },
      { source: INSTANCE, policy: 'gold' },
    ]);
    expect(started.map((s) => s.name)).toContain('gold-app-db-20260301T030000Z');
    expect(await scratchLeft(live.fixture.rds)).toEqual([]);
  });

  it('warns in the report of an exclusion that names no table, and leaves out those that do, per database', async () => {
    const policies = structuredClone(live.fixture.deps.policies);
    policies.policies.gold!.verify!.exclude = [
      'public.audit_log',
      'public.audit_logs',
      'crm/public.contacts',
    ];
    const run = await runRestoreVerifyLocally({ source: INSTANCE }, { ...live.fixture.deps, policies });

    expect(run.status).toBe('SUCCEEDED');
    const report = await readReport((await reportKeys())[0]!);
    expect(report.verdict).toBe('passed');
    expect(Object.keys(report.fingerprints.databases.app!.tables).sort()).toEqual([
      'public.customers',
      'public.orders',
    ]);
    expect(report.fingerprints.databases.crm!.tables).toEqual({});
    const warnings = [
      'verify.exclude "public.audit_logs" names no table in databases app, crm',
      // A database the policy leaves out whole is its choice: said, not failed.
      'verify.exclude leaves out every table of database crm',
    ];
    for (const { comparison } of report.comparison.databases) expect(comparison.warnings).toEqual(warnings);
    const [notification] = await publishedNotifications(live.fixture);
    for (const warning of warnings) expect(notification!.summary).toContain(`warning: ${warning}`);
    expect(notification!.summary).toContain('crm: every table excluded by verify.exclude');
  });

  it('fails a run whose exclusions leave no table at all: nothing checked is never a pass', async () => {
    const policies = structuredClone(live.fixture.deps.policies);
    policies.policies.gold!.verify!.exclude = [
      'public.audit_log',
      'app/public.customers',
      'app/public.orders',
      'crm/public.contacts',
    ];
    policies.policies.gold!.verify!.databases = ['app', 'crm'];
    const run = await runRestoreVerifyLocally({ source: INSTANCE }, { ...live.fixture.deps, policies });

    const report = await readReport((await reportKeys())[0]!);
    expect(report.verdict).toBe('failed');
    expect(run.states).toContain('DeleteScratch');
    expect(await scratchLeft(live.fixture.rds)).toEqual([]);
  });

  it('fails, naming it in the report, when a verify.databases entry names no database', async () => {
    const policies = structuredClone(live.fixture.deps.policies);
    policies.policies.gold!.verify!.databases = ['app', 'nowhere'];
    const run = await runRestoreVerifyLocally({ source: INSTANCE }, { ...live.fixture.deps, policies });

    const report = await readReport((await reportKeys())[0]!);
    expect(report.verdict).toBe('failed');
    expect(report.errors).toEqual([
      expect.objectContaining({
        error: 'NotFoundError',
        cause: expect.stringContaining('"nowhere" does not exist'),
      }),
    ]);
    expect(run.states).toContain('DeleteScratch');
    expect(await scratchLeft(live.fixture.rds)).toEqual([]);
  });
});
