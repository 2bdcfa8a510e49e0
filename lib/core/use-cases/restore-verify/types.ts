import type { Comparison } from '../../compare/types.js';
import type { DatabaseEngine, Fingerprinter } from '../../fingerprint/types.js';
import type { SourceKind } from '../../model.js';
import type { PolicyFile } from '../../policy/schema.js';
import type {
  Clock,
  ConnectionResolver,
  CredentialsProvider,
  Notifier,
  ReportStore,
  RestoreJobs,
  RestoreValidationStatus,
  ScratchRestorer,
  SnapshotStore,
  SnapshotTagger,
  VerificationStarter,
} from '../../ports.js';

/** Where the restore happens: the source's own region, or where a DR copy of its snapshot lives. */
export interface TargetRef {
  /** "primary", "<region>" or "<account>/<region>", as given in the input. */
  name: string;
  region?: string;
  account?: string;
}

/** The ports a restore in one place needs: the primary region, or a DR region/account. */
export interface RestoreSite {
  snapshots: SnapshotStore;
  restorer: ScratchRestorer;
  tagger: SnapshotTagger;
}

/**
 * Everything the restore-verify steps need, built once per Lambda container (AWS) or once per
 * drill (local engine). Nothing here is read from the environment by the steps themselves.
 */
export interface RestoreVerifyDeps extends RestoreSite {
  policies: PolicyFile;
  /** The restore site of a DR target; absent when only the primary is reachable. */
  siteFor?: (target: TargetRef) => RestoreSite;
  fingerprinter: (engine: DatabaseEngine) => Fingerprinter;
  connections: ConnectionResolver;
  credentials: CredentialsProvider;
  reports: ReportStore;
  notifier: Notifier;
  clock: Clock;
  /** Starts one execution per database for a scheduled policy run. */
  starter?: VerificationStarter;
  /** Account and region of the primary, for notifications. */
  account?: string;
  region?: string;
  /** AWS Backup's restore jobs, for validating restore tests; absent where none are validated. */
  restoreJobs?: RestoreJobs;
  /** The databases AWS Backup restore testing restored: described and given a password, never deleted. */
  restoreTestDatabases?: ScratchRestorer;
  /** Key ranges fingerprinted at once per table, passed to the fingerprinter. */
  segments?: number;
  /** Bytes of table per fingerprint run (DEFAULT_PART_BYTES); tests make it small to split. */
  fingerprintPartBytes?: number;
}

/** Start and end of one step, so the report can show where the time went. */
export interface StepTiming {
  startedAt: string;
  finishedAt: string;
}

/** One restore-verify of one database, as decided by ValidateInput. */
export interface VerifyRequest extends StepTiming {
  mode: 'database';
  source: { id: string; kind: SourceKind; engine: string; arn: string };
  policy: string;
  snapshot: string;
  pointInTime?: string;
  target: TargetRef;
  keepScratch: boolean;
  /** Chosen before anything is created, so cleanup can find the scratch even if StartRestore fails midway. */
  scratchId: string;
  execution: string;
  /** `reports/<source>/<runId>.json`; the same for the fingerprints of this run. */
  runId: string;
  databases: string[];
  /** Upper bound on the scratch instance's time to become available, from the policy's RTO. */
  deadline: string;
  /**
   * Set when the run validates an AWS Backup restore test instead of restoring: `scratchId` is
   * then the database AWS Backup restored, which Lifeboat neither restores nor deletes.
   */
  awsBackup?: RestoreTestValidation;
}

/** An AWS Backup restore test Lifeboat validates (validate-restore-test.ts). */
export interface RestoreTestValidation {
  restoreJobId: string;
  plan: string;
  planArn: string;
  resourceType: 'RDS' | 'Aurora';
  /** The database restore testing restored (tagged awsbackup-restore-test). */
  restored: { kind: SourceKind; id: string; arn: string };
  recoveryPointArn: string;
  recoveryPointCreatedAt?: string;
  /** When AWS Backup started the restore job: the measured RTO starts here. */
  restoreStartedAt?: string;
  restoreCompletedAt: string;
  /** The plan's selections of this resource type Lifeboat validates, and the shortest window of theirs. */
  selections: string[];
  windowHours: number;
  /** AWS Backup deletes the restored database after this: the validation must be in before. */
  windowClosesAt: string;
  /** Whether a Lifeboat policy selects the source database (then its reports are the baseline). */
  sourceCovered: boolean;
}

