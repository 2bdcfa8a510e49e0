import { compareFingerprints } from '../../compare/compare.js';
import type { CompareRules, Comparison } from '../../compare/types.js';
import { ConfigError, InvalidInputError } from '../../errors.js';
import { engineOfRds } from '../../fingerprint/engine.js';
import { joinParts, planParts, type FingerprintPart } from '../../fingerprint/parts.js';
import { parseTableKey, TableSelection, tableKey } from '../../fingerprint/tables.js';
import type { DatabaseEngine, DatabaseFingerprint } from '../../fingerprint/types.js';
import type { VerifyPolicy } from '../../policy/schema.js';
import {
  asReport,
  fingerprintKey,
  fingerprintPlanKey,
  reportKey,
  reportPrefix,
  type RestoreVerifyReport,
} from '../../report/report.js';
import { policyOf, requestOf, timed } from './common.js';
import { credentialsFor, describeAvailable, loginRefused } from './restore.js';
import type {
  ComparisonSummary,
  DatabaseComparison,
  DatabaseFingerprintSummary,
  FingerprintPlan,
  RestoreVerifyDeps,
  RunState,
} from './types.js';

/** Reports read, newest first, when looking for a baseline; older ones are stale anyway. */
const BASELINE_LOOKBACK = 30;
const MAX_DIFFERENCES = 20;

export function engineOf(rdsEngine: string): DatabaseEngine {
  const engine = engineOfRds(rdsEngine);
  if (!engine) {
    throw new ConfigError(`engine "${rdsEngine}" cannot be fingerprinted: PostgreSQL, MySQL and MariaDB can`);
  }
  return engine;
}

export function comparisonKey(source: string, runId: string): string {
  return `comparisons/${source}/${runId}.json`;
}

type FingerprintPlanTables = Record<string, FingerprintPart[]>;

/** The available scratch instance, and how to connect to each of its databases as the policy says. */
async function scratchConnections(state: RunState, verify: VerifyPolicy, deps: RestoreVerifyDeps) {
  const scratch = await describeAvailable(state, deps);
  const credentials = await credentialsFor(scratch, deps);
  return {
    fingerprinter: deps.fingerprinter(engineOf(scratch.engine)),
    connectionTo: async (database: string) =>
      deps.connections.connectionFor(scratch, credentials, database, { tls: verify.tls }),
  };
}

/**
 * Lists the tables of every database of the scratch instance with their sizes and splits each
 * database into parts that one fingerprint run (a Lambda invocation, at most 15 minutes) can read.
 * The parts' tables go to the report store (a database may have thousands of tables, more than an
 * execution's state may hold); the state gets one Map item per part.
 */
export async function planFingerprints(state: RunState, deps: RestoreVerifyDeps): Promise<FingerprintPlan> {
  const request = requestOf(state);
  const { verify } = policyOf(deps, request);
  return timed(deps, async () => {
    const { fingerprinter, connectionTo } = await scratchConnections(state, verify, deps);
    const plan: FingerprintPlanTables = {};
    // Applied here rather than by listTables, to learn which exclusions named no table at all.
    const exclusions = new TableSelection({ exclude: verify.exclude });
    const allExcluded: string[] = [];
    for (const database of request.databases) {
      const connection = await connectionTo(database);
      // The first login after the password reset.
      const listed = await fingerprinter
        .listTables(connection, { databases: [database] })
        .catch((error: unknown) => {
          throw loginRefused(error, state, deps.clock());
        });
      const tables = listed.filter(
        (table) => exclusions.select([parseTableKey(table.table)], database).length > 0,
      );
      if (listed.length > 0 && tables.length === 0) allExcluded.push(database);
      const parts = planParts(tables, deps.fingerprintPartBytes);
      // The shares of a table must split on the same keys: found once here, not by each share.
      const keys = new Map<string, string[]>();
      for (const part of parts.filter((p) => p.share)) {
        const table = part.tables[0]!;
        if (!keys.has(table)) keys.set(table, await fingerprinter.splitKeys(connection, table));
        part.boundaries = keys.get(table)!;
      }
      plan[database] = parts;
    }
    const key = fingerprintPlanKey(request.source.id, request.runId);
    await deps.reports.put(key, plan);
    const items = Object.entries(plan).flatMap(([database, parts]) =>
      parts.map((_, part) => ({ database, part })),
    );
    // A misspelt exclusion would otherwise pass unnoticed while the table it meant is read.
    const warnings = exclusions
      .exclusionsNotFound()
      .map(
        (table) =>
          `verify.exclude "${table}" names no table in database${request.databases.length > 1 ? 's' : ''} ${request.databases.join(', ')}`,
      );
    return {
      key,
      items,
      ...(warnings.length > 0 ? { warnings } : {}),
      ...(allExcluded.length > 0 ? { allExcluded } : {}),
    };
  });
}

