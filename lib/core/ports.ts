import type { DatabaseConnection } from './fingerprint/types.js';
import type { DatabaseSource, Snapshot, SourceKind } from './model.js';
import type { NotificationInput } from './notification/message.js';
import type { Tags } from './tags.js';

/**
 * The RDS operations on snapshots that the use cases need, in one region of one account.
 * The AWS adapter (lib/adapters/aws/rds-snapshots.ts) implements it with the SDK; the local engine
 * used by `lifeboat drill` implements it with a PostgreSQL server.
 */
export interface SnapshotStore {
  readonly region: string;
  /** Every DB instance and Aurora cluster with its tags, all pages. */
  listDatabases(): Promise<DatabaseSource[]>;
  /** Manual and automated snapshots of instances and clusters, all pages. */
  listSnapshots(filter?: { kind?: SourceKind; sourceId?: string }): Promise<Snapshot[]>;
  getSnapshot(kind: SourceKind, id: string): Promise<Snapshot | undefined>;
  createSnapshot(request: { source: DatabaseSource; snapshotId: string; tags: Tags }): Promise<Snapshot>;
  /**
   * Copies a snapshot into this store's region (and account). `sourceArn` may name a snapshot in
   * another region or a snapshot shared from another account.
   */
  copySnapshot(request: {
    kind: SourceKind;
    sourceArn: string;
    sourceRegion: string;
    targetId: string;
    /** The copy's key; without it the copy of an unencrypted snapshot stays unencrypted. */
    kmsKeyId?: string;
    tags: Tags;
  }): Promise<Snapshot>;
  /** Lets exactly one other account restore/copy the snapshot; never `all`. */
  shareSnapshot(snapshot: Snapshot, account: string): Promise<void>;
  unshareSnapshot(snapshot: Snapshot, account: string): Promise<void>;
  /**
   * Deletes a snapshot Lifeboat manages; refuses (GuardRefusedError) anything else. With
   * `failedCopy`, deletes only a copy Lifeboat made (named lifeboat-*, tagged lifeboat:copy-of) whose
   * status RDS reports as `failed` now, so that a retry can take its name.
   */
  deleteSnapshot(snapshot: Snapshot, guard?: { failedCopy: true }): Promise<void>;
  /** Adds tags to a snapshot Lifeboat manages (AddTagsToResource); refuses anything else. */
  tagSnapshot(snapshot: Snapshot, tags: Tags): Promise<void>;
}

/** Publishes an outcome to the SNS topic (lib/core/notification/message.ts is the format). */
export interface Notifier {
  publish(message: NotificationInput): Promise<unknown>;
}

/** A scratch instance (or Aurora scratch cluster with its one instance) made by a restore. */
export interface ScratchInstance {
  kind: SourceKind;
  /** DBInstanceIdentifier, or DBClusterIdentifier for Aurora. */
  id: string;
  /** The instance to connect to: `id` itself, or the cluster's one instance. */
  instanceId: string;
  status: string;
  engine: string;
  endpoint?: { host: string; port: number };
  masterUsername?: string;
  /** A master password change RDS has accepted but not applied yet (PendingModifiedValues). */
  passwordPending?: boolean;
  tags: Tags;
}

export interface ScratchRestoreRequest {
  kind: SourceKind;
  scratchId: string;
  /** Restore from this snapshot (id or ARN) ... */
  snapshotId?: string;
  /**
   * ... or the source to the point in time: from its own automated backups, or at a DR target from
   * the ones replicated there (DBInstanceAutomatedBackupsArn).
   */
  pointInTime?: { sourceId: string; time: Date; automatedBackupsArn?: string };
  /** The source's RDS engine (`postgres`, `aurora-mysql`, ...), for engine-specific settings. */
  engine?: string;
  instanceClass: string;
  subnetGroup?: string;
  securityGroupIds: string[];
  tags: Tags;
}

/**
 * Restores snapshots to scratch instances and removes them. RDS in AWS
 * (lib/adapters/aws/rds-restores.ts); scratch databases on a local PostgreSQL in the drill.
 */
export interface ScratchRestorer {
  startRestore(request: ScratchRestoreRequest): Promise<ScratchInstance>;
  describeScratch(kind: SourceKind, id: string): Promise<ScratchInstance | undefined>;
  /** Sets a fresh master password; the caller keeps it out of logs and state. */
  setMasterPassword(scratch: ScratchInstance, password: string): Promise<void>;
  /** Deletes a scratch instance/cluster without a final snapshot; refuses one not tagged lifeboat:scratch. */
  deleteScratch(kind: SourceKind, id: string): Promise<void>;
  /** Every scratch instance and cluster (tagged lifeboat:scratch=true), for the monitor's cleanup. */
  listScratch(): Promise<ScratchInstance[]>;
}

