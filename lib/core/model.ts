import type { Tags } from './tags.js';

/** An RDS DB instance or an Aurora DB cluster: the thing a policy protects. */
export type SourceKind = 'instance' | 'cluster';

export interface DatabaseSource {
  kind: SourceKind;
  /** DBInstanceIdentifier or DBClusterIdentifier. */
  id: string;
  arn: string;
  engine: string;
  /** DBInstanceStatus or the cluster's Status, e.g. "available", "stopped", "creating". */
  status: string;
  /** For an instance that belongs to an Aurora cluster: the cluster, which is what gets snapshotted. */
  clusterId?: string;
  tags: Tags;
  /** What the monitor's posture checks read; set by the RDS adapter, absent where unknown. */
  backup?: BackupPosture;
}

/** A database's own protection settings, as DescribeDBInstances / DescribeDBClusters give them. */
export interface BackupPosture {
  /** BackupRetentionPeriod: days of automated backups; 0 means automated backups are off. */
  retentionDays: number;
  deletionProtection: boolean;
  storageEncrypted: boolean;
  /** DBInstanceAutomatedBackupsReplications: the ARNs of its backups replicated to other regions. */
  replications: string[];
}

/**
 * A DB snapshot or DB cluster snapshot as Lifeboat sees it, in one region of one account.
 * `createdAt` is SnapshotCreateTime; RDS leaves it unset while the snapshot is still creating.
 */
export interface Snapshot {
  kind: SourceKind;
  id: string;
  arn: string;
  /** DBInstanceIdentifier / DBClusterIdentifier the snapshot was taken from. */
  sourceId: string;
  /** "manual", "automated", "shared", "awsbackup". Only manual ones can be managed by Lifeboat. */
  type: string;
  /** "available", "creating", "copying", ... */
  status: string;
  createdAt?: Date;
  encrypted: boolean;
  kmsKeyId?: string;
  engine?: string;
  region: string;
  tags: Tags;
  /** Copy progress, 0..100, as reported by RDS. */
  percentProgress?: number;
}

/** Where a copy of a snapshot lives: a region, and optionally another account. */
export interface CopyTarget {
  region: string;
  account?: string;
  kmsKeyId: string;
}