/** One part, from the stored plan; undefined (every table) without a plan. */
async function partOf(
  item: { database: string; part?: number; plan?: string },
  deps: RestoreVerifyDeps,
): Promise<FingerprintPart | undefined> {
  if (item.part === undefined || item.plan === undefined) return undefined;
  const plan = (await deps.reports.get(item.plan)) as FingerprintPlanTables | undefined;
  const part = plan?.[item.database]?.[item.part];
  if (!part)
    throw new InvalidInputError(`part ${item.part} of database ${item.database} is not in ${item.plan}`);
  return part;
}

/**
 * Fingerprints one part of one database of the scratch instance (one iteration of the Map), or the
 * whole database when not given a part. The full fingerprint goes to the report store: with
 * per-range buckets it can outgrow the 256 KiB an execution's state may hold.
 */
export async function fingerprintDatabase(
  item: { database: string; part?: number; plan?: string } & RunState,
  deps: RestoreVerifyDeps,
): Promise<DatabaseFingerprintSummary> {
  const request = requestOf(item);
  const { verify } = policyOf(deps, request);
  if (!item.database) throw new InvalidInputError('FingerprintDatabase needs $.database');
  return timed(deps, async () => {
    const part = await partOf(item, deps);
    const { fingerprinter, connectionTo } = await scratchConnections(item, verify, deps);
    const fingerprint = await fingerprinter.fingerprint(await connectionTo(item.database), {
      databases: [item.database],
      exclude: verify.exclude,
      ...(part?.tables.length ? { tables: part.tables } : {}),
      ...(part?.share ? { share: part.share } : {}),
      ...(part?.boundaries ? { boundaries: { [part.tables[0]!]: part.boundaries } } : {}),
      ...(deps.segments ? { segments: deps.segments } : {}),
    });
    const key = fingerprintKey(request.source.id, request.runId, item.database, item.part);
    await deps.reports.put(key, {
      ...fingerprint,
      takenAt: fingerprint.takenAt ?? deps.clock().toISOString(),
    });
    const fingerprinted = Object.values(fingerprint.tables);
    return {
      database: item.database,
      ...(item.part !== undefined ? { part: item.part } : {}),
      ...(part?.share ? { share: part.share } : {}),
      key,
      tables: fingerprinted.length,
      rows: fingerprinted.reduce((n, t) => n + t.rows, 0),
    };
  });
}

export async function loadFingerprints(
  state: RunState,
  deps: Pick<RestoreVerifyDeps, 'reports'>,
): Promise<Record<string, DatabaseFingerprint>> {
  const parts: Record<string, { found: DatabaseFingerprint[]; shared: Set<string> }> = {};
  for (const summary of state.fingerprints ?? []) {
    const stored = (await deps.reports.get(summary.key)) as DatabaseFingerprint | undefined;
    if (!stored) throw new InvalidInputError(`fingerprint ${summary.key} is missing from the report store`);
    const database = (parts[summary.database] ??= { found: [], shared: new Set() });
    database.found.push(stored);
    // A share of a table: the other shares of the same table add to it.
    if (summary.share) for (const table of Object.keys(stored.tables)) database.shared.add(table);
  }
  return Object.fromEntries(
    Object.entries(parts).map(([database, { found, shared }]) => [database, joinParts(found, shared)]),
  );
}

interface Baseline {
  key: string;
  mode: 'exact' | 'previous-report';
  report: RestoreVerifyReport;
}

/**
 * The strongest baseline available: a passed report of the same snapshot restored at another
 * target (must match exactly), else the newest passed report of this source. A DR copy without
 * the first (at a DR site: the primary's report, replicated) gets the reason, so that the weaker
 * comparison is never mistaken for the exact one.
 */
