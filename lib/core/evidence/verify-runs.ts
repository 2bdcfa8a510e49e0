import type { SourceKind } from '../model.js';
import type { VerifyFailure, VerifyRun } from './types.js';

/** A restore-verify report as the evidence reads it: the source it names and the run. */
export interface ReadRun {
  source: { id: string; kind: SourceKind | null; policy: string | null };
  run: VerifyRun;
}

const time = (value: unknown): string | undefined =>
  typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? new Date(value).toISOString() : undefined;
const number = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;

/**
 * One stored report (`reports/<source>/<runId>.json`), read leniently: reports of every Lifeboat
 * version are evidence, and only the verdict, the times, the target and the RTO are needed. Not a
 * report (another file under reports/): undefined.
 */
export function verifyRunFrom(value: unknown, key: string, rtoObjective: number): ReadRun | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const report = value as Record<string, unknown> & {
    source?: { id?: unknown; kind?: unknown; policy?: unknown };
    snapshot?: { id?: unknown } | null;
    rto?: { minutes?: unknown; objectiveMinutes?: unknown; met?: unknown; verifiedAt?: unknown };
    rpo?: { minutes?: unknown };
    errors?: Array<{ step?: unknown; error?: unknown }>;
    comparison?: { verdict?: unknown; databases?: Array<{ database?: unknown }> };
  };
  if (report.verdict !== 'passed' && report.verdict !== 'failed') return undefined;
  const at = time(report.finishedAt) ?? time(report.rto?.verifiedAt) ?? time(report.startedAt);
  const sourceId = typeof report.source?.id === 'string' ? report.source.id : key.split('/')[1];
  if (!at || !sourceId) return undefined;
  const objective = number(report.rto?.objectiveMinutes) ?? rtoObjective;
  const rto = report.verdict === 'passed' ? number(report.rto?.minutes) : null;
  const run: VerifyRun = {
    at,
    target: typeof report.target === 'string' ? report.target : 'primary',
    snapshotId: typeof report.snapshot?.id === 'string' ? report.snapshot.id : null,
    result: report.verdict,
    rtoMinutes: rto,
    rtoObjectiveMinutes: objective,
    rtoMet: rto === null ? null : rto <= objective,
    rpoMinutes: number(report.rpo?.minutes),
    reportKey: key,
  };
  if (report.verdict === 'failed') run.problem = problemOf(report);
  const kind = report.source?.kind;
  return {
    source: {
      id: sourceId,
      kind: kind === 'instance' || kind === 'cluster' ? kind : null,
      policy: typeof report.source?.policy === 'string' ? report.source.policy : null,
    },
    run,
  };
}

function problemOf(report: {
  errors?: Array<{ step?: unknown; error?: unknown }>;
  comparison?: { verdict?: unknown; databases?: Array<{ database?: unknown }> };
}): string {
  const first = Array.isArray(report.errors) ? report.errors[0] : undefined;
  if (first && typeof first.error === 'string') {
    const text = typeof first.step === 'string' ? `${first.step}: ${first.error}` : first.error;
    return text.length > 200 ? `${text.slice(0, 199)}…` : text;
  }
  if (report.comparison?.verdict === 'different') return 'the restored data differs from the baseline';
  return 'failed (the report names no error)';
}

/** Every failed run, and how long its target took to pass again. */
export function failuresOf(runs: readonly VerifyRun[]): VerifyFailure[] {
  const ordered = [...runs].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return ordered
    .filter((run) => run.result === 'failed')
    .map((failure) => {
      const next = ordered.find(
        (run) => run.result === 'passed' && run.target === failure.target && run.at > failure.at,
      );
      return {
        at: failure.at,
        target: failure.target,
        problem: failure.problem ?? 'failed',
        reportKey: failure.reportKey,
        recoveredAt: next?.at ?? null,
        minutesToRecovery: next ? Math.round((Date.parse(next.at) - Date.parse(failure.at)) / 60_000) : null,
      };
    });
}

/** The RTO of the passed runs: the slowest, the median, and whether every one met its objective. */
export function rtoSummary(runs: readonly VerifyRun[]): {
  runs: number;
  maxMinutes: number | null;
  medianMinutes: number | null;
  met: boolean | null;
} {
  const measured = runs.filter((r) => r.rtoMinutes !== null);
  const values = measured.map((r) => r.rtoMinutes!).sort((a, b) => a - b);
  if (values.length === 0) return { runs: 0, maxMinutes: null, medianMinutes: null, met: null };
  const mid = Math.floor(values.length / 2);
  const median = values.length % 2 === 1 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;
  return {
    runs: values.length,
    maxMinutes: values.at(-1)!,
    medianMinutes: Math.round(median * 100) / 100,
    met: measured.every((r) => r.rtoMet === true),
  };
}