/** What ReportValidationResult told AWS Backup. */
export interface ValidationResult extends StepTiming {
  status: RestoreValidationStatus;
  message: string;
  /** False when the job already had a final status, which AWS Backup keeps. */
  set: boolean;
  current?: RestoreValidationStatus;
}

/** A scheduled run of a policy: one execution per selected database. */
export interface PolicyRunRequest extends StepTiming {
  mode: 'policy';
  policy: string;
  runs: Array<{ name: string; input: { source: string; policy: string } }>;
}

export type ValidatedRequest = VerifyRequest | PolicyRunRequest;

export interface ResolvedSnapshot extends StepTiming {
  kind: SourceKind;
  /** Absent for a point-in-time restore. */
  id?: string;
  arn?: string;
  type?: string;
  createdAt?: string;
  /** The snapshot this one is a copy of (or itself): restores of one origin must match exactly. */
  origin?: string;
  /** What the restore brings back: the snapshot time, or the requested point in time. */
  dataAsOf?: string;
  /** A snapshot Lifeboat made (managed, `lifeboat-` name): the only kind it tags verified. */
  owned?: boolean;
}

export interface StartedRestore extends StepTiming {
  kind: SourceKind;
  id: string;
  instanceId: string;
  restoreStartedAt: string;
}

export interface ReadyScratch extends StepTiming {
  status: string;
  engine: string;
  endpoint?: { host: string; port: number };
  availableAt: string;
}

/** PlanFingerprints' result: one Map item per part; the parts' tables are in the report store. */
export interface FingerprintPlan extends StepTiming {
  key: string;
  items: Array<{ database: string; part: number }>;
  /** Policy settings that selected nothing (an exclusion naming no table), for the report. */
  warnings?: string[];
  /** Databases with tables, every one of them left out by verify.exclude: a choice, not a loss. */
  allExcluded?: string[];
}

export interface DatabaseFingerprintSummary extends StepTiming {
  database: string;
  /** Which part of the database's tables, when PlanFingerprints split them. */
  part?: number;
  /** The share of its one table the part read, when that table was split too. */
  share?: { part: number; of: number };
  /** ReportStore key of the full fingerprint (too large for the execution state). */
  key: string;
  tables: number;
  rows: number;
}

export interface ComparisonSummary extends StepTiming {
  verdict: 'passed' | 'failed';
  baseline: { key: string; mode: 'exact' | 'previous-report' } | null;
  /** Validating an AWS Backup restore test with neither a passed report nor expectations to hold it to. */
  noBaseline?: true;
  /** One line per database for the notification. */
  summary: string;
  /** Tables that are not exact or within tolerance, at most a screenful. */
  differences: Array<{ database: string; table: string; verdict: string; reason: string }>;
  verifiedAt: string;
}

export interface StepError {
  Error: string;
  Cause: string;
}

/**
 * The execution's state as it flows through the ASL: the raw input under `input`, each step's
 * result under its own key (ResultPath), errors under `error` (Catch ResultPath).
 */
export interface RunState {
  /** The execution input as given, of any JSON type (ReadInput wraps it). */
  input?: unknown;
  request?: ValidatedRequest;
  resolved?: ResolvedSnapshot;
  restore?: StartedRestore;
  ready?: ReadyScratch;
  credentials?: { origin: string; passwordSetAt?: string } & StepTiming;
  plan?: FingerprintPlan;
  fingerprints?: DatabaseFingerprintSummary[];
  comparison?: ComparisonSummary;
  report?: { key: string; verdict: 'passed' | 'failed' } & StepTiming;
  verified?: { snapshot: string; at: string; tagged: boolean } & StepTiming;
  cleanup?: { deleted: boolean; reason: string } & StepTiming;
  /** StartValidation: the restored database is ready and AWS Backup shows VALIDATING. */
  validation?: { status: string; engine: string; validatingSince: string } & StepTiming;
  validationResult?: ValidationResult;
  validationError?: StepError;
  error?: StepError;
  reportError?: StepError;
  cleanupError?: StepError;
  [key: string]: unknown;
}

/** Full comparison as stored in the report. */
export interface DatabaseComparison {
  database: string;
  comparison: Comparison;
}
