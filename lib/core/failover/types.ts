import type { SourceKind } from '../model.js';
import type { FailoverInstance } from '../policy/failover.js';
import type { Tags } from '../tags.js';

/**
 * Automated backups of a DB instance replicated into the target region (RDS automated-backup
 * replication), as DescribeDBInstanceAutomatedBackups lists them there. They restore to any time
 * in their window, so they beat a snapshot copy by up to the snapshot interval.
 */
export interface ReplicatedBackup {
  /** DBInstanceAutomatedBackupsArn: what RestoreDBInstanceToPointInTime takes in the target region. */
  arn: string;
  /** DBInstanceIdentifier of the source. */
  sourceId: string;
  /** The source's region (`Region`). */
  sourceRegion: string;
  dbiResourceId?: string;
  /** `replicating`, `active`, `retained`, `creating`, ... */
  status: string;
  engine: string;
  earliest?: Date;
  latest?: Date;
}

/** A snapshot copy of the database at the target, as Lifeboat's copy function made and tagged it. */
export interface DrCopy {
  kind: SourceKind;
  id: string;
  arn: string;
  /** The database it is a copy of (`lifeboat:source`, else the snapshot's own source id). */
  database: string;
  policy?: string;
  status: string;
  engine: string;
  engineVersion?: string;
  /** When the data was taken: the original snapshot's time, which a copy keeps. */
  dataAt: Date;
  /** `lifeboat:verified`: when a restore-verify of it passed. */
  verifiedAt?: string;
  tags: Tags;
}

export type SourceRequest =
  | { mode: 'best' }
  | { mode: 'latest' }
  | { mode: 'time'; time: Date }
  | { mode: 'snapshot'; snapshotId: string };

export type FailoverSource =
  | { type: 'point-in-time'; backup: ReplicatedBackup; time: Date }
  | { type: 'snapshot'; copy: DrCopy; verified: boolean };

export interface FailoverTarget {
  region: string;
  account?: string;
  /** `eu-west-1` or `eu-west-1/222222222222`, as status and the copy tags name targets. */
  label: string;
}

/** One Aurora instance to create, with its settings resolved. */
export interface PlannedInstance extends Omit<FailoverInstance, 'instanceClass'> {
  id: string;
  instanceClass: string;
}

/** What `lifeboat failover` will do, all decided before any call that changes anything. */
export interface FailoverPlan {
  database: string;
  kind: SourceKind;
  engine: string;
  policy: string;
  target: FailoverTarget;
  /** The new database's identifier (a DB instance, or the Aurora cluster). */
  newId: string;
  source: FailoverSource;
  /** The time the restored data is from. */
  dataAt: string;
  /** Writes after `dataAt` up to `to` (the command's start) are not in the new database. */
  dataLoss: { from: string; to: string; minutes: number };
  objectives: { rpoMinutes: number; rtoMinutes: number };
  settings: {
    instanceClass: string;
    subnetGroup?: string;
    securityGroups: string[];
    parameterGroup?: string;
    optionGroup?: string;
    multiAz: boolean;
    deletionProtection: true;
    /** Aurora: the instances created in the restored cluster. */
    instances: PlannedInstance[];
  };
  tags: Tags;
  /** Things the operator must read: an unverified copy, a source older than the RPO. */
  warnings: string[];
  plannedAt: string;
}

/** The new database as RDS reports it, followed until available. */
export interface FailoverDatabase {
  kind: SourceKind;
  id: string;
  status: string;
  endpoint?: { host: string; port: number };
  /** Aurora: each instance's status. */
  instances?: Array<{ id: string; status: string }>;
  tags: Tags;
}