async function findBaseline(
  state: RunState,
  deps: RestoreVerifyDeps,
): Promise<{ baseline: Baseline | null; reason?: string }> {
  const request = requestOf(state);
  const own = reportKey(request.source.id, request.runId);
  const keys = (await deps.reports.list(reportPrefix(request.source.id)))
    .filter((k) => k !== own)
    .reverse()
    .slice(0, BASELINE_LOOKBACK);
  const origin = state.resolved?.origin;
  let previous: { key: string; report: RestoreVerifyReport } | undefined;
  let failedExact: { key: string; target: string } | undefined;
  for (const key of keys) {
    const report = asReport(await deps.reports.get(key));
    if (!report) continue;
    const sameSnapshot =
      origin && report.snapshot?.origin === origin && report.target !== request.target.name;
    if (report.verdict !== 'passed') {
      if (sameSnapshot) failedExact ??= { key, target: report.target };
      continue;
    }
    if (sameSnapshot) return { baseline: { key, mode: 'exact', report } };
    previous ??= { key, report };
  }
  const baseline = previous ? { ...previous, mode: 'previous-report' as const } : null;
  const instead = baseline
    ? `held to the previous report ${baseline.key} instead (no table lost, same columns, row counts within tolerance)`
    : 'and no previous report either: only the expectations were checked';
  // A point in time is replayed from transaction logs to a second no snapshot was taken at: no
  // other report restored the same data, so there is nothing to match exactly, at any target.
  if (request.pointInTime) {
    const time = state.resolved?.dataAsOf ?? request.pointInTime;
    return {
      baseline,
      reason: `not compared exactly: point in time ${time} is restored from automated backups, and no other restore is of that same second; ${instead}`,
    };
  }
  if (request.target.name === 'primary' || !origin) return { baseline };
  const missing = failedExact
    ? `the report of snapshot ${origin} at ${failedExact.target} (${failedExact.key}) failed`
    : `no report of snapshot ${origin} from the primary or another target is in ${reportPrefix(request.source.id)} ` +
      '(not replicated yet, or never verified there)';
  return { baseline, reason: `not compared exactly: ${missing}; ${instead}` };
}

/**
 * The expectations that hold in one database. `db/schema.table` names its database; a plain
 * `schema.table` holds wherever that table is, and in the first database when it is nowhere, so a
 * table that vanished everywhere is still reported missing.
 */
export function expectationsFor(
  database: string,
  expectations: Array<{ table: string; minRows: number }>,
  candidates: Record<string, DatabaseFingerprint>,
  references: Record<string, DatabaseFingerprint>,
): Array<{ table: string; minRows: number }> {
  const names = Object.keys(candidates);
  const has = (db: string, table: string) =>
    Boolean(candidates[db]?.tables[table] ?? references[db]?.tables[table]);
  return expectations.flatMap((expectation) => {
    const { database: named, ...table } = parseTableKey(expectation.table);
    const key = tableKey(table);
    if (named !== undefined) return named === database ? [{ ...expectation, table: key }] : [];
    if (has(database, key)) return [{ ...expectation, table: key }];
    const anywhere = names.some((db) => has(db, key));
    return !anywhere && database === names[0] ? [{ ...expectation, table: key }] : [];
  });
}

/**
 * Compares every fingerprinted database with the baseline. Without one (the first run), the
 * candidate is checked against itself, which leaves the declared expectations (minimum rows).
 */
