import { readFileSync } from 'node:fs';
import {
  BackupClient,
  DescribeRestoreJobCommand,
  InvalidRequestException,
  ListRestoreTestingSelectionsCommand,
  PutRestoreValidationResultCommand,
} from '@aws-sdk/client-backup';
import { DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackupRestoreJobs } from '../../lib/adapters/aws/backup-restore-jobs.js';
import { RestoreTestDatabases } from '../../lib/adapters/aws/restore-test-databases.js';
import { runRestoreVerifyLocally } from '../../lib/adapters/local-state-machine.js';
import { validatePolicyFile } from '../../lib/core/policy/parse.js';
import type { RestoreVerifyReport } from '../../lib/core/report/report.js';
import { createRestoreVerifyTasks } from '../../lib/core/use-cases/restore-verify/tasks.js';
import type { RestoreVerifyDeps } from '../../lib/core/use-cases/restore-verify/types.js';
import { createInstance } from '../support/rds-fixtures.js';
import {
  INSTANCE,
  POLICIES,
  publishedNotifications,
  useRestoreVerifyServers,
} from './restore-verify-fixture.js';

/*
 * The restore-verify ASL in its "validate an existing restore" mode, started by AWS Backup's
 * "Restore Job State Change" event: RDS on moto (the restored instance is a moto instance tagged as
 * restore testing tags it), the local PostgreSQL standing in for its databases, and AWS Backup
 * through aws-sdk-client-mock on a real BackupClient, because moto has no restore jobs or restore
 * testing: DescribeRestoreJob, ListRestoreTestingSelections and PutRestoreValidationResult answer
 * in the documented shapes (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_DescribeRestoreJob.html,
 * API_ListRestoreTestingSelections.html, API_PutRestoreValidationResult.html), and, as
 * restore-testing-validation.html says, a validation status once set "cannot be changed".
 */

const EVENT = JSON.parse(
  readFileSync('test/fixtures/events/aws-backup-restore-test-completed-rds.json', 'utf8'),
);
const JOB = EVENT.detail.restoreJobId as string;
const RESTORED = 'awsbackup-restore-test-6f1d2c3b4a59';

const VALIDATE_PATH = [
  'ReadInput',
  'ValidateInput',
  'IsPolicyRun',
  'StartValidation',
  'ObtainCredentials',
  'WaitForPasswordReset',
  'PlanFingerprints',
  'FingerprintDatabases',
  'FingerprintDatabase',
  'FingerprintDatabase',
  'CompareWithBaseline',
  'WriteReport',
  'ReportPassed',
  'ReportValidationResult',
  'PublishOutcome',
  'Passed',
];

const live = useRestoreVerifyServers();

/** AWS Backup as the validator sees it: one restore testing job, its plan's selection, the status. */
function fakeBackup(options: { windowHours?: number; validationStatus?: string; restoredArn?: string } = {}) {
  const client = new BackupClient({ region: 'us-east-1' });
  const mock = mockClient(client);
  const puts: Array<{ status: string; message: string }> = [];
  let validationStatus = options.validationStatus;
  const now = Date.now();
  mock.on(DescribeRestoreJobCommand, { RestoreJobId: JOB }).callsFake(() => ({
    AccountId: '123456789012',
    RestoreJobId: JOB,
    Status: 'COMPLETED',
    ResourceType: 'RDS',
    CreatedResourceArn: options.restoredArn ?? EVENT.detail.createdResourceArn,
    SourceResourceArn: EVENT.detail.sourceResourceArn,
    RecoveryPointArn: EVENT.detail.recoveryPointArn,
    CreatedBy: { RestoreTestingPlanArn: EVENT.detail.restoreTestingPlanArn },
    CreationDate: new Date(now - 40 * 60_000),
    CompletionDate: new Date(now - 60_000),
    RecoveryPointCreationDate: new Date(now - 26 * 3_600_000),
    ...(validationStatus ? { ValidationStatus: validationStatus } : {}),
  }));
  mock.on(ListRestoreTestingSelectionsCommand, { RestoreTestingPlanName: 'weekly_rds' }).resolves({
    RestoreTestingSelections: [
      {
        RestoreTestingSelectionName: 'rds_gold',
        RestoreTestingPlanName: 'weekly_rds',
        ProtectedResourceType: 'RDS',
        IamRoleArn: 'arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole',
        CreationTime: new Date(now - 30 * 86_400_000),
        ValidationWindowHours: options.windowHours ?? 4,
      },
      {
        RestoreTestingSelectionName: 'ebs_all',
        RestoreTestingPlanName: 'weekly_rds',
        ProtectedResourceType: 'EBS',
        IamRoleArn: 'arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole',
        CreationTime: new Date(now - 30 * 86_400_000),
        ValidationWindowHours: 0,
      },
    ],
  });
  mock.on(PutRestoreValidationResultCommand).callsFake((input) => {
    if (validationStatus && validationStatus !== 'VALIDATING') {
      throw new InvalidRequestException({ message: 'Validation status already set', $metadata: {} });
    }
    validationStatus = input.ValidationStatus;
    puts.push({ status: input.ValidationStatus, message: input.ValidationStatusMessage ?? '' });
    return {};
  });
  return { client, mock, puts };
}

