import {
  CreateDBClusterSnapshotCommand,
  CreateDBSnapshotCommand,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  ModifyDBInstanceCommand,
  RDSClient,
  RestoreDBClusterFromSnapshotCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
  RestoreDBInstanceToPointInTimeCommand,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RdsScratchRestorer } from '../../lib/adapters/aws/rds-restores.js';
import { GuardRefusedError, NotFoundError, RetryLaterError } from '../../lib/core/errors.js';
import type { ScratchRestoreRequest } from '../../lib/core/ports.js';
import { TAG } from '../../lib/core/tags.js';
import { motoClientConfig, startMoto, type Moto } from '../support/moto.js';
import { createCluster, createInstance } from '../support/rds-fixtures.js';
import { rdsErrorResponse } from '../support/sdk-errors.js';

const SCRATCH_TAGS = {
  [TAG.scratch]: 'true',
  [TAG.expiresAt]: '2026-01-01T08:00:00.000Z',
  [TAG.restoredFrom]: 'snap-1',
  [TAG.execution]: 'arn:aws:states:us-east-1:123456789012:execution:restore-verify:run-1',
};

/** A restore of snapshot snap-1 into scratch instance lbs-prod-db-1, as StartRestore asks for it. */
function instanceRequest(overrides: Partial<ScratchRestoreRequest> = {}): ScratchRestoreRequest {
  return {
    kind: 'instance',
    scratchId: 'lbs-prod-db-1',
    snapshotId: 'snap-1',
    instanceClass: 'db.t4g.medium',
    securityGroupIds: [],
    tags: SCRATCH_TAGS,
    ...overrides,
  };
}

let moto: Moto;
let rds: RDSClient;
let restorer: RdsScratchRestorer;

beforeAll(async () => {
  moto = await startMoto();
  rds = new RDSClient(motoClientConfig(moto));
  restorer = new RdsScratchRestorer({ client: rds, region: 'us-east-1' });
});

afterAll(async () => {
  await moto?.stop();
});

beforeEach(async () => {
  await moto.reset();
  await createInstance(rds, 'prod-db');

  await rds.send(
    new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'prod-db', DBSnapshotIdentifier: 'snap-1' }),
  );
  await createCluster(rds, 'prod-cluster');

  await rds.send(
    new CreateDBClusterSnapshotCommand({
      DBClusterIdentifier: 'prod-cluster',
      DBClusterSnapshotIdentifier: 'csnap-1',
    }),
  );
});

