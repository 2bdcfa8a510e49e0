import {
  CreateDBSnapshotCommand,
  DBSnapshotNotFoundFault,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { Logger } from '@aws-lambda-powertools/logger';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { runSnapshot } from '../../../functions/snapshot/handler.js';
import { RdsSnapshotStore } from '../../../lib/adapters/aws/rds-snapshots.js';
import { RetryLaterError } from '../../../lib/core/errors.js';
import { takeSnapshots } from '../../../lib/core/use-cases/take-snapshots.js';
import { goldPolicyFile } from '../../support/policies.js';
import { rdsErrorResponse, rdsFault, throttling } from '../../support/sdk-errors.js';
import { recordingNotifier } from '../../support/topic.js';

const rds = mockClient(RDSClient);
afterEach(() => rds.reset());

const policies = goldPolicyFile();
const store = new RdsSnapshotStore({ client: new RDSClient({ region: 'us-east-1' }), region: 'us-east-1' });
const gold = [{ Key: 'lifeboat:policy', Value: 'gold' }];

function instances(...entries: Array<[id: string, status: string]>) {
  rds.on(DescribeDBInstancesCommand).resolves({
    DBInstances: entries.map(([id, status]) => ({
      DBInstanceIdentifier: id,
      DBInstanceArn: `arn:aws:rds:us-east-1:111111111111:db:${id}`,
      DBInstanceStatus: status,
      Engine: 'postgres',
      TagList: gold,
    })),
  });
  rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [] });
  rds.on(DescribeDBSnapshotsCommand).rejects(rdsFault(DBSnapshotNotFoundFault, 'DBSnapshot not found.', 404));
}

describe('takeSnapshots with RDS refusing some requests', () => {
  it('snapshots the other databases when one is throttled, and marks that one retryable', async () => {
    instances(['orders', 'available'], ['catalog', 'available'], ['users', 'available']);
    const throttled = await throttling();
    rds
      .on(CreateDBSnapshotCommand)
      .callsFake((input: { DBInstanceIdentifier: string; DBSnapshotIdentifier: string }) => {
        if (input.DBInstanceIdentifier === 'catalog') throw throttled;
        return { DBSnapshot: { DBSnapshotIdentifier: input.DBSnapshotIdentifier, Status: 'creating' } };
      });

    const result = await takeSnapshots({
      policyName: 'gold',
      policy: policies.policies.gold!,
      scheduledAt: new Date('2026-11-24T12:00:00Z'),
      store,
    });

    expect(result.databases.map((d) => [d.database, d.outcome, d.retryable])).toEqual([
      ['orders', 'created', undefined],
      ['catalog', 'failed', true],
      ['users', 'created', undefined],
    ]);
    expect(result.databases[1]?.reason).toMatch(/RetryLaterError: .*Throttling: Rate exceeded/);
    expect(rds).toHaveReceivedCommandTimes(CreateDBSnapshotCommand, 3);
  });

  it('does not ask RDS for a snapshot of an instance that is backing up, and says it will come back', async () => {
    instances(['orders', 'backing-up'], ['archive', 'stopped']);

    const result = await takeSnapshots({
      policyName: 'gold',
      policy: policies.policies.gold!,
      scheduledAt: new Date('2026-11-24T12:00:00Z'),
      store,
    });

    expect(result.databases).toEqual([
      expect.objectContaining({ database: 'orders', outcome: 'failed', retryable: true }),
      expect.objectContaining({
        database: 'archive',
        outcome: 'skipped',
        reason: expect.stringMatching(/stopped/),
      }),
    ]);
    expect(rds).not.toHaveReceivedCommand(CreateDBSnapshotCommand);
  });

  it('marks retryable an instance that RDS refuses as not available, having started backing up since it was listed', async () => {
    instances(['orders', 'available']);
    rds.on(CreateDBSnapshotCommand).rejects(
      await rdsErrorResponse({
        code: 'InvalidDBInstanceState',
        message:
          'Cannot create a snapshot because the database instance orders is not currently in the available state.',
      }),
    );

    const result = await takeSnapshots({
      policyName: 'gold',
      policy: policies.policies.gold!,
      scheduledAt: new Date('2026-11-24T12:00:00Z'),
      store,
    });

    expect(result.databases).toEqual([
      expect.objectContaining({ database: 'orders', outcome: 'failed', retryable: true }),
    ]);
    expect(result.databases[0]?.reason).toMatch(/RetryLaterError: .*InvalidDBInstanceState: Cannot create/);
  });

  it('fails the Lambda run as retry-later when every failure is one, so Lambda invokes it again', async () => {
    instances(['orders', 'available'], ['catalog', 'available']);
    rds.on(CreateDBSnapshotCommand).rejects(await throttling());

    const run = runSnapshot(
      { policy: 'gold', time: '2026-11-24T12:00:00Z' },
      {
        policies,
        store,
        notifier: recordingNotifier(),
        logger: new Logger({ logLevel: 'SILENT' }),
        clock: () => new Date('2026-11-24T12:00:30Z'),
      },
    );

    await expect(run).rejects.toBeInstanceOf(RetryLaterError);
    await expect(run).rejects.toThrow(/snapshots failed for orders .*; catalog /);
  });
});