let backup: ReturnType<typeof fakeBackup>;
afterEach(() => backup?.mock.restore());

function depsWith(
  overrides: { expectations?: Array<{ table: string; minRows: number }> } = {},
): RestoreVerifyDeps {
  const gold = POLICIES.policies.gold!;
  const policies = validatePolicyFile({
    policies: {
      gold: {
        ...gold,
        verify: {
          ...gold.verify!,
          ...(overrides.expectations ? { expectations: overrides.expectations } : {}),
        },
        awsBackup: { restoreTesting: [{ plan: 'weekly_rds' }] },
      },
    },
  });
  return {
    ...live.fixture.deps,
    policies,
    restoreJobs: new BackupRestoreJobs({ client: backup.client, region: 'us-east-1' }),
    restoreTestDatabases: new RestoreTestDatabases({ client: live.fixture.rds, region: 'us-east-1' }),
  };
}

async function restoredStillThere(): Promise<boolean> {
  const answer = await live.fixture.rds.send(
    new DescribeDBInstancesCommand({ DBInstanceIdentifier: RESTORED }),
  );
  return answer.DBInstances?.[0]?.DBInstanceStatus !== 'deleting';
}

async function readReport(key: string): Promise<RestoreVerifyReport> {
  return (await live.fixture.deps.reports.get(key)) as RestoreVerifyReport;
}

beforeEach(async () => {
  // What restore testing restored: an instance tagged awsbackup-restore-test (restore-testing.html).
  await createInstance(live.fixture.rds, RESTORED, { 'awsbackup-restore-test': 'weekly_rds' });
  backup = fakeBackup();
});

