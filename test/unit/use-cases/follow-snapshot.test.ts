import { DescribeDBSnapshotsCommand, RDSClient, type DBSnapshot } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { RdsSnapshotStore } from '../../../lib/adapters/aws/rds-snapshots.js';
import { followSnapshot } from '../../../lib/core/use-cases/take-pre-change-snapshot.js';

// moto makes a snapshot available at once; RDS reports `creating` with a PercentProgress, and
// `failed` for a snapshot it could not make
// (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBSnapshot.html).
const rds = mockClient(RDSClient);
afterEach(() => rds.reset());
const store = new RdsSnapshotStore({ client: new RDSClient({ region: 'us-east-1' }), region: 'us-east-1' });
const ID = 'lifeboat-orders-20261124t094512-pre';

function answers(...states: Array<Partial<DBSnapshot>>) {
  let call = rds.on(DescribeDBSnapshotsCommand);
  for (const state of states) {
    call = call.resolvesOnce({
      DBSnapshots: [
        {
          DBSnapshotIdentifier: ID,
          DBSnapshotArn: `arn:aws:rds:us-east-1:111111111111:snapshot:${ID}`,
          DBInstanceIdentifier: 'orders',
          SnapshotType: 'manual',
          ...state,
        },
      ],
    });
  }
}

async function follow(timeoutMs = 60_000) {
  const progress: string[] = [];
  const slept: number[] = [];
  const end = await followSnapshot({
    store,
    kind: 'instance',
    snapshotId: ID,
    pollMs: 10_000,
    timeoutMs,
    sleep: async (ms) => void slept.push(ms),
    onProgress: (status, percent) => progress.push(`${status} ${percent ?? ''}`.trim()),
  });
  return { end, progress, slept };
}

describe('followSnapshot (lifeboat snapshot --wait)', () => {
  it('ends failed when RDS reports the snapshot failed, telling each change of progress once', async () => {
    answers(
      { Status: 'creating', PercentProgress: 10 },
      { Status: 'creating', PercentProgress: 10 },
      { Status: 'creating', PercentProgress: 60 },
      { Status: 'failed', PercentProgress: 60 },
    );

    const { end, progress, slept } = await follow();

    expect(end).toEqual({ state: 'failed', status: 'failed' });
    expect(progress).toEqual(['creating 10', 'creating 60', 'failed 60']);
    expect(slept).toEqual([10_000, 10_000, 10_000]);
  });

  it('ends available once RDS reports it so', async () => {
    answers({ Status: 'creating', PercentProgress: 0 }, { Status: 'available', PercentProgress: 100 });

    expect((await follow()).end).toEqual({ state: 'available', status: 'available' });
  });

  it('gives up after the timeout, saying what the status still is', async () => {
    answers(...Array.from({ length: 5 }, () => ({ Status: 'creating', PercentProgress: 5 })));

    const { end, slept } = await follow(20_000);

    expect(end).toEqual({ state: 'timed-out', status: 'creating' });
    expect(slept).toEqual([10_000, 10_000]);
  });
});
