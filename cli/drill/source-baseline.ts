import { compareFingerprints } from '../../lib/core/compare/compare.js';
import type { DatabaseFingerprint } from '../../lib/core/fingerprint/types.js';
import type { Snapshot } from '../../lib/core/model.js';
import type { Policy } from '../../lib/core/policy/schema.js';
import {
  REPORT_VERSION,
  reportKey,
  runIdFor,
  type RestoreVerifyReport,
} from '../../lib/core/report/report.js';
import { TAG } from '../../lib/core/tags.js';

/** The target name of the source's own report: no restore, the live database itself. */
export const SOURCE_TARGET = 'source';

/**
 * The live source, fingerprinted inside the MVCC snapshot a copy was taken in, as a passed report
 * of the snapshot's origin at the `source` target. Restore-verify takes a passed report of the same
 * origin from another target as an exact baseline (verify.ts), so every restore of that snapshot,
 * primary or DR copy, is held to what the source held at that instant, not to another restore.
 */
export function sourceBaselineReport(facts: {
  snapshot: Snapshot;
  policyName: string;
  policy: Pick<Policy, 'rpoMinutes' | 'rtoMinutes'>;
  database: string;
  fingerprint: DatabaseFingerprint;
  consistentAt: string;
  fingerprintedAt: string;
}): { key: string; report: RestoreVerifyReport } {
  const { snapshot, fingerprint, database } = facts;
  const tables = Object.values(fingerprint.tables);
  const report: RestoreVerifyReport = {
    version: REPORT_VERSION,
    verdict: 'passed',
    source: {
      id: snapshot.sourceId,
      kind: snapshot.kind,
      engine: fingerprint.engine,
      policy: facts.policyName,
    },
    snapshot: {
      id: snapshot.id,
      arn: snapshot.arn,
      type: snapshot.type,
      ...(snapshot.createdAt ? { createdAt: snapshot.createdAt.toISOString() } : {}),
      origin: snapshot.tags[TAG.origin] ?? snapshot.id,
    },
    target: SOURCE_TARGET,
    pointInTime: facts.consistentAt,
    scratch: null,
    execution: `fingerprint of ${snapshot.sourceId} in the MVCC snapshot of ${snapshot.id}`,
    startedAt: facts.consistentAt,
    finishedAt: facts.fingerprintedAt,
    rto: { minutes: null, objectiveMinutes: facts.policy.rtoMinutes, met: null },
    rpo: { dataAsOf: facts.consistentAt, minutes: 0, objectiveMinutes: facts.policy.rpoMinutes, met: true },
    timings: [],
    fingerprints: {
      summary: [{ database, tables: tables.length, rows: tables.reduce((n, t) => n + t.rows, 0) }],
      databases: { [database]: { ...fingerprint, takenAt: facts.consistentAt } },
    },
    baseline: null,
    comparison: { verdict: null, databases: [] },
    errors: [],
  };
  // "--source" sorts before a restore's report of the same second (`<time>-<hex hash>`: "-" is
  // below every hex digit), so it never passes for a newer run.
  const key = reportKey(snapshot.sourceId, `${runIdFor(new Date(facts.consistentAt))}--source`);
  return { key, report };
}

/** Tables equal to the source's snapshot-time fingerprint exactly in every restore, of all tables. */
export function tablesMatchingSource(
  source: DatabaseFingerprint,
  restores: Array<DatabaseFingerprint | undefined>,
): { matching: number; total: number } {
  const names = new Set(Object.keys(source.tables));
  let exact = new Set(names);
  for (const restored of restores) {
    const tables = restored
      ? compareFingerprints(source, restored, { mode: 'exact' }).tables
      : [...names].map((table) => ({ table, verdict: 'missing' }));
    for (const table of tables) names.add(table.table);
    exact = new Set(tables.filter((t) => t.verdict === 'exact' && exact.has(t.table)).map((t) => t.table));
  }
  return { matching: exact.size, total: names.size };
}
