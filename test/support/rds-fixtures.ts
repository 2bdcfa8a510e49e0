import {
  CreateDBClusterCommand,
  CreateDBInstanceCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBSnapshotsCommand,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { CreateKeyCommand, type KMSClient } from '@aws-sdk/client-kms';

/** Test databases made in moto with the real SDK, the way an operator's would look. */
export async function createInstance(
  rds: RDSClient,
  id: string,
  tags: Record<string, string> = {},
  extra: {
    clusterId?: string;
    engine?: string;
    /** moto knows no default version for some engines (mariadb). */
    engineVersion?: string;
    backupRetentionDays?: number;
    storageEncrypted?: boolean;
    deletionProtection?: boolean;
  } = {},
): Promise<void> {
  await rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: id,
      Engine: extra.engine ?? (extra.clusterId ? 'aurora-postgresql' : 'postgres'),
      DBInstanceClass: 'db.t4g.medium',
      ...(extra.engineVersion ? { EngineVersion: extra.engineVersion } : {}),
      ...(extra.clusterId
        ? { DBClusterIdentifier: extra.clusterId }
        : { AllocatedStorage: 20, MasterUsername: 'admin', MasterUserPassword: 'password-123' }),
      // With a backup retention period RDS (and moto) takes automated snapshots of its own.
      ...(extra.backupRetentionDays !== undefined
        ? { BackupRetentionPeriod: extra.backupRetentionDays }
        : {}),
      ...(extra.storageEncrypted !== undefined ? { StorageEncrypted: extra.storageEncrypted } : {}),
      ...(extra.deletionProtection !== undefined ? { DeletionProtection: extra.deletionProtection } : {}),
      Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
    }),
  );
}

export async function createCluster(
  rds: RDSClient,
  id: string,
  tags: Record<string, string> = {},
  extra: { backupRetentionDays?: number; kmsKeyId?: string } = {},
): Promise<void> {
  await rds.send(
    new CreateDBClusterCommand({
      DBClusterIdentifier: id,
      Engine: 'aurora-postgresql',
      MasterUsername: 'admin',
      MasterUserPassword: 'password-123',
      ...(extra.kmsKeyId !== undefined ? { StorageEncrypted: true, KmsKeyId: extra.kmsKeyId } : {}),
      ...(extra.backupRetentionDays !== undefined
        ? { BackupRetentionPeriod: extra.backupRetentionDays }
        : {}),
      Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
    }),
  );
}

/** A customer-managed KMS key; moto refuses a copy whose KmsKeyId does not exist in that region. */
export async function createKey(kms: KMSClient): Promise<string> {
  const answer = await kms.send(new CreateKeyCommand({ Description: 'lifeboat test key' }));
  return answer.KeyMetadata!.Arn!;
}

/** Every manual and automated snapshot id in the region, instance and cluster, sorted. */
export async function snapshotIds(rds: RDSClient): Promise<string[]> {
  const instance = await rds.send(new DescribeDBSnapshotsCommand({}));
  const cluster = await rds.send(new DescribeDBClusterSnapshotsCommand({}));
  return [
    ...(instance.DBSnapshots ?? []).map((s) => s.DBSnapshotIdentifier!),
    ...(cluster.DBClusterSnapshots ?? []).map((s) => s.DBClusterSnapshotIdentifier!),
  ].sort();
}