async function instanceIds(): Promise<string[]> {
  return ((await rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? [])
    .map((i) => i.DBInstanceIdentifier!)
    .sort();
}

describe('RdsScratchRestorer on moto', () => {
  it('restores a snapshot to a private, deletable scratch instance with the scratch tags', async () => {
    const scratch = await restorer.startRestore(instanceRequest());

    expect(scratch).toMatchObject({ kind: 'instance', id: 'lbs-prod-db-1', instanceId: 'lbs-prod-db-1' });
    const described = await restorer.describeScratch('instance', 'lbs-prod-db-1');
    expect(described?.tags).toMatchObject(SCRATCH_TAGS);
    expect(described?.masterUsername).toBe('admin');
    const [instance] = (
      await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'lbs-prod-db-1' }))
    ).DBInstances!;
    // moto leaves PubliclyAccessible out of its answer; the call-shape test below asserts it is sent.
    expect(instance?.DeletionProtection).toBe(false);
    expect(instance?.DBInstanceClass).toBe('db.t4g.medium');
  });

  it('restores an instance to a point in time of its source', async () => {
    await restorer.startRestore(
      instanceRequest({
        scratchId: 'lbs-prod-db-pitr',
        snapshotId: undefined,
        pointInTime: { sourceId: 'prod-db', time: new Date(Date.now() - 60_000) },
      }),
    );
    expect(await instanceIds()).toContain('lbs-prod-db-pitr');
  });

  it('restores an Aurora cluster snapshot and adds one instance, then deletes both', async () => {
    const scratch = await restorer.startRestore({
      kind: 'cluster',
      scratchId: 'lbs-prod-cluster-1',
      snapshotId: 'csnap-1',
      instanceClass: 'db.r6g.large',
      securityGroupIds: [],
      tags: SCRATCH_TAGS,
    });

    expect(scratch).toMatchObject({
      kind: 'cluster',
      id: 'lbs-prod-cluster-1',
      instanceId: 'lbs-prod-cluster-1-1',
    });
    expect(scratch.engine).toBe('aurora-postgresql');
    expect(await instanceIds()).toContain('lbs-prod-cluster-1-1');

    await restorer.deleteScratch('cluster', 'lbs-prod-cluster-1');

    expect(await instanceIds()).not.toContain('lbs-prod-cluster-1-1');
    const clusters = (await rds.send(new DescribeDBClustersCommand({}))).DBClusters ?? [];
    expect(clusters.map((c) => c.DBClusterIdentifier)).toEqual(['prod-cluster']);
  });

  it('continues a restore its own execution already started, and refuses one it did not', async () => {
    const request = instanceRequest();
    await restorer.startRestore(request);

    await expect(restorer.startRestore(request)).resolves.toMatchObject({ id: 'lbs-prod-db-1' });
    await expect(
      restorer.startRestore({ ...request, tags: { ...SCRATCH_TAGS, [TAG.execution]: 'another-run' } }),
    ).rejects.toBeInstanceOf(GuardRefusedError);
  });

  it('lists only scratch instances and clusters', async () => {
    await restorer.startRestore(instanceRequest());
    expect((await restorer.listScratch()).map((s) => s.id)).toEqual(['lbs-prod-db-1']);
  });

  it('tags a snapshot Lifeboat made verified, and refuses any other snapshot or tag key', async () => {
    await rds.send(
      new CreateDBSnapshotCommand({
        DBInstanceIdentifier: 'prod-db',
        DBSnapshotIdentifier: 'lifeboat-prod-db-1',
      }),
    );
    const arn = (id: string) => `arn:aws:rds:us-east-1:123456789012:snapshot:${id}`;
    const ours = { kind: 'instance' as const, id: 'lifeboat-prod-db-1', arn: arn('lifeboat-prod-db-1') };
    await restorer.tagSnapshot(ours, { [TAG.verified]: '2026-01-01T00:00:00Z' });

    await expect(
      restorer.tagSnapshot({ kind: 'instance', id: 'snap-1', arn: arn('snap-1') }, { [TAG.verified]: 'x' }),
    ).rejects.toBeInstanceOf(GuardRefusedError);
    await expect(
      restorer.tagSnapshot({ ...ours, arn: arn('snap-1') }, { [TAG.verified]: 'x' }),
    ).rejects.toBeInstanceOf(GuardRefusedError);
    await expect(
      restorer.tagSnapshot(ours, { [TAG.verified]: 'x', [TAG.managed]: 'true' }),
    ).rejects.toBeInstanceOf(GuardRefusedError);
    const { RdsSnapshotStore } = await import('../../lib/adapters/aws/rds-snapshots.js');
    const store = new RdsSnapshotStore({ client: rds, region: 'us-east-1' });
    expect((await store.getSnapshot('instance', 'lifeboat-prod-db-1'))?.tags).toEqual({
      [TAG.verified]: '2026-01-01T00:00:00Z',
    });
    expect((await store.getSnapshot('instance', 'snap-1'))?.tags).toEqual({});
  });
});

