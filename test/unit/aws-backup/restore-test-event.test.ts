import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  isAwsBackupEvent,
  parseRestoreJobEvent,
  planNameOf,
} from '../../../lib/core/aws-backup/restore-test-event.js';
import { InvalidInputError } from '../../../lib/core/errors.js';

// The documented shape of AWS Backup's "Restore Job State Change" event
// (https://docs.aws.amazon.com/aws-backup/latest/devguide/eventbridge.html).
const rds = JSON.parse(
  readFileSync('test/fixtures/events/aws-backup-restore-test-completed-rds.json', 'utf8'),
);
const aurora = JSON.parse(
  readFileSync('test/fixtures/events/aws-backup-restore-test-completed-aurora.json', 'utf8'),
);
const HERE = { account: '123456789012', region: 'us-east-1' };

function refusal(event: unknown): string {
  try {
    parseRestoreJobEvent(event, HERE);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return (error as Error).message;
  }
  throw new Error('expected the event to be refused');
}

const withDetail = (event: { detail: object }, detail: Record<string, unknown>) => ({
  ...event,
  detail: { ...event.detail, ...detail },
});

describe('parseRestoreJobEvent', () => {
  it('reads a completed RDS restore test: job, plan, restored instance and source', () => {
    expect(parseRestoreJobEvent(rds, HERE)).toEqual({
      restoreJobId: '8C1E2A4B-6D3F-4A5B-9C7D-1E2F3A4B5C6D',
      resourceType: 'RDS',
      plan: { name: 'weekly_rds', arn: rds.detail.restoreTestingPlanArn },
      restored: {
        kind: 'instance',
        id: 'awsbackup-restore-test-6f1d2c3b4a59',
        arn: rds.detail.createdResourceArn,
        region: 'us-east-1',
        account: '123456789012',
      },
      source: {
        kind: 'instance',
        id: 'app-db',
        arn: 'arn:aws:rds:us-east-1:123456789012:db:app-db',
        region: 'us-east-1',
        account: '123456789012',
      },
      recoveryPointArn: rds.detail.recoveryPointArn,
      account: '123456789012',
      region: 'us-east-1',
      createdAt: '2026-11-29T03:05:02.147Z',
      completedAt: '2026-11-29T04:11:57.882Z',
    });
  });

  it('reads a completed Aurora restore test as a cluster', () => {
    const job = parseRestoreJobEvent(aurora, HERE);
    expect(job.restored).toMatchObject({ kind: 'cluster', id: 'awsbackup-restore-test-0a9b8c7d6e5f' });
    expect(job.source).toMatchObject({ kind: 'cluster', id: 'app-cluster' });
  });

  it('takes the plan name from its ARN, with or without the id AWS Backup appends', () => {
    expect(planNameOf('arn:aws:backup:us-east-1:123456789012:restore-testing-plan:weekly_rds')).toBe(
      'weekly_rds',
    );
    expect(planNameOf(rds.detail.restoreTestingPlanArn)).toBe('weekly_rds');
  });

  it('keeps reading when AWS adds a field, and accepts a source in another account', () => {
    const job = parseRestoreJobEvent(
      withDetail(rds, {
        parentJobId: 'P-1',
        sourceResourceArn: 'arn:aws:rds:eu-west-1:210987654321:db:app-db',
      }),
      HERE,
    );
    expect(job.source).toMatchObject({ id: 'app-db', account: '210987654321', region: 'eu-west-1' });
  });

  it('refuses a job that is not finished', () => {
    expect(refusal(withDetail(rds, { status: 'RUNNING' }))).toContain(
      'detail.status: must be COMPLETED: only a finished restore has something to validate',
    );
  });

  it('refuses other resource types', () => {
    expect(refusal(withDetail(rds, { resourceType: 'EC2' }))).toContain(
      'detail.resourceType: must be RDS or Aurora',
    );
  });

  it('refuses a restore job that no restore testing plan started', () => {
    const { restoreTestingPlanArn: _, ...detail } = rds.detail;
    expect(refusal({ ...rds, detail })).toContain('detail.restoreTestingPlanArn');
  });

  it('names each missing or malformed field', () => {
    const message = refusal(
      withDetail(rds, { restoreJobId: '', createdResourceArn: 'awsbackup-restore-test-1' }),
    );
    expect(message).toContain('detail.restoreJobId: must be the restore job id AWS Backup gave');
    expect(message).toContain(
      'detail.createdResourceArn: must be the ARN of the restored RDS instance or Aurora cluster',
    );
  });

  it('refuses an event of another account or region, or a restored resource elsewhere', () => {
    expect(refusal({ ...rds, account: '999999999999' })).toContain('the event is from account 999999999999');
    expect(
      refusal(
        withDetail(rds, {
          createdResourceArn: 'arn:aws:rds:eu-west-1:123456789012:db:awsbackup-restore-test-6f1d2c3b4a59',
        }),
      ),
    ).toContain("is not in the event's account and region");
  });

  it('refuses an RDS job whose restored resource is a cluster', () => {
    expect(refusal(withDetail(rds, { createdResourceArn: aurora.detail.createdResourceArn }))).toContain(
      'a RDS job restores a DB instance',
    );
  });

  it('refuses other events and inputs that are not events at all', () => {
    expect(refusal({ ...rds, 'detail-type': 'Backup Job State Change' })).toContain('detail-type');
    expect(refusal('restore')).toContain('(top level)');
    expect(isAwsBackupEvent(rds)).toBe(true);
    expect(isAwsBackupEvent({ source: 'app-db' })).toBe(false);
    expect(isAwsBackupEvent(null)).toBe(false);
  });
});
