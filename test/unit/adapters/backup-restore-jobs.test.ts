import {
  BackupClient,
  DescribeRestoreJobCommand,
  InvalidRequestException,
  ListRestoreTestingSelectionsCommand,
  PutRestoreValidationResultCommand,
  BackupServiceException,
  ResourceNotFoundException,
  ServiceUnavailableException,
} from '@aws-sdk/client-backup';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { BackupRestoreJobs } from '../../../lib/adapters/aws/backup-restore-jobs.js';
import { NotFoundError, RetryLaterError } from '../../../lib/core/errors.js';

// moto has no AWS Backup restore jobs or restore testing: the calls are mocked on the documented
// shapes (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_DescribeRestoreJob.html,
// API_ListRestoreTestingSelections.html, API_PutRestoreValidationResult.html) and error names.
const backup = mockClient(BackupClient);
afterEach(() => backup.reset());

const JOB = '8C1E2A4B-6D3F-4A5B-9C7D-1E2F3A4B5C6D';
const PLAN = 'arn:aws:backup:us-east-1:123456789012:restore-testing-plan:weekly_rds-2b7c9e41';
const jobs = () =>
  new BackupRestoreJobs({ client: new BackupClient({ region: 'us-east-1' }), region: 'us-east-1' });
const metadata = { httpStatusCode: 400, requestId: 'r-1' };