describe('restore-verify validating an AWS Backup restore test', () => {
  it('validates against the last passed report: VALIDATING, then SUCCESSFUL with tables and rows, nothing deleted', async () => {
    const baseline = await runRestoreVerifyLocally({ source: INSTANCE }, live.fixture.deps);
    expect(baseline.status).toBe('SUCCEEDED');
    await publishedNotifications(live.fixture);

    const run = await runRestoreVerifyLocally(EVENT, depsWith());

    expect(run.error).toBeUndefined();
    expect(run.status).toBe('SUCCEEDED');
    expect(run.states).toEqual([...VALIDATE_PATH, 'Verified']);
    expect(run.states).not.toContain('DeleteScratch');
    expect(run.states).not.toContain('StartRestore');
    expect(backup.puts.map((p) => p.status)).toEqual(['VALIDATING', 'SUCCESSFUL']);
    const message = backup.puts[1]!.message;
    expect(message).toMatch(
      /^Lifeboat SUCCESSFUL: 3 tables, 1250 rows match previous-report reports\/app-db\/\S+\.json; report reports\/app-db\/\S+\.json$/,
    );
    expect(message.length).toBeLessThanOrEqual(500);
    expect(await restoredStillThere()).toBe(true);
    // The databases of the restored instance were read, with the password Lifeboat set on it.
    expect(live.fixture.connections.seen.filter((s) => s.startsWith(`${RESTORED}/`)).length).toBeGreaterThan(
      0,
    );

    const report = await readReport(message.split('; report ')[1]!);
    expect(report.verdict).toBe('passed');
    expect(report.target).toBe('aws-backup');
    expect(report.baseline?.mode).toBe('previous-report');
    expect(report.awsBackup).toMatchObject({
      restoreJobId: JOB,
      plan: 'weekly_rds',
      restored: { kind: 'instance', id: RESTORED },
      validationStatus: 'SUCCESSFUL',
      sourceCovered: true,
    });
    expect(report.rto.minutes).toBeGreaterThan(39);
    expect(report.rpo.dataAsOf).toBeDefined();

    const [notification] = await publishedNotifications(live.fixture);
    expect(notification?.kind).toBe('restore-verify.passed');
    expect(notification?.summary).toContain(
      `AWS Backup restore test of app-db (plan weekly_rds, job ${JOB}, reported SUCCESSFUL) passed`,
    );
    expect(notification?.details.awsBackup).toMatchObject({
      restoreJobId: JOB,
      validationStatus: 'SUCCESSFUL',
    });
  });

  it('holds a source without a report to the expectations, and says so', async () => {
    const run = await runRestoreVerifyLocally(EVENT, depsWith());

    expect(run.status).toBe('SUCCEEDED');
    expect(backup.puts.map((p) => p.status)).toEqual(['VALIDATING', 'SUCCESSFUL']);
    expect(backup.puts[1]!.message).toContain('3 tables, 1250 rows match the expectations');
  });

  it('reports FAILED with the first difference when the restored data differs from the baseline', async () => {
    await runRestoreVerifyLocally({ source: INSTANCE }, live.fixture.deps);
    await publishedNotifications(live.fixture);
    const app = new pg.Client({ connectionString: live.server.urlFor('app') });
    await app.connect();
    await app.query('DELETE FROM orders WHERE id > 500');
    await app.end();

    const run = await runRestoreVerifyLocally(EVENT, depsWith());

    expect(run.status).toBe('FAILED');
    expect(run.states).toEqual([...VALIDATE_PATH, 'Failed']);
    expect(backup.puts.map((p) => p.status)).toEqual(['VALIDATING', 'FAILED']);
    expect(backup.puts[1]!.message).toContain('3 tables, 750 rows; first difference: app/public.orders');
    expect(await restoredStillThere()).toBe(true);
    const [notification] = await publishedNotifications(live.fixture);
    expect(notification?.kind).toBe('restore-verify.failed');
  });

  it('records a source with neither a report nor expectations as no baseline, FAILED, never a silent SUCCESSFUL', async () => {
    const run = await runRestoreVerifyLocally(EVENT, depsWith({ expectations: [] }));

    expect(run.status).toBe('FAILED');
    expect(backup.puts.map((p) => p.status)).toEqual(['VALIDATING', 'FAILED']);
    expect(backup.puts[1]!.message).toContain(
      'Lifeboat FAILED: no baseline for app-db: 3 tables, 1250 rows fingerprinted, compared with nothing',
    );
    const [notification] = await publishedNotifications(live.fixture);
    expect(notification?.action).toContain('verify.expectations for app-db');
  });

  it('reports TIMED_OUT, without VALIDATING or a password reset, when the validation window leaves no time', async () => {
    backup.mock.restore();
    backup = fakeBackup({ windowHours: 0 });

    const run = await runRestoreVerifyLocally(EVENT, depsWith());

    expect(run.status).toBe('FAILED');
    expect(run.error?.name).toBe('ValidationWindowClosedError');
    expect(run.states).toEqual([
      'ReadInput',
      'ValidateInput',
      'IsPolicyRun',
      'StartValidation',
      'WriteReport',
      'ReportPassed',
      'ReportValidationResult',
      'PublishOutcome',
      'Passed',
      'Failed',
    ]);
    expect(backup.puts.map((p) => p.status)).toEqual(['TIMED_OUT']);
    expect(backup.puts[0]!.message).toContain('lengthen ValidationWindowHours');
    expect(live.fixture.connections.seen).toEqual([]);
    const [notification] = await publishedNotifications(live.fixture);
    expect(notification?.action).toContain(
      'Lengthen ValidationWindowHours of the rds_gold selection of plan weekly_rds',
    );
  });

  it('refuses a malformed event with its field named, and tells AWS Backup nothing', async () => {
    const run = await runRestoreVerifyLocally(
      { ...EVENT, detail: { ...EVENT.detail, createdResourceArn: RESTORED } },
      depsWith(),
    );

    expect(run.status).toBe('FAILED');
    expect(run.error?.name).toBe('InvalidInputError');
    expect(run.error?.cause).toContain(
      'detail.createdResourceArn: must be the ARN of the restored RDS instance',
    );
    expect(run.states).toEqual([
      'ReadInput',
      'ValidateInput',
      'DeleteScratch',
      'PublishOutcome',
      'Passed',
      'Failed',
    ]);
    expect(backup.mock.calls()).toHaveLength(0);
    expect(live.fixture.connections.seen).toEqual([]);
    expect(await restoredStillThere()).toBe(true);
    const [notification] = await publishedNotifications(live.fixture);
    expect(notification?.kind).toBe('restore-verify.failed');
    expect(notification?.database).toBeUndefined();
  });

  it('leaves a job AWS Backup already shows validated as it is (a repeated event)', async () => {
    backup.mock.restore();
    backup = fakeBackup({ validationStatus: 'SUCCESSFUL' });

    const run = await runRestoreVerifyLocally(EVENT, depsWith());

    expect(run.status).toBe('FAILED');
    expect(run.error?.cause).toContain('is already validated SUCCESSFUL');
    expect(backup.puts).toEqual([]);
    expect(backup.mock.commandCalls(PutRestoreValidationResultCommand)).toHaveLength(0);
  });

  it('reports FAILED for a restored database without the restore testing tag, and does not reset its password', async () => {
    const untagged = 'awsbackup-restore-test-0000000000aa';
    await createInstance(live.fixture.rds, untagged);
    const restoredArn = EVENT.detail.createdResourceArn.replace(RESTORED, untagged);
    backup.mock.restore();
    backup = fakeBackup({ restoredArn });

    const run = await runRestoreVerifyLocally(
      { ...EVENT, detail: { ...EVENT.detail, createdResourceArn: restoredArn } },
      depsWith(),
    );

    expect(run.status).toBe('FAILED');
    expect(run.error?.name).toBe('GuardRefusedError');
    expect(backup.puts.map((p) => p.status)).toEqual(['VALIDATING', 'FAILED']);
    expect(backup.puts[1]!.message).toContain(`instance ${untagged} is not tagged awsbackup-restore-test`);
    expect(live.fixture.connections.seen).toEqual([]);
  });

  // Every step of this mode can fail: each fault comes after the real step ran, and the
  // validation still ends FAILED at AWS Backup, never left VALIDATING, and nothing is deleted.
  it.each([
    'StartValidation',
    'ObtainCredentials',
    'PlanFingerprints',
    'FingerprintDatabase',
    'CompareWithBaseline',
    'WriteReport',
  ])('after a fault in %s, reports FAILED to AWS Backup and publishes the failure', async (step) => {
    const deps = depsWith();
    const real = createRestoreVerifyTasks(deps);
    const run = await runRestoreVerifyLocally(EVENT, deps, {
      tasks: {
        [step]: async (input: unknown) => {
          await real[step as keyof typeof real](input);
          throw Object.assign(new Error(`injected fault in ${step}`), { name: 'InjectedFault' });
        },
      },
    });

    expect(run.status).toBe('FAILED');
    expect(run.error).toEqual({ name: 'InjectedFault', cause: `injected fault in ${step}` });
    expect(run.states.slice(-5)).toEqual([
      'ReportPassed',
      'ReportValidationResult',
      'PublishOutcome',
      'Passed',
      'Failed',
    ]);
    expect(backup.puts.map((p) => p.status)).toEqual(['VALIDATING', 'FAILED']);
    expect(backup.puts[1]!.message).toContain(`Lifeboat FAILED: InjectedFault: injected fault in ${step}`);
    expect(await restoredStillThere()).toBe(true);
    const notifications = await publishedNotifications(live.fixture);
    expect(notifications.map((n) => n.kind)).toEqual(['restore-verify.failed']);
  });

  it('says AWS Backup still shows VALIDATING when the result itself cannot be reported', async () => {
    const run = await runRestoreVerifyLocally(EVENT, depsWith(), {
      tasks: {
        ReportValidationResult: async () => {
          throw Object.assign(new Error('AccessDenied on PutRestoreValidationResult'), {
            name: 'AccessDeniedException',
          });
        },
      },
    });

    expect(run.status).toBe('FAILED');
    expect(run.error?.name).toBe('AccessDeniedException');
    expect(backup.puts.map((p) => p.status)).toEqual(['VALIDATING']);
    const [notification] = await publishedNotifications(live.fixture);
    expect(notification?.summary).toContain('reported nothing: still VALIDATING');
    expect(notification?.action).toContain(`AWS Backup still shows restore job ${JOB} as VALIDATING`);
  });
});
