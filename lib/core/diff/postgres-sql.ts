/**
 * SQL that diffs PostgreSQL tables. Pure text builders: lib/adapters/db/postgres-diff.ts runs them.
 *
 * Rows are hashed by the diff's own row hash on PostgreSQL 14+ (postgres-hash.ts: as strict as
 * the fingerprint's, cheaper, and summed as it is), so a table with a key is summed per bucket in
 * one flat query that hashes each row once. Otherwise (PostgreSQL 13, a table too wide for that
 * hash, a table without a key, bucketed by its rows' own hash) rows are hashed as fingerprints
 * hash them (fingerprint/postgres-sql.ts postgresRowHash) in a subquery kept whole by OFFSET 0,
 * which the sums and buckets name. Either way a table's bucket sums come back from one scan.
 *
 * Numbers built here (bucket bounds, widths, moduli) are bigints Lifeboat computed, written as
 * digits; values from the operator (--where-key) are parameters cast to the key's type.
 */
import {
  postgresRowHash,
  qualifiedName,
  quoteIdent,
  type PostgresColumn,
} from '../fingerprint/postgres-sql.js';
import type { RowHashMethod } from '../fingerprint/types.js';
import { keyBoundConditions, mergedRanges } from './buckets.js';
import { postgresDiffRowHash } from './postgres-hash.js';
import type { BucketPlan, BucketScope, KeyBounds } from './types.js';

/** What the SQL needs to know of a table: its name, columns, key columns and key type. */
export interface PostgresDiffTable {
  schema: string;
  name: string;
  columns: readonly PostgresColumn[];
  primaryKey: readonly string[];
}

/** Every primary-key column of the tables whose oids are in $1, in key order. */
export const POSTGRES_PRIMARY_KEYS_QUERY = `
SELECT i.indrelid::int8::text AS oid, array_agg(a.attname::text ORDER BY k.n) AS names
FROM pg_catalog.pg_index i
CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, n)
JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
WHERE i.indisprimary AND i.indrelid = ANY ($1::oid[])
GROUP BY i.indrelid`;

/** Keeps a hash non-negative, so that its residues nest: h % (16 m) determines h % m. */
const NON_NEGATIVE = '9223372036854775807';

function firstKey(table: PostgresDiffTable): PostgresColumn {
  const name = table.primaryKey[0];
  const column = table.columns.find((c) => c.name === name);
  if (!column) throw new RangeError(`table ${table.schema}.${table.name} has no primary key`);
  return column;
}

/** --where-key bounds on the first key column, as parameters from $1. */
function boundConditions(
  table: PostgresDiffTable,
  bounds: KeyBounds,
): { conditions: string[]; values: string[] } {
  if (bounds.from === undefined && bounds.to === undefined) return { conditions: [], values: [] };
  const key = firstKey(table);
  return keyBoundConditions(quoteIdent(key.name), bounds, (n) => `$${n}::${key.type}`);
}

/**
 * How a table's rows are hashed: `perRow` once per row, then `final` over it (as `h`) is summed.
 * `flat` when `final` names `h` once and nothing else needs `h`: then one query level does it all,
 * which the planner may also run in parallel.
 */
interface TableHashing {
  perRow: string;
  final: string;
  flat: boolean;
}

function hashing(table: PostgresDiffTable, method: RowHashMethod): TableHashing {
  const chained = method === 'typed' ? postgresDiffRowHash(table.columns) : null;
  const { perRow, final } = chained
    ? { perRow: chained, final: 'h' }
    : postgresRowHash(table.columns, method);
  // Without a key, rows are bucketed by their own hash, which the sum names again.
  return { perRow, final, flat: final === 'h' && table.primaryKey.length > 0 };
}

/** The value a plan buckets: the first key as int8, a hash of the key, or of the row (`h`). */
function bucketSource(
  table: PostgresDiffTable,
  plan: BucketPlan,
  hashed: TableHashing,
): { inner?: string; outer: string } {
  if (plan.kind === 'range') return { inner: `${quoteIdent(firstKey(table).name)}::int8`, outer: 'b0' };
  if (table.primaryKey.length === 0) return { outer: `((${hashed.final}) & ${NON_NEGATIVE})` };
  const key = `ROW(${table.primaryKey.map(quoteIdent).join(', ')})::text COLLATE "C"`;
  return { inner: `(pg_catalog.hashtextextended(${key}, 0) & ${NON_NEGATIVE})`, outer: 'b0' };
}

