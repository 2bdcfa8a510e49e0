import { describeFormat, formatOf } from '../fingerprint/format.js';
import { canonicalTableKey, parseTableKey } from '../fingerprint/tables.js';
import type { DatabaseFingerprint, TableFingerprint } from '../fingerprint/types.js';
import type { CompareRules, Comparison, TableComparison } from './types.js';

/**
 * Compares a candidate (a restored scratch database) with its baseline, table by table.
 *
 * - A table of the baseline absent from the candidate is `missing`; a changed column signature is
 *   a `mismatch` in every mode: a restore must bring back the schema it was taken with.
 * - `exact`: rows and checksum must be equal; a difference is narrowed to the key-range buckets
 *   whose sums differ when both sides were split on the same keys.
 * - `previous-report`: the data moved on since the baseline, so only the row count is checked,
 *   within `rowCountTolerancePercent` either way; a table new since the baseline is fine.
 * - Expectations (minimum rows) hold in every mode.
 * - Fingerprints that cannot be compared (whyIncomparable: other engine, other fingerprint format,
 *   other row-hash method in `exact` mode) give one `*` mismatch naming why, unless
 *   `acrossFormats: 'row-counts'` degrades the comparison to what still means the same.
 *
 * @example
 * compareFingerprints(drCopy, primary, { mode: 'exact' }).verdict // 'same' | 'different'
 */
export function compareFingerprints(
  baseline: DatabaseFingerprint,
  candidate: DatabaseFingerprint,
  rules: CompareRules,
): Comparison {
  const excluded = (rules.exclude ?? []).map(parseTableKey);
  const expectations = new Map<string, number>();
  for (const { table, minRows } of rules.expectations ?? []) {
    const key = canonicalTableKey(table);
    expectations.set(key, Math.max(minRows, expectations.get(key) ?? 0));
  }
  const isExcluded = (name: string) => {
    const table = readableKey(name);
    if (table === undefined) return false;
    const database = table.database ?? rules.database;
    return excluded.some(
      (entry) =>
        entry.schema === table.schema &&
        entry.name === table.name &&
        (entry.database === undefined || entry.database === database),
    );
  };
  const names = [
    ...new Set([...Object.keys(baseline.tables), ...Object.keys(candidate.tables), ...expectations.keys()]),
  ]
    .filter((name) => !isExcluded(name))
    .sort();

  const refusal = whyIncomparable(baseline, candidate, rules.mode);
  const degraded =
    refusal !== undefined && rules.acrossFormats === 'row-counts' && baseline.engine === candidate.engine;
  const compared: Compared = degraded
    ? { checksums: false, columns: formatOf(baseline) === formatOf(candidate) }
    : { checksums: true, columns: true };
  const tables = names.map((name) =>
    compareTable(
      name,
      baseline.tables[name],
      candidate.tables[name],
      rules,
      expectations.get(name),
      compared,
    ),
  );
  if (refusal !== undefined && !degraded) {
    return {
      verdict: 'different',
      tables: [{ table: '*', verdict: 'mismatch', reason: refusal }, ...tables],
    };
  }
  const same = tables.every((table) => table.verdict === 'exact' || table.verdict === 'within-tolerance');
  const comparison: Comparison = { verdict: same ? 'same' : 'different', tables };
  if (degraded) {
    const checked = compared.columns ? 'row counts and column signatures' : 'row counts only';
    comparison.warnings = [
      `baseline fingerprint is ${describeFormat(baseline)}, this one ${describeFormat(candidate)}: ${checked} compared, not checksums (${refusal})`,
    ];
  }
  return comparison;
}

/** What a comparison across fingerprint formats still looks at. */
interface Compared {
  checksums: boolean;
  columns: boolean;
}

/** A fingerprint's table key, read; undefined for one that cannot be (stored by an older version). */
function readableKey(key: string): ReturnType<typeof parseTableKey> | undefined {
  try {
    return parseTableKey(key);
  } catch {
    return undefined;
  }
}

/**
 * Why two fingerprints cannot be compared in this mode, if so: they are of different engines, of
 * different fingerprint formats (format.ts: checksums, column signatures and even table keys may be
 * computed differently), or, for an exact comparison, of rows hashed by different methods.
 * Fingerprints stored before the method or the format was recorded are format 1 of any method.
 */
export function whyIncomparable(
  baseline: DatabaseFingerprint,
  candidate: DatabaseFingerprint,
  mode: CompareRules['mode'],
): string | undefined {
  if (baseline.engine !== candidate.engine) {
    return `engine ${baseline.engine} -> ${candidate.engine}: fingerprints of different engines never match`;
  }
  if (formatOf(baseline) !== formatOf(candidate)) {
    return `fingerprint format ${formatOf(baseline)} -> ${formatOf(candidate)}: checksums of different formats never match`;
  }
  // Only exact comparisons look at checksums; row counts and columns compare across methods.
  const [a, b] = [baseline.rowHash, candidate.rowHash];
  if (mode === 'exact' && a !== undefined && b !== undefined && a !== b) {
    return `rows hashed ${a} -> ${b}: checksums of different row-hash methods never match (PostgreSQL 13 and older hash text)`;
  }
  return undefined;
}