describe('RdsScratchRestorer guard', () => {
  it('deletes a scratch instance without a final snapshot', async () => {
    await restorer.startRestore(instanceRequest());
    await restorer.deleteScratch('instance', 'lbs-prod-db-1');
    expect(await instanceIds()).toEqual(['prod-db']);
  });

  it('refuses to delete an instance not tagged lifeboat:scratch=true, and leaves it', async () => {
    await expect(restorer.deleteScratch('instance', 'prod-db')).rejects.toBeInstanceOf(GuardRefusedError);
    await expect(restorer.deleteScratch('cluster', 'prod-cluster')).rejects.toBeInstanceOf(GuardRefusedError);
    expect(await instanceIds()).toEqual(['prod-db']);
  });

  it('refuses to reset the master password of an instance that is not a scratch', async () => {
    const prod = await restorer.describeScratch('instance', 'prod-db');
    await expect(restorer.setMasterPassword(prod!, 'x'.repeat(20))).rejects.toBeInstanceOf(GuardRefusedError);
  });

  it('reports a scratch instance that does not exist as not found', async () => {
    await expect(restorer.deleteScratch('instance', 'lbs-gone')).rejects.toBeInstanceOf(NotFoundError);
    expect(await restorer.describeScratch('instance', 'lbs-gone')).toBeUndefined();
  });
});