function bucketOf(plan: BucketPlan, source: string): string {
  return plan.kind === 'range'
    ? `((${source} - ${plan.low}) / ${plan.width})`
    : `(${source} % ${plan.modulus})`;
}

/**
 * The rows of a scope: key-range conditions go into the scan (the key's index serves them), hash
 * conditions onto the hashed rows. Returns the FROM clause, the bucket of each row and its `final`
 * hash, as expressions over it.
 */
function scoped(
  table: PostgresDiffTable,
  scope: { plan: BucketPlan; within?: { plan: BucketPlan; buckets: readonly bigint[] } },
  bounds: KeyBounds,
  method: RowHashMethod,
  outputs: string[],
): { sql: string; values: string[]; bucket: string; hash: string } {
  const { conditions, values } = boundConditions(table, bounds);
  const hashed = hashing(table, method);
  const outer: string[] = [];
  const inner = [...outputs, `${hashed.perRow} AS h`];
  // A flat query names the expressions themselves; else the subquery's columns.
  const sourceOf = (plan: BucketPlan) => {
    const source = bucketSource(table, plan, hashed);
    if (source.inner && hashed.flat) return `(${source.inner})`;
    if (source.inner && !inner.includes(`${source.inner} AS b0`)) inner.push(`${source.inner} AS b0`);
    return source.outer;
  };
  const within = scope.within;
  if (within && within.plan.kind === 'range') {
    const k = quoteIdent(firstKey(table).name);
    const ranges = mergedRanges(within.plan, within.buckets).map(
      ([from, to]) => `(${k} >= ${from} AND ${k} < ${to})`,
    );
    conditions.push(ranges.length ? `(${ranges.join(' OR ')})` : 'false');
  } else if (within) {
    outer.push(
      `${bucketOf(within.plan, sourceOf(within.plan))} = ANY ('{${within.buckets.join(',')}}'::int8[])`,
    );
  }
  const bucket = bucketOf(scope.plan, sourceOf(scope.plan));
  const where = (list: string[]) => (list.length ? ` WHERE ${list.join(' AND ')}` : '');
  const relation = qualifiedName(table.schema, table.name);
  if (hashed.flat) {
    return {
      sql: `${relation}${where([...conditions, ...outer])}`,
      values,
      bucket,
      hash: `(${hashed.perRow})`,
    };
  }
  const from =
    `(SELECT ${inner.join(', ')} FROM ${relation}${where(conditions)} OFFSET 0) AS r` + where(outer);
  return { sql: from, values, bucket, hash: hashed.final };
}

/** Rows and hash sum per bucket of a scope, in one scan. */
export function postgresBucketSumsQuery(
  table: PostgresDiffTable,
  scope: BucketScope,
  bounds: KeyBounds,
  method: RowHashMethod,
): { sql: string; values: string[] } {
  const { sql, values, bucket, hash } = scoped(table, scope, bounds, method, []);
  return {
    sql: `SELECT ${bucket}::text AS bucket, count(*)::int8::text AS rows, pg_catalog.sum(${hash})::text AS sum FROM ${sql} GROUP BY 1`,
    values,
  };
}

/** Each row of some buckets, every column as its text (under the fingerprint session settings). */
export function postgresBucketRowsQuery(
  table: PostgresDiffTable,
  scope: Required<BucketScope>,
  bounds: KeyBounds,
  method: RowHashMethod,
): { sql: string; values: string[] } {
  const outputs = table.columns.map((c, i) => `${quoteIdent(c.name)}::text AS v${i}`);
  const { sql, values } = scoped(
    table,
    { plan: scope.within.plan, within: scope.within },
    bounds,
    method,
    outputs,
  );
  const columns = hashing(table, method).flat ? outputs : table.columns.map((_, i) => `v${i}`);
  return { sql: `SELECT ${columns.join(', ')} FROM ${sql}`, values };
}

/** The lowest and highest first-key value within the bounds. */
export function postgresKeySpanQuery(
  table: PostgresDiffTable,
  bounds: KeyBounds,
): { sql: string; values: string[] } {
  const k = quoteIdent(firstKey(table).name);
  const { conditions, values } = boundConditions(table, bounds);
  const where = conditions.length ? ` WHERE ${conditions.join(' AND ')}` : '';
  return {
    sql: `SELECT min(${k})::text AS low, max(${k})::text AS high FROM ${qualifiedName(table.schema, table.name)}${where}`,
    values,
  };
}

/** Integer key types: their buckets are key ranges. */
export const POSTGRES_INTEGER_TYPES = new Set(['int2', 'int4', 'int8']);