/** Stores and reads restore-verify reports (S3 in AWS, a folder in the local drill). */
export interface ReportStore {
  put(key: string, body: unknown): Promise<void>;
  get(key: string): Promise<unknown | undefined>;
  /** Keys under a prefix, newest last (keys embed an ISO timestamp). */
  list(prefix: string): Promise<string[]>;
}

/** Where the scheduled runbooks go: one text file per name (`orders.md`, `README.md`). */
export interface RunbookShelf {
  /** Writes the file and returns where it went (an S3 key). */
  put(name: string, content: string): Promise<string>;
}

/** Now, handed in so that use cases stay pure and tests can freeze time. */
export type Clock = () => Date;

/** Adds tags to a snapshot: `lifeboat:verified` after a restore-verify of it passed. */
export interface SnapshotTagger {
  tagSnapshot(snapshot: Pick<Snapshot, 'kind' | 'id' | 'arn'>, tags: Tags): Promise<void>;
}

/** Master credentials of a scratch instance. Never logged, never put in state, reports or messages. */
export interface ScratchCredentials {
  user: string;
  password: string;
}

/**
 * Master credentials for scratch instances. Either the policy's secret (the source's own master
 * credentials, which a restore keeps), or a password Lifeboat sets on the scratch instance. That
 * password is derived from a key and the scratch id, so each step recomputes it and it never sits
 * in the state machine's execution history.
 */
export interface CredentialsProvider {
  scratchPassword(scratch: Pick<ScratchInstance, 'kind' | 'id'>): Promise<string>;
  fromSecret(secretArn: string): Promise<ScratchCredentials>;
}

/** Starts one restore-verify execution per database of a scheduled policy run. */
export interface VerificationStarter {
  /** Same name and input twice (a repeated schedule event) starts one execution, not two. */
  start(name: string, input: Record<string, unknown>): Promise<{ executionId: string }>;
}

/**
 * Where to connect to fingerprint one database of a scratch instance: its RDS endpoint in AWS, the
 * local server in the drill (and in the state machine tests, since moto runs no database).
 */
export interface ConnectionResolver {
  connectionFor(
    scratch: ScratchInstance,
    credentials: ScratchCredentials,
    database: string,
    options?: { tls?: 'verify-full' | 'require' },
  ): DatabaseConnection | Promise<DatabaseConnection>;
}

/** What AWS Backup accepts in PutRestoreValidationResult (ValidationStatus). */
export type RestoreValidationStatus = 'VALIDATING' | 'SUCCESSFUL' | 'FAILED' | 'TIMED_OUT';

/** A restore job as AWS Backup describes it (DescribeRestoreJob), in the fields Lifeboat reads. */
export interface RestoreJob {
  restoreJobId: string;
  status: string;
  resourceType?: string;
  createdResourceArn?: string;
  sourceResourceArn?: string;
  recoveryPointArn?: string;
  /** The plan that started the job (CreatedBy.RestoreTestingPlanArn): only restore tests have one. */
  restoreTestingPlanArn?: string;
  createdAt?: Date;
  completedAt?: Date;
  recoveryPointCreatedAt?: Date;
  validationStatus?: RestoreValidationStatus;
}

/** A restore testing selection of a plan, in the fields Lifeboat reads. */
export interface RestoreTestingSelection {
  name: string;
  resourceType: string;
  /** How long AWS Backup keeps the restored resource for validation; 0 when not set. */
  validationWindowHours: number;
}

/**
 * AWS Backup's restore jobs, for validating restore tests (lib/adapters/aws/backup-restore-jobs.ts).
 * Lifeboat only reads jobs and selections and reports a validation status: AWS Backup owns the
 * restored resource and deletes it after the validation window.
 */
export interface RestoreJobs {
  describeJob(restoreJobId: string): Promise<RestoreJob>;
  listSelections(plan: string): Promise<RestoreTestingSelection[]>;
  /** Once SUCCESSFUL, FAILED or TIMED_OUT is set, AWS Backup keeps it: the answer says whether this call set it. */
  putValidationResult(
    restoreJobId: string,
    status: RestoreValidationStatus,
    message: string,
  ): Promise<{ set: boolean; current?: RestoreValidationStatus }>;
}
