import type { Comparison } from '../compare/types.js';
import type { DatabaseFingerprint } from '../fingerprint/types.js';
import type { SourceKind } from '../model.js';

export const REPORT_VERSION = 1;

/**
 * What one restore-verify found, stored as JSON at `reports/<source>/<runId>.json`. It is the
 * baseline of the next run, so it carries the full fingerprints, not only their summary.
 */
export interface RestoreVerifyReport {
  version: typeof REPORT_VERSION;
  verdict: 'passed' | 'failed';
  source: { id: string; kind: SourceKind; engine: string; policy: string };
  snapshot: {
    id?: string;
    arn?: string;
    type?: string;
    createdAt?: string;
    origin?: string;
  } | null;
  target: string;
  pointInTime: string | null;
  scratch: { id: string; instanceId?: string; kept: boolean } | null;
  execution: string;
  startedAt: string;
  finishedAt: string;
  /** Measured RTO: from the restore call to the data being verified. */
  rto: {
    restoreStartedAt?: string;
    verifiedAt?: string;
    minutes: number | null;
    objectiveMinutes: number;
    met: boolean | null;
  };
  /** The snapshot's age when the restore started: what would have been lost at that moment. */
  rpo: { dataAsOf?: string; minutes: number | null; objectiveMinutes: number; met: boolean | null };
  timings: Array<{ step: string; startedAt: string; finishedAt: string; seconds: number }>;
  fingerprints: {
    summary: Array<{ database: string; tables: number; rows: number }>;
    databases: Record<string, DatabaseFingerprint>;
  };
  baseline: { key: string; mode: 'exact' | 'previous-report' } | null;
  comparison: {
    verdict: 'same' | 'different' | null;
    databases: Array<{ database: string; comparison: Comparison }>;
  };
  errors: Array<{ step: string; error: string; cause: string }>;
  /** Set when the run validated an AWS Backup restore test (target "aws-backup"). */
  awsBackup?: {
    restoreJobId: string;
    plan: string;
    restored: { kind: SourceKind; id: string; arn: string };
    recoveryPointArn: string;
    windowClosesAt: string;
    /** Whether a Lifeboat policy selects the source database. */
    sourceCovered: boolean;
    /** What Lifeboat tells AWS Backup (PutRestoreValidationResult) for this report. */
    validationStatus: 'SUCCESSFUL' | 'FAILED' | 'TIMED_OUT';
    validationMessage: string;
  };
}

/** Sortable ISO 8601 basic time (20261124T094439Z): keys list oldest first, newest last. */
export function runIdFor(at: Date): string {
  return at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

export function reportPrefix(source: string): string {
  return `reports/${source}/`;
}

export function reportKey(source: string, runId: string): string {
  return `${reportPrefix(source)}${runId}.json`;
}

/** One database's fingerprint, or one part of it when its tables were split over several runs. */
export function fingerprintKey(source: string, runId: string, database: string, part?: number): string {
  const suffix = part === undefined ? '' : `.${part}`;
  return `fingerprints/${source}/${runId}/${encodeURIComponent(database)}${suffix}.json`;
}

/** The tables of each part of each database, as PlanFingerprints split them. */
export function fingerprintPlanKey(source: string, runId: string): string {
  return `fingerprints/${source}/${runId}/plan.json`;
}

export function minutesBetween(from: string | undefined, to: string | undefined): number | null {
  if (!from || !to) return null;
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) ? Math.round((ms / 60_000) * 100) / 100 : null;
}

/** A stored report, checked enough to serve as a baseline (older or foreign files are skipped). */
export function asReport(value: unknown): RestoreVerifyReport | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const report = value as Partial<RestoreVerifyReport>;
  if (report.version !== REPORT_VERSION || (report.verdict !== 'passed' && report.verdict !== 'failed'))
    return undefined;
  if (typeof report.fingerprints?.databases !== 'object' || report.fingerprints.databases === null)
    return undefined;
  return report as RestoreVerifyReport;
}