export async function compareWithBaseline(
  state: RunState,
  deps: RestoreVerifyDeps,
): Promise<ComparisonSummary> {
  const request = requestOf(state);
  const { verify } = policyOf(deps, request);
  return timed(deps, async () => {
    const candidates = await loadFingerprints(state, deps);
    const { baseline, reason } = await findBaseline(state, deps);
    const allExcluded = new Set(state.plan?.allExcluded ?? []);
    const warnings = [
      ...(state.plan?.warnings ?? []),
      ...[...allExcluded].map((database) => `verify.exclude leaves out every table of database ${database}`),
    ];
    const mode = baseline?.mode ?? 'previous-report';
    const rules: CompareRules = {
      mode,
      rowCountTolerancePercent: verify.rowCountTolerancePercent,
      expectations: verify.expectations,
      exclude: verify.exclude,
      // A baseline stored by another Lifeboat version (another fingerprint format) holds row counts
      // still; failing on it would fail every run after an upgrade, as it stays the newest passed.
      acrossFormats: 'row-counts',
    };
    const references = Object.fromEntries(
      Object.entries(candidates).map(([db, candidate]) => [
        db,
        baseline?.report.fingerprints.databases[db] ?? candidate,
      ]),
    );
    const databases: DatabaseComparison[] = Object.entries(candidates).map(([database, candidate]) => {
      const expectations = expectationsFor(database, verify.expectations, candidates, references);
      const comparison: Comparison = compareFingerprints(references[database]!, candidate, {
        ...rules,
        expectations,
        database,
      });
      const all = [...warnings, ...(comparison.warnings ?? [])];
      return { database, comparison: all.length > 0 ? { ...comparison, warnings: all } : comparison };
    });
    const formatWarnings = [
      ...new Set(databases.flatMap(({ comparison }) => comparison.warnings ?? [])),
    ].filter((warning) => !warnings.includes(warning));
    await deps.reports.put(comparisonKey(request.source.id, request.runId), databases);

    const differences = databases.flatMap(({ database, comparison }) =>
      comparison.tables
        .filter((t) => t.verdict !== 'exact' && t.verdict !== 'within-tolerance')
        .map((t) => ({ database, table: t.table, verdict: t.verdict, reason: t.reason })),
    );
    // Nothing checked is never a pass: a database with no table fingerprinted (all dropped, or
    // empty) fails the run even when it equals its baseline, and so does a run with no table at
    // all. A database whose every table the policy excludes is the policy's choice: a warning.
    const unchecked = new Set(
      Object.entries(candidates)
        .filter(
          ([database, candidate]) => Object.keys(candidate.tables).length === 0 && !allExcluded.has(database),
        )
        .map(([database]) => database),
    );
    for (const database of request.databases) if (!candidates[database]) unchecked.add(database);
    const checkedTables = Object.values(candidates).reduce((sum, c) => sum + Object.keys(c.tables).length, 0);
    // An AWS Backup restore test has no first run that later ones build on: compared with nothing
    // (no passed report, no expectations), it is recorded as no baseline, never a silent pass.
    const noBaseline = Boolean(request.awsBackup) && !baseline && verify.expectations.length === 0;
    const passed =
      !noBaseline &&
      checkedTables > 0 &&
      unchecked.size === 0 &&
      databases.every((d) => d.comparison.verdict === 'same');
    const summary = databases
      .map(({ database, comparison }) => {
        if (unchecked.has(database)) return `${database}: no table fingerprinted, nothing was checked`;
        if (allExcluded.has(database)) return `${database}: every table excluded by verify.exclude`;
        const bad = comparison.tables.filter(
          (t) => t.verdict !== 'exact' && t.verdict !== 'within-tolerance',
        );
        return `${database}: ${comparison.tables.length} tables, ${
          bad.length === 0
            ? 'all match'
            : `${bad.length} differ (${bad
                .slice(0, 3)
                .map((t) => `${t.table} ${t.verdict}: ${t.reason}`)
                .join('; ')})`
        }`;
      })
      .concat(
        [...unchecked]
          .filter((database) => !candidates[database])
          .map((database) => `${database}: no table fingerprinted, nothing was checked`),
      )
      .join('; ');
    return {
      verdict: passed ? 'passed' : 'failed',
      baseline: baseline ? { key: baseline.key, mode: baseline.mode } : null,
      ...(noBaseline ? { noBaseline: true as const } : {}),
      ...(reason ? { baselineReason: reason } : {}),
      summary: `${summary || 'no database fingerprinted'} (baseline: ${baseline ? `${baseline.mode} ${baseline.key}` : noBaseline ? 'none: no passed report and no verify.expectations, so not a pass' : 'none, first verification'})${reason ? `; warning: ${reason}` : ''}${[...warnings, ...formatWarnings].map((warning) => `; warning: ${warning}`).join('')}`,
      differences: differences.slice(0, MAX_DIFFERENCES),
      verifiedAt: deps.clock().toISOString(),
    };
  });
}