describe('BackupRestoreJobs', () => {
  it('reads a restore testing job: its plan, restored resource, dates and validation status', async () => {
    backup.on(DescribeRestoreJobCommand, { RestoreJobId: JOB }).resolves({
      RestoreJobId: JOB,
      Status: 'COMPLETED',
      ResourceType: 'Aurora',
      CreatedResourceArn: 'arn:aws:rds:us-east-1:123456789012:cluster:awsbackup-restore-test-0a9b',
      SourceResourceArn: 'arn:aws:rds:us-east-1:123456789012:cluster:app-cluster',
      CreatedBy: { RestoreTestingPlanArn: PLAN },
      CreationDate: new Date('2026-11-29T05:02:40Z'),
      CompletionDate: new Date('2026-11-29T05:30:19Z'),
      RecoveryPointCreationDate: new Date('2026-11-28T05:00:00Z'),
      ValidationStatus: 'VALIDATING',
    });

    expect(await jobs().describeJob(JOB)).toEqual({
      restoreJobId: JOB,
      status: 'COMPLETED',
      resourceType: 'Aurora',
      createdResourceArn: 'arn:aws:rds:us-east-1:123456789012:cluster:awsbackup-restore-test-0a9b',
      sourceResourceArn: 'arn:aws:rds:us-east-1:123456789012:cluster:app-cluster',
      restoreTestingPlanArn: PLAN,
      createdAt: new Date('2026-11-29T05:02:40Z'),
      completedAt: new Date('2026-11-29T05:30:19Z'),
      recoveryPointCreatedAt: new Date('2026-11-28T05:00:00Z'),
      validationStatus: 'VALIDATING',
    });
  });

  it('reads every page of a plan’s selections; a window not set is 0 hours', async () => {
    backup
      .on(ListRestoreTestingSelectionsCommand, { RestoreTestingPlanName: 'weekly_rds', NextToken: undefined })
      .resolves({
        RestoreTestingSelections: [
          {
            RestoreTestingSelectionName: 'rds_gold',
            RestoreTestingPlanName: 'weekly_rds',
            ProtectedResourceType: 'RDS',
            IamRoleArn: 'arn:aws:iam::123456789012:role/backup',
            CreationTime: new Date(),
            ValidationWindowHours: 6,
          },
        ],
        NextToken: 'page-2',
      })
      .on(ListRestoreTestingSelectionsCommand, { RestoreTestingPlanName: 'weekly_rds', NextToken: 'page-2' })
      .resolves({
        RestoreTestingSelections: [
          {
            RestoreTestingSelectionName: 'aurora_all',
            RestoreTestingPlanName: 'weekly_rds',
            ProtectedResourceType: 'Aurora',
            IamRoleArn: 'arn:aws:iam::123456789012:role/backup',
            CreationTime: new Date(),
          },
        ],
      });

    expect(await jobs().listSelections('weekly_rds')).toEqual([
      { name: 'rds_gold', resourceType: 'RDS', validationWindowHours: 6 },
      { name: 'aurora_all', resourceType: 'Aurora', validationWindowHours: 0 },
    ]);
  });

  it('replaces VALIDATING with the final status and its message', async () => {
    backup
      .on(DescribeRestoreJobCommand)
      .resolves({ RestoreJobId: JOB, Status: 'COMPLETED', ValidationStatus: 'VALIDATING' });
    backup.on(PutRestoreValidationResultCommand).resolves({});

    expect(await jobs().putValidationResult(JOB, 'FAILED', 'Lifeboat FAILED: 3 tables')).toEqual({
      set: true,
      current: 'FAILED',
    });
    expect(backup).toHaveReceivedCommandWith(PutRestoreValidationResultCommand, {
      RestoreJobId: JOB,
      ValidationStatus: 'FAILED',
      ValidationStatusMessage: 'Lifeboat FAILED: 3 tables',
    });
  });

  it('leaves a final status as AWS Backup keeps it, and does not set VALIDATING twice', async () => {
    backup
      .on(DescribeRestoreJobCommand)
      .resolves({ RestoreJobId: JOB, Status: 'COMPLETED', ValidationStatus: 'SUCCESSFUL' });
    expect(await jobs().putValidationResult(JOB, 'FAILED', 'late')).toEqual({
      set: false,
      current: 'SUCCESSFUL',
    });

    backup
      .on(DescribeRestoreJobCommand)
      .resolves({ RestoreJobId: JOB, Status: 'COMPLETED', ValidationStatus: 'VALIDATING' });
    expect(await jobs().putValidationResult(JOB, 'VALIDATING', 'again')).toEqual({
      set: false,
      current: 'VALIDATING',
    });
    expect(backup).not.toHaveReceivedCommand(PutRestoreValidationResultCommand);
  });

  it('takes a status another run set between its read and its write as the answer', async () => {
    backup
      .on(DescribeRestoreJobCommand)
      .resolvesOnce({ RestoreJobId: JOB, Status: 'COMPLETED', ValidationStatus: 'VALIDATING' })
      .resolves({ RestoreJobId: JOB, Status: 'COMPLETED', ValidationStatus: 'TIMED_OUT' });
    backup
      .on(PutRestoreValidationResultCommand)
      .rejects(
        new InvalidRequestException({ message: 'Validation status is already set', $metadata: metadata }),
      );

    expect(await jobs().putValidationResult(JOB, 'SUCCESSFUL', 'ok')).toEqual({
      set: false,
      current: 'TIMED_OUT',
    });
  });

  it('retries throttling and AWS Backup being unavailable later, and names a job it does not know', async () => {
    // ThrottlingException is a common error, not modeled: the SDK raises it as BackupServiceException.
    const throttled = new BackupServiceException({
      name: 'ThrottlingException',
      $fault: 'client',
      message: 'Rate exceeded',
      $metadata: metadata,
    });
    backup.on(DescribeRestoreJobCommand).rejects(throttled);
    await expect(jobs().describeJob(JOB)).rejects.toBeInstanceOf(RetryLaterError);
    backup
      .on(DescribeRestoreJobCommand)
      .rejects(new ServiceUnavailableException({ message: 'try again', $metadata: { httpStatusCode: 500 } }));
    await expect(jobs().describeJob(JOB)).rejects.toBeInstanceOf(RetryLaterError);

    backup
      .on(DescribeRestoreJobCommand)
      .rejects(
        new ResourceNotFoundException({ message: `Restore job ${JOB} not found`, $metadata: metadata }),
      );
    const error = await jobs()
      .describeJob(JOB)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as Error).message).toContain(`describing restore job ${JOB}`);
  });
});