describe('RdsScratchRestorer call shapes', () => {
  // A mock of this one client only, so the moto tests above keep their real clients.
  const client = new RDSClient({ region: 'us-east-1' });
  const mock = mockClient(client);
  const mocked = new RdsScratchRestorer({ client, region: 'us-east-1' });
  const scratchInstance = {
    DBInstanceIdentifier: 'lbs-x',
    DBInstanceStatus: 'available',
    Engine: 'postgres',
    TagList: [{ Key: TAG.scratch, Value: 'true' }],
  };

  afterEach(() => {
    mock.reset();
  });

  it('restores with the policy subnet group and security groups, not publicly accessible', async () => {
    mock.on(RestoreDBInstanceFromDBSnapshotCommand).resolves({ DBInstance: scratchInstance });
    await mocked.startRestore(
      instanceRequest({
        scratchId: 'lbs-x',
        subnetGroup: 'lifeboat-scratch',
        securityGroupIds: ['sg-0123456789abcdef0'],
      }),
    );
    expect(mock).toHaveReceivedCommandWith(RestoreDBInstanceFromDBSnapshotCommand, {
      DBInstanceIdentifier: 'lbs-x',
      DBSnapshotIdentifier: 'snap-1',
      DBSubnetGroupName: 'lifeboat-scratch',
      VpcSecurityGroupIds: ['sg-0123456789abcdef0'],
      PubliclyAccessible: false,
      DeletionProtection: false,
    });
  });

  it('restores without automated backups or RDS Extended Support where the engine has them', async () => {
    mock.on(RestoreDBInstanceFromDBSnapshotCommand).resolves({ DBInstance: scratchInstance });
    mock.on(RestoreDBInstanceToPointInTimeCommand).resolves({ DBInstance: scratchInstance });
    mock.on(DescribeDBClusterSnapshotsCommand).resolves({
      DBClusterSnapshots: [{ Engine: 'aurora-postgresql', EngineVersion: '16.4' }],
    });
    mock.on(DescribeDBClustersCommand).resolves({
      DBClusters: [{ DBClusterIdentifier: 'lbs-c', Status: 'creating', TagList: scratchInstance.TagList }],
    });

    await mocked.startRestore(instanceRequest({ scratchId: 'lbs-x', engine: 'postgres' }));
    await mocked.startRestore(
      instanceRequest({
        scratchId: 'lbs-m',
        engine: 'mariadb',
        snapshotId: undefined,
        pointInTime: { sourceId: 'prod-db', time: new Date('2026-01-01T00:00:00Z') },
      }),
    );
    await mocked.startRestore(
      instanceRequest({
        kind: 'cluster',
        scratchId: 'lbs-c',
        snapshotId: 'csnap-1',
        engine: 'aurora-postgresql',
      }),
    );

    expect(mock).toHaveReceivedCommandWith(RestoreDBInstanceFromDBSnapshotCommand, {
      BackupRetentionPeriod: 0,
      EngineLifecycleSupport: 'open-source-rds-extended-support-disabled',
    });
    // RDS for MariaDB has no Extended Support, and no EngineLifecycleSupport setting.
    const mariadb = mock.commandCalls(RestoreDBInstanceToPointInTimeCommand)[0]!.args[0].input;
    expect(mariadb.BackupRetentionPeriod).toBe(0);
    expect(mariadb).not.toHaveProperty('EngineLifecycleSupport');
    expect(mock).toHaveReceivedCommandWith(RestoreDBClusterFromSnapshotCommand, {
      BackupRetentionPeriod: 1,
      EngineLifecycleSupport: 'open-source-rds-extended-support-disabled',
    });
  });

  it('reports a master password RDS has not applied yet, on an instance and on a cluster', async () => {
    mock.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [{ ...scratchInstance, PendingModifiedValues: { MasterUserPassword: '****' } }],
    });
    mock.on(DescribeDBClustersCommand).resolves({
      DBClusters: [
        {
          DBClusterIdentifier: 'lbs-c',
          Status: 'available',
          TagList: scratchInstance.TagList,
          PendingModifiedValues: { MasterUserPassword: '****' },
        },
      ],
    });

    expect((await mocked.describeScratch('instance', 'lbs-x'))?.passwordPending).toBe(true);
    expect((await mocked.describeScratch('cluster', 'lbs-c'))?.passwordPending).toBe(true);
    mock.reset();
    mock.on(DescribeDBInstancesCommand).resolves({ DBInstances: [scratchInstance] });
    expect((await mocked.describeScratch('instance', 'lbs-x'))?.passwordPending).toBeUndefined();
  });

  it('sets the master password with ApplyImmediately and keeps it out of the error', async () => {
    mock.on(DescribeDBInstancesCommand).resolves({ DBInstances: [scratchInstance] });
    // Whatever RDS echoes back of the request must not reach a log or a notification.
    mock.on(ModifyDBInstanceCommand).rejects(
      await rdsErrorResponse({
        code: 'InvalidParameterValue',
        message: 'The parameter MasterUserPassword is not a valid password: s3cret-pass',
      }),
    );
    const error = await mocked
      .setMasterPassword(
        {
          kind: 'instance',
          id: 'lbs-x',
          instanceId: 'lbs-x',
          status: 'available',
          engine: 'postgres',
          tags: {},
        },
        's3cret-pass',
      )
      .then(
        () => undefined,
        (e: unknown) => e as Error,
      );
    expect(mock).toHaveReceivedCommandWith(ModifyDBInstanceCommand, {
      DBInstanceIdentifier: 'lbs-x',
      MasterUserPassword: 's3cret-pass',
      ApplyImmediately: true,
    });
    expect(error).toBeInstanceOf(Error);
    expect(error?.message).not.toContain('s3cret-pass');
    expect(error?.cause).toBeUndefined();
  });

  it('deletes with SkipFinalSnapshot and turns a busy instance into RetryLaterError', async () => {
    mock.on(DescribeDBInstancesCommand).resolves({ DBInstances: [scratchInstance] });
    mock.on(DeleteDBInstanceCommand).rejects(
      await rdsErrorResponse({
        code: 'InvalidDBInstanceState',
        message: 'Instance lbs-x is currently modifying and cannot be deleted.',
      }),
    );
    await expect(mocked.deleteScratch('instance', 'lbs-x')).rejects.toBeInstanceOf(RetryLaterError);
    expect(mock).toHaveReceivedCommandWith(DeleteDBInstanceCommand, {
      DBInstanceIdentifier: 'lbs-x',
      SkipFinalSnapshot: true,
    });
    expect(mock).not.toHaveReceivedCommand(DeleteDBClusterCommand);
  });
});
