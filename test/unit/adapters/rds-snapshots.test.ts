import {
  CopyDBClusterSnapshotCommand,
  CopyDBSnapshotCommand,
  CreateDBSnapshotCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  KMSKeyNotAccessibleFault,
  ModifyDBClusterSnapshotAttributeCommand,
  RDSClient,
  SnapshotQuotaExceededFault,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { RdsSnapshotStore } from '../../../lib/adapters/aws/rds-snapshots.js';
import { GuardRefusedError, RetryLaterError } from '../../../lib/core/errors.js';
import type { DatabaseSource, Snapshot } from '../../../lib/core/model.js';
import { rdsErrorResponse, rdsFault, throttling } from '../../support/sdk-errors.js';

const rds = mockClient(RDSClient);
afterEach(() => rds.reset());

const store = () =>
  new RdsSnapshotStore({ client: new RDSClient({ region: 'us-east-1' }), region: 'us-east-1' });

const orders: DatabaseSource = {
  kind: 'instance',
  id: 'orders',
  arn: 'arn:aws:rds:us-east-1:111111111111:db:orders',
  engine: 'postgres',
  status: 'available',
  tags: {},
};

describe('RdsSnapshotStore error mapping', () => {
  it('turns throttling into RetryLaterError, keeping the SDK error as cause', async () => {
    const throttled = await throttling();
    rds.on(CreateDBSnapshotCommand).rejects(throttled);

    const attempt = store().createSnapshot({ source: orders, snapshotId: 'lifeboat-orders-x', tags: {} });

    await expect(attempt).rejects.toBeInstanceOf(RetryLaterError);
    await expect(attempt).rejects.toMatchObject({ cause: throttled });
  });

  it('turns the snapshot quota into RetryLaterError, and a refused KMS key into the SDK error itself', async () => {
    rds
      .on(CopyDBSnapshotCommand)
      .rejectsOnce(rdsFault(SnapshotQuotaExceededFault, 'Cannot create more than 100 manual snapshots'))
      .rejectsOnce(rdsFault(KMSKeyNotAccessibleFault, 'The specified KMS key is disabled.'));
    const request = {
      kind: 'instance' as const,
      sourceArn: 'arn:aws:rds:us-east-1:111111111111:snapshot:a',
      sourceRegion: 'us-east-1',
      targetId: 'b',
      kmsKeyId: 'alias/k',
      tags: {},
    };

    await expect(store().copySnapshot(request)).rejects.toBeInstanceOf(RetryLaterError);
    await expect(store().copySnapshot(request)).rejects.toBeInstanceOf(KMSKeyNotAccessibleFault);
  });

  it('treats RDS refusing a copy for too many copies in flight as retry-later', async () => {
    rds.on(CopyDBClusterSnapshotCommand).rejects(
      await rdsErrorResponse({
        code: 'InvalidParameterCombination',
        message: 'Cannot start more than 20 concurrent snapshot copy operations to eu-west-1',
      }),
    );

    await expect(
      store().copySnapshot({
        kind: 'cluster',
        sourceArn: 'arn:aws:rds:us-east-1:111111111111:cluster-snapshot:a',
        sourceRegion: 'us-east-1',
        targetId: 'b',
        kmsKeyId: 'alias/k',
        tags: {},
      }),
    ).rejects.toBeInstanceOf(RetryLaterError);
  });

  it('refuses to share a cluster snapshot with "all" without calling RDS', async () => {
    const snapshot: Snapshot = {
      kind: 'cluster',
      id: 'lifeboat-billing-x',
      arn: 'arn:aws:rds:us-east-1:111111111111:cluster-snapshot:lifeboat-billing-x',
      sourceId: 'billing',
      type: 'manual',
      status: 'available',
      encrypted: true,
      region: 'us-east-1',
      tags: { 'lifeboat:managed': 'true' },
    };

    await expect(store().shareSnapshot(snapshot, 'all')).rejects.toBeInstanceOf(GuardRefusedError);
    await expect(store().unshareSnapshot(snapshot, 'all')).rejects.toBeInstanceOf(GuardRefusedError);
    expect(rds).not.toHaveReceivedCommand(ModifyDBClusterSnapshotAttributeCommand);
  });
});

// moto 5.2.1 answers every Describe in one page, ignoring MaxRecords and Marker; RDS pages at 100.
describe('RdsSnapshotStore pagination', () => {
  it('reads every page of instance and cluster snapshots, asking for each with the last Marker', async () => {
    // The SDK's paginator reuses one input object, so the Marker of each call is read as it is made.
    const markers: Array<string | undefined> = [];
    const instancePages = [
      { DBSnapshots: [{ DBSnapshotIdentifier: 'a', DBInstanceIdentifier: 'orders' }], Marker: 'm1' },
      { DBSnapshots: [{ DBSnapshotIdentifier: 'b', DBInstanceIdentifier: 'orders' }], Marker: 'm2' },
      { DBSnapshots: [{ DBSnapshotIdentifier: 'c', DBInstanceIdentifier: 'orders' }] },
    ];
    const clusterPages = [
      { DBClusterSnapshots: [{ DBClusterSnapshotIdentifier: 'd' }], Marker: 'n1' },
      { DBClusterSnapshots: [{ DBClusterSnapshotIdentifier: 'e' }] },
    ];
    rds.on(DescribeDBSnapshotsCommand).callsFake((input: { Marker?: string }) => {
      markers.push(input.Marker);
      return instancePages[markers.length - 1];
    });
    rds.on(DescribeDBClusterSnapshotsCommand).callsFake((input: { Marker?: string }) => {
      markers.push(input.Marker);
      return clusterPages[input.Marker ? 1 : 0];
    });

    const snapshots = await store().listSnapshots();

    expect(snapshots.map((s) => `${s.kind}:${s.id}`)).toEqual([
      'instance:a',
      'instance:b',
      'instance:c',
      'cluster:d',
      'cluster:e',
    ]);
    expect(markers).toEqual([undefined, 'm1', 'm2', undefined, 'n1']);
  });

  it('reads every page of instances and clusters', async () => {
    rds
      .on(DescribeDBInstancesCommand)
      .resolvesOnce({ DBInstances: [{ DBInstanceIdentifier: 'a' }], Marker: 'm1' })
      .resolvesOnce({ DBInstances: [{ DBInstanceIdentifier: 'b', DBClusterIdentifier: 'c' }] });
    rds
      .on(DescribeDBClustersCommand)
      .resolvesOnce({ DBClusters: [{ DBClusterIdentifier: 'c' }], Marker: 'n1' })
      .resolvesOnce({ DBClusters: [{ DBClusterIdentifier: 'd' }] });

    const databases = await store().listDatabases();

    expect(databases.map((d) => [d.kind, d.id, d.clusterId])).toEqual([
      ['instance', 'a', undefined],
      ['instance', 'b', 'c'],
      ['cluster', 'c', undefined],
      ['cluster', 'd', undefined],
    ]);
  });
});