function compareTable(
  table: string,
  baseline: TableFingerprint | undefined,
  candidate: TableFingerprint | undefined,
  rules: CompareRules,
  minRows: number | undefined,
  compared: Compared,
): TableComparison {
  if (candidate === undefined) {
    const reason =
      baseline === undefined
        ? `expected table not found (at least ${minRows ?? 0} rows expected)`
        : `table lost: ${baseline.rows} rows in the baseline, absent here`;
    return { table, verdict: 'missing', reason };
  }
  if (minRows !== undefined && candidate.rows < minRows) {
    return { table, verdict: 'mismatch', reason: `${candidate.rows} rows, expected at least ${minRows}` };
  }
  if (baseline === undefined) {
    return rules.mode === 'exact'
      ? { table, verdict: 'unexpected', reason: `not in the baseline (${candidate.rows} rows)` }
      : { table, verdict: 'within-tolerance', reason: `new since the baseline (${candidate.rows} rows)` };
  }
  if (compared.columns && baseline.columns !== candidate.columns) {
    return {
      table,
      verdict: 'mismatch',
      reason: `columns changed (signature ${baseline.columns} -> ${candidate.columns})`,
    };
  }
  if (compared.checksums && baseline.rows === candidate.rows && baseline.checksum === candidate.checksum) {
    return { table, verdict: 'exact', reason: `${candidate.rows} rows, checksum ${candidate.checksum}` };
  }
  const rows = `rows ${baseline.rows} -> ${candidate.rows} (${percentChange(baseline.rows, candidate.rows)})`;
  if (!compared.checksums && rules.mode === 'exact') {
    return baseline.rows === candidate.rows
      ? { table, verdict: 'within-tolerance', reason: `${candidate.rows} rows, checksum not comparable` }
      : { table, verdict: 'mismatch', reason: `${rows}, checksum not comparable` };
  }
  if (rules.mode === 'exact') {
    const differingRanges = differingBuckets(baseline, candidate);
    const where =
      differingRanges === undefined
        ? ''
        : `; ${differingRanges.length} of ${candidate.buckets?.length} key ranges differ, first from key ${
            differingRanges[0]?.from ?? '(start)'
          }`;
    return {
      table,
      verdict: 'mismatch',
      reason: `checksum ${baseline.checksum} -> ${candidate.checksum}, ${rows}${where}`,
      differingRanges: differingRanges ?? [],
    };
  }
  const tolerance = rules.rowCountTolerancePercent ?? 0;
  if (withinTolerance(baseline.rows, candidate.rows, tolerance)) {
    return { table, verdict: 'within-tolerance', reason: `${rows}, tolerance ${tolerance}%` };
  }
  return { table, verdict: 'mismatch', reason: `${rows}, beyond the ${tolerance}% tolerance` };
}

/** Growth from an empty table is never a loss; otherwise the change is relative to the baseline. */
function withinTolerance(baselineRows: number, candidateRows: number, tolerancePercent: number): boolean {
  if (baselineRows === 0) return true;
  return (Math.abs(candidateRows - baselineRows) / baselineRows) * 100 <= tolerancePercent;
}

function percentChange(from: number, to: number): string {
  if (from === 0) return to === 0 ? '0%' : 'was empty';
  const change = ((to - from) / from) * 100;
  const rounded = Math.abs(change) < 0.1 && change !== 0 ? change.toPrecision(1) : change.toFixed(1);
  return `${change > 0 ? '+' : ''}${rounded}%`;
}

/**
 * The buckets whose sums differ, when both sides were split on the same keys (the restore of a
 * physical snapshot samples the same pages, and a verification can reuse the baseline's keys).
 * Undefined when the splits cannot be lined up.
 */
function differingBuckets(
  baseline: TableFingerprint,
  candidate: TableFingerprint,
): TableComparison['differingRanges'] | undefined {
  const a = baseline.buckets;
  const b = candidate.buckets;
  if (!a || !b || a.length !== b.length || a.length < 2) return undefined;
  if (a.some((bucket, index) => bucket.from !== b[index]?.from || bucket.to !== b[index]?.to))
    return undefined;
  return a.flatMap((bucket, index) => {
    const other = b[index];
    if (!other || (bucket.rows === other.rows && bucket.checksum === other.checksum)) return [];
    return [{ from: bucket.from, to: bucket.to, baselineRows: bucket.rows, candidateRows: other.rows }];
  });
}
