import type { SourceKind } from '../model.js';
import type { Tags } from '../tags.js';
import type { DrCopy, FailoverDatabase, FailoverPlan, ReplicatedBackup } from './types.js';

/** What the target region holds to restore from (RDS there, with the operator's credentials). */
export interface RecoverySources {
  readonly region: string;
  /** Automated backups replicated into this region from the database's own region. */
  listReplicatedBackups(database: string): Promise<ReplicatedBackup[]>;
  /** Lifeboat's snapshot copies of the database here, instance and cluster, with their tags. */
  listCopies(database: string): Promise<DrCopy[]>;
}

/** Creates the failover database and reports on it. */
export interface FailoverRestorer {
  /** Starts the restore the plan says; a rerun with the same plan finds the database it created. */
  start(plan: FailoverPlan): Promise<FailoverDatabase>;
  describe(kind: SourceKind, id: string): Promise<FailoverDatabase | undefined>;
}

/** The tags of an S3 bucket, read with the operator's credentials. */
export interface BucketTags {
  /** Its tags; none (S3's NoSuchTagSet) is an empty object. A refused or failed read throws. */
  tagsOf(bucket: string): Promise<Tags>;
}
