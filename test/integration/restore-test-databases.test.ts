import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RestoreTestDatabases } from '../../lib/adapters/aws/restore-test-databases.js';
import { GuardRefusedError, VerificationFailedError } from '../../lib/core/errors.js';
import { motoClientConfig, startMoto, type Moto } from '../support/moto.js';
import { createCluster, createInstance } from '../support/rds-fixtures.js';

/** The databases AWS Backup restore testing restored, on moto: described, a password set, never deleted. */
let moto: Moto;
let rds: RDSClient;
let databases: RestoreTestDatabases;
const TAGGED = 'awsbackup-restore-test-6f1d2c3b4a59';

beforeAll(async () => {
  moto = await startMoto();
});
afterAll(async () => {
  await moto?.stop();
});
beforeEach(async () => {
  await moto.reset();
  rds = new RDSClient(motoClientConfig(moto));
  databases = new RestoreTestDatabases({ client: rds, region: 'us-east-1' });
  // Restore testing tags what it restores (restore-testing.html, "Data deletion").
  await createInstance(rds, TAGGED, { 'awsbackup-restore-test': 'weekly_rds' });
});

describe('RestoreTestDatabases', () => {
  it('describes a restored instance and sets its master password (RDS accepts the ModifyDBInstance)', async () => {
    const restored = await databases.describeScratch('instance', TAGGED);
    expect(restored).toMatchObject({
      kind: 'instance',
      id: TAGGED,
      status: 'available',
      masterUsername: 'admin',
      tags: { 'awsbackup-restore-test': 'weekly_rds' },
    });

    await expect(
      databases.setMasterPassword(restored!, 'derived-password-0123456789'),
    ).resolves.toBeUndefined();
  });

  it('refuses the password of a database restore testing did not tag: someone’s own', async () => {
    await createInstance(rds, 'orders', { 'lifeboat:policy': 'gold' });
    const orders = await databases.describeScratch('instance', 'orders');

    await expect(databases.setMasterPassword(orders!, 'derived-password-0123456789')).rejects.toThrow(
      new GuardRefusedError(
        'refusing to set the master password of instance orders: it is not tagged awsbackup-restore-test',
      ),
    );
  });

  it('restores and deletes nothing: AWS Backup owns what it restored', async () => {
    await expect(databases.deleteScratch('instance', TAGGED)).rejects.toBeInstanceOf(GuardRefusedError);
    await expect(databases.startRestore()).rejects.toBeInstanceOf(GuardRefusedError);
    expect(await databases.listScratch()).toEqual([]);
    const still = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: TAGGED })))
      .DBInstances;
    expect(still?.[0]?.DBInstanceStatus).toBe('available');
  });

  it('says a restored Aurora cluster without an instance cannot be connected to', async () => {
    await createCluster(rds, 'awsbackup-restore-test-0a9b8c7d6e5f', {
      'awsbackup-restore-test': 'weekly_rds',
    });

    await expect(databases.describeScratch('cluster', 'awsbackup-restore-test-0a9b8c7d6e5f')).rejects.toThrow(
      VerificationFailedError,
    );
  });

  it('describes a restored Aurora cluster through its instance', async () => {
    const cluster = 'awsbackup-restore-test-0a9b8c7d6e5f';
    await createCluster(rds, cluster, { 'awsbackup-restore-test': 'weekly_rds' });
    await createInstance(rds, `${cluster}-1`, {}, { clusterId: cluster });

    expect(await databases.describeScratch('cluster', cluster)).toMatchObject({
      kind: 'cluster',
      id: cluster,
      instanceId: `${cluster}-1`,
      status: 'available',
      tags: { 'awsbackup-restore-test': 'weekly_rds' },
    });
    expect(await databases.describeScratch('instance', 'awsbackup-restore-test-gone')).toBeUndefined();
  });
});
