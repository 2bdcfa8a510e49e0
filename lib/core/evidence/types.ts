import type { SourceKind } from '../model.js';

export const EVIDENCE_FORMAT = 1;

/**
 * The recoverability evidence of a period: what `lifeboat evidence` prints as JSON and what the
 * HTML and Markdown renderers show. Every number a renderer prints is in here; renderers compute
 * nothing but layout.
 */
export interface Evidence {
  format: typeof EVIDENCE_FORMAT;
  generatedAt: string;
  period: { from: string; to: string; days: number };
  /** Where the snapshots and reports were read: an account and region, or files. */
  sources: { snapshots: string; reports: string };
  databases: DatabaseEvidence[];
  /** Snapshots or reports that name a policy the policy file does not have, and the like. */
  notes: string[];
}

export interface DatabaseEvidence {
  database: string;
  kind: SourceKind;
  policy: string;
  objectives: { rpoMinutes: number; rtoMinutes: number };
  schedule: { expression: string; timezone: string | null };
  adherence: Adherence;
  /** RPO achieved at the source region: the worst data loss a failure at any moment would have cost. */
  rpo: RpoAchieved;
  copies: CopyEvidence[];
  verifications: VerifyRun[];
  failures: VerifyFailure[];
  rto: { runs: number; maxMinutes: number | null; medianMinutes: number | null; met: boolean | null };
}

/**
 * Scheduled snapshots against the schedule. The listing holds only what retention kept, so a
 * scheduled time whose snapshot retention would have deleted anyway is `notCheckable`, not missed.
 */
export interface Adherence {
  expected: number;
  taken: number;
  missed: number;
  notCheckable: number;
  /** taken / (taken + missed), 0..100 with one decimal; null when nothing could be checked. */
  percent: number | null;
  /** The scheduled times with no snapshot that retention would have kept (at most 50, oldest first). */
  missedAt: string[];
}

/** One stretch between two restorable points: data of `from` was the newest until `to`. */
export interface Gap {
  /** When the older snapshot's data is from. */
  from: string;
  /** When the next snapshot became available (or the end of the period, for the open gap). */
  to: string;
  minutes: number;
  /**
   * Retention would have deleted a scheduled snapshot inside this gap, so the listing cannot show
   * whether there was one: the gap is an upper bound, and not held against the objective.
   */
  thinnedByRetention: boolean;
}

export interface RpoAchieved {
  objectiveMinutes: number;
  snapshots: number;
  /** The largest gap not thinned by retention; null when none could be measured. */
  largestGapMinutes: number | null;
  largestGap: Gap | null;
  /** The largest gap thinned by retention: an upper bound on what really happened there. */
  largestThinnedGapMinutes: number | null;
  /**
   * False when a measured gap exceeds the objective; null when only a thinned gap does (the listing
   * cannot tell) or nothing was measured; true when every gap, upper bounds included, is within it.
   */
  met: boolean | null;
  gaps: Gap[];
}

export interface CopyEvidence {
  /** `eu-west-1` or `eu-west-1/222222222222`. */
  target: string;
  /** Set when the target could not be read. */
  error?: string;
  copies: number;
  /** Source snapshots of the period the target's retention keeps, and how many have their copy there. */
  present: number;
  expected: number;
  missing: string[];
  rpo: RpoAchieved;
}

export interface VerifyRun {
  at: string;
  target: string;
  snapshotId: string | null;
  result: 'passed' | 'failed';
  rtoMinutes: number | null;
  rtoObjectiveMinutes: number;
  rtoMet: boolean | null;
  /** The snapshot's age when the restore started. */
  rpoMinutes: number | null;
  reportKey: string;
  /** Why it failed, in one line. */
  problem?: string;
}

export interface VerifyFailure {
  at: string;
  target: string;
  problem: string;
  reportKey: string;
  /** The next passed run at the same target, and how long it took to get there. */
  recoveredAt: string | null;
  minutesToRecovery: number | null;
}
