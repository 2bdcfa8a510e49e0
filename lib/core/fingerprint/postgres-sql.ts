/**
 * SQL that fingerprints PostgreSQL tables. Pure text builders: lib/adapters/db/postgres.ts runs them.
 *
 * Each row gets a 64-bit hash and sum() (numeric, so no int8 overflow) adds the hashes up in the
 * same single scan. Two ways to hash a row (RowHashMethod), which give different checksums:
 *
 * `typed` (PostgreSQL 14+, the default there): hash_record_extended() over the row, each column
 * hashed by its type's own hash function where that function is exact, i.e. equal hashes inputs
 * print the same (int2, int4, date, uuid, bytea, text and varchar under the "C" collation, network
 * addresses, numeric of a fixed scale with its sign beside it); as its send form where the hash
 * folds the value (floats, so -0 is not 0; int8, timestamps and times, whose hash XORs their two
 * halves; bpchar, whose hash drops trailing spaces), and
 * as its text otherwise: enums (hashed by OID, which a restore through a dump renumbers), numeric
 * without a scale (its hash ignores the scale), interval (its hash takes 1 mon for 30 days), json
 * (no hash), jsonb (its hash ignores the scale of numbers), arrays (their hash ignores dimensions),
 * domains, composites and extension types. Printing values is most of the cost of a text hash, so
 * this is about 1.3x faster (npm run bench:fingerprint). hash_record_extended() adds its column
 * hashes linearly (31 * h + next), which would let a value swapped between two rows cancel out in
 * the sum, so each row's hash is hashed again with itself as the seed (all 64 bits go into the
 * mix). Its seed is neither 0 nor 1 because NULL hashes to 0, a float zero to the seed and a
 * numeric zero to the seed minus one.
 *
 * `text` (any version): the row's canonical text, one field per column joined with U+001F (unit
 * separator), hashed by hashtextextended(). Each field is unambiguous on its own:
 * - "plain" built-in types (numbers, dates, times, intervals, booleans, uuid, json, jsonb, bytea,
 *   network, arrays of these) print without U+001F (JSON escapes control characters), so their
 *   output text is used as is, with `\N` for NULL, which none of them can print;
 * - strings get their byte length first (-1 for NULL), so '' and NULL and 'NULL' differ and a
 *   separator inside a value cannot shift the next field;
 * - anything else (enums, composites, arrays of strings, extension types) is hashed on its own text
 *   first, so its field is a number, or `\N`.
 * Values go to concat_ws() typed, so each is printed once by its output function; a cast to text
 * first would copy it twice more (measured: about 15% of the whole scan). The NULL marker of a plain
 * column is a second argument that is NULL, hence skipped, unless the value is NULL.
 *
 * Either way the hash is computed in a subquery that OFFSET 0 keeps whole: the planner would
 * otherwise paste the expression into each place the outer query names it.
 */

import type { RowHashMethod } from './types.js';

/** The session every fingerprint runs in, so that every value prints the same way on every server. */
export const POSTGRES_SESSION_SETTINGS: ReadonlyArray<[string, string]> = [
  ['DateStyle', 'ISO'],
  ['TimeZone', 'UTC'],
  ['extra_float_digits', '3'],
  ['bytea_output', 'hex'],
  ['IntervalStyle', 'postgres'],
  ['standard_conforming_strings', 'on'],
  ['search_path', 'pg_catalog'],
  ['statement_timeout', '0'],
  // The planner guesses one group per key for width_bucket(key, ...) and would sort the whole table
  // to group it (measured: 2.4x slower); a hash aggregate of a few buckets is what is wanted.
  ['enable_sort', 'off'],
  // Compiling the long row expression costs more than it saves on scans of a few seconds.
  ['jit', 'off'],
];

/** A column as the catalog query below describes it. */
export interface PostgresColumn {
  name: string;
  /** format_type(): the full type, e.g. numeric(12,2), mood, text[]. */
  type: string;
  /** The type's name after resolving one domain level, e.g. int8, jsonb, _text. */
  baseType: string;
  /** pg_type.typcategory of the base type. */
  category: string;
  builtin: boolean;
  elemType: string | null;
  elemCategory: string | null;
  elemBuiltin: boolean | null;
  /** NOT NULL columns need no NULL marker (the text is the same either way: it only saves work). */
  notNull?: boolean;
  /** The column's type is a domain (over baseType). */
  domain?: boolean;
}

/** hash_record_extended() arrived in PostgreSQL 14 (server_version_num). */
export const TYPED_ROW_HASH_SINCE = 140000;

export type FieldEncoding = 'plain' | 'string' | 'hashed';

const PLAIN_CATEGORIES = new Set(['N', 'D', 'T', 'B', 'I', 'G', 'V']);
const PLAIN_TYPES = new Set(['uuid', 'json', 'jsonb', 'bytea', 'pg_lsn', 'xid', 'xid8', 'cid', 'tid']);
const STRING_TYPES = new Set(['text', 'varchar', 'bpchar', 'name']);

function isPlain(typeName: string, category: string, builtin: boolean): boolean {
  if (!builtin) return false;
  // reg* types are numeric-category but print object names, which may hold any character.
  if (typeName.startsWith('reg')) return false;
  return PLAIN_CATEGORIES.has(category) || PLAIN_TYPES.has(typeName);
}

export function fieldEncoding(column: PostgresColumn): FieldEncoding {
  if (column.builtin && STRING_TYPES.has(column.baseType)) return 'string';
  if (isPlain(column.baseType, column.category, column.builtin)) return 'plain';
  if (
    column.category === 'A' &&
    column.builtin &&
    column.elemType !== null &&
    isPlain(column.elemType, column.elemCategory ?? '', column.elemBuiltin === true)
  ) {
    return 'plain';
  }
  return 'hashed';
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function qualifiedName(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}

/** Built-in types whose own hash function is exact: equal hashes inputs print the same. */
const EXACT_HASH_TYPES = new Set([
  'int2',
  'int4',
  'oid',
  'bool',
  'char',
  'date',
  'uuid',
  'bytea',
  'inet',
  'cidr',
  'macaddr',
  'macaddr8',
  'text',
  'varchar',
  'name',
]);
/**
 * Types whose hash folds or drops part of the value, taken by their binary send form instead:
 * floats hash -0 as 0; int8 and the types stored as one (timestamps, time, and timetz's time) hash
 * the XOR of their two 32-bit halves, so 1 and 2^32, or two times 2^32 + 1 µs (71.6 minutes)
 * apart, hash alike; bpchar's hash drops the trailing spaces an unconstrained bpchar keeps.
 */
const SEND_FORM: Record<string, string> = {
  float4: 'float4send',
  float8: 'float8send',
  int8: 'int8send',
  timestamp: 'timestamp_send',
  timestamptz: 'timestamptz_send',
  time: 'time_send',
  timetz: 'timetz_send',
  bpchar: 'bpcharsend',
};
/** The send form of a column the `typed` method takes as bytes (typedFieldEncoding `bytes`). */
export function sendForm(column: PostgresColumn, sql: string): string {
  const send = SEND_FORM[column.baseType];
  if (!send) throw new RangeError(`${column.baseType} has no send form here`);
  return `pg_catalog.${send}(${sql})`;
}

/** numeric(p) or numeric(p,s): every value has the column's scale, so the hash cannot miss one. */
const FIXED_SCALE_NUMERIC = /^numeric\(\d+(,\d+)?\)$/;

export type TypedFieldEncoding = 'hash' | 'signed-numeric' | 'bytes' | 'text';

/** How the `typed` method takes a column into its row's hash. */
export function typedFieldEncoding(column: PostgresColumn): TypedFieldEncoding {
  if (!column.builtin || column.domain) return 'text';
  if (EXACT_HASH_TYPES.has(column.baseType)) return 'hash';
  if (column.baseType in SEND_FORM) return 'bytes';
  if (column.baseType === 'numeric' && FIXED_SCALE_NUMERIC.test(column.type)) return 'signed-numeric';
  return 'text';
}

/** hash_record_extended()'s seed: any constant but 0 and 1 (see the top of this file). */
const TYPED_SEED = '7046029254386353131';

function typedRowHash(columns: readonly PostgresColumn[]): string {
  const fields = columns.map((column) => {
    const c = quoteIdent(column.name);
    switch (typedFieldEncoding(column)) {
      case 'hash':
        return STRING_TYPES.has(column.baseType) ? `${c} COLLATE "C"` : c;
      // numeric's hash ignores the sign (5.00 and -5.00 hash alike) and gives NaN and both
      // infinities one hash: its sign as a float8 (-1, 0, 1 or NaN) tells them apart.
      case 'signed-numeric':
        return `${c}, pg_catalog.sign(${c})::float8`;
      case 'bytes':
        return sendForm(column, c);
      case 'text':
        return `${c}::text COLLATE "C"`;
    }
  });
  return `pg_catalog.hash_record_extended(ROW(${fields.join(', ')}), ${TYPED_SEED})`;
}

function textRowHash(columns: readonly PostgresColumn[]): string {
  const fields = columns.map((column) => {
    const c = quoteIdent(column.name);
    switch (fieldEncoding(column)) {
      case 'plain':
        return column.notNull ? c : `${c}, CASE WHEN ${c} IS NULL THEN '\\N'::text END`;
      case 'string':
        return `coalesce(pg_catalog.octet_length(${c}), -1), ${c}`;
      case 'hashed': {
        const hash = `pg_catalog.hashtextextended(${c}::text COLLATE "C", 0)`;
        return column.notNull ? hash : `${hash}, CASE WHEN ${c} IS NULL THEN '\\N'::text END`;
      }
    }
  });
  const text = fields.length === 0 ? `''` : `pg_catalog.concat_ws(E'\\x1f', ${fields.join(', ')})`;
  return `pg_catalog.hashtextextended(${text} COLLATE "C", 0)`;
}

/**
 * A row's 64-bit hash in two parts: `perRow`, over the table's columns, is computed once per row
 * as `h` in a subquery; `final`, over `h`, is what is summed.
 */
export function postgresRowHash(
  columns: readonly PostgresColumn[],
  method: RowHashMethod,
): { perRow: string; final: string } {
  return method === 'typed'
    ? { perRow: typedRowHash(columns), final: 'pg_catalog.hashint8extended(h, h)' }
    : { perRow: textRowHash(columns), final: 'h' };
}

/** The rows of a table (`where` applied), each with the `outputs` asked for and its `h`. */
function hashedRows(
  table: { schema: string; name: string },
  columns: readonly PostgresColumn[],
  method: RowHashMethod,
  outputs: string[],
  where: string,
): string {
  const { perRow } = postgresRowHash(columns, method);
  const selected = [...outputs, `${perRow} AS h`].join(', ');
  return `(SELECT ${selected} FROM ${qualifiedName(table.schema, table.name)}${where} OFFSET 0) AS r`;
}

/** Which key range a query covers; bounds are bound as text parameters and cast to the key's type. */
export interface RangePredicate {
  key: { name: string; type: string } | null;
  hasFrom: boolean;
  hasTo: boolean;
}

/** `WHERE` clause for a key range with parameters numbered from `first`; empty for the whole table. */
export function rangeWhere(range: RangePredicate, first = 1): string {
  if (range.key === null) return '';
  const k = quoteIdent(range.key.name);
  const conditions: string[] = [];
  let parameter = first;
  if (range.hasFrom) conditions.push(`${k} >= $${parameter++}::${range.key.type}`);
  if (range.hasTo) conditions.push(`${k} < $${parameter++}::${range.key.type}`);
  return conditions.length === 0 ? '' : ` WHERE ${conditions.join(' AND ')}`;
}

/**
 * Row count and hash sum of one key range in one scan. Both aggregates are returned to the client,
 * so the planner cannot skip computing them.
 */
export function postgresRangeQuery(
  table: { schema: string; name: string },
  columns: readonly PostgresColumn[],
  range: RangePredicate,
  method: RowHashMethod,
): string {
  const { final } = postgresRowHash(columns, method);
  return (
    `SELECT count(*)::int8::text AS rows, pg_catalog.sum(${final})::text AS sum` +
    ` FROM ${hashedRows(table, columns, method, [], rangeWhere(range))}`
  );
}

/**
 * One slice of a table's heap ($1, $2: tids; a TID range scan reads just those blocks, in order,
 * PostgreSQL 14+), summed per key bucket: width_bucket() over the split keys ($3) gives the
 * bucket (0 below the first key), so the slices of every segment add up to the same key-range
 * sums whatever the physical layout, and a key that is random (uuid) costs no extra reads.
 */
export function postgresSliceQuery(
  table: { schema: string; name: string },
  columns: readonly PostgresColumn[],
  slice: { hasFrom: boolean; hasTo: boolean },
  key: { name: string; type: string } | null,
  method: RowHashMethod,
): string {
  const conditions: string[] = [];
  let parameter = 1;
  if (slice.hasFrom) conditions.push(`ctid >= $${parameter++}::tid`);
  if (slice.hasTo) conditions.push(`ctid < $${parameter++}::tid`);
  const where = conditions.length === 0 ? '' : ` WHERE ${conditions.join(' AND ')}`;
  const bucket = key ? `pg_catalog.width_bucket(${quoteIdent(key.name)}, $${parameter}::${key.type}[])` : '0';
  const { final } = postgresRowHash(columns, method);
  return (
    `SELECT ${key ? 'bucket' : '0 AS bucket'}, count(*)::int8::text AS rows, pg_catalog.sum(${final})::text AS sum` +
    ` FROM ${hashedRows(table, columns, method, key ? [`${bucket} AS bucket`] : [], where)}${key ? ' GROUP BY 1' : ''}`
  );
}

/**
 * Split keys at the given quantiles ($1, float8[]) of a page sample ($2 percent) of the key column.
 * REPEATABLE makes the sample, hence the ranges, the same on a physically identical copy.
 */
export function postgresSplitKeysQuery(
  table: { schema: string; name: string },
  key: { name: string },
): string {
  return (
    `SELECT pg_catalog.percentile_disc($1::float8[]) WITHIN GROUP (ORDER BY ${quoteIdent(key.name)})::text[] AS keys` +
    ` FROM ${qualifiedName(table.schema, table.name)} TABLESAMPLE SYSTEM ($2) REPEATABLE (0)`
  );
}

/** The median key of a range, to bisect it. */
export function postgresMedianKeyQuery(
  table: { schema: string; name: string },
  range: RangePredicate & { key: { name: string; type: string } },
): string {
  return (
    `SELECT pg_catalog.percentile_disc(0.5) WITHIN GROUP (ORDER BY ${quoteIdent(range.key.name)})::text AS key` +
    ` FROM ${qualifiedName(table.schema, table.name)}${rangeWhere(range)}`
  );
}

/** Each row's key and hash in a range, to find the rows that differ once a range is small. */
export function postgresRowHashesQuery(
  table: { schema: string; name: string },
  columns: readonly PostgresColumn[],
  range: RangePredicate & { key: { name: string; type: string } },
  method: RowHashMethod,
): string {
  const { final } = postgresRowHash(columns, method);
  const key = `${quoteIdent(range.key.name)}::text AS key`;
  return `SELECT key, (${final})::text AS hash FROM ${hashedRows(table, columns, method, [key], rangeWhere(range))}`;
}

/**
 * User tables (not views, not partitions: a partitioned table is read through its parent) with
 * size estimates. reltuples is -1 until the first ANALYZE or VACUUM (PostgreSQL 14+).
 */
export const POSTGRES_TABLES_QUERY = `
SELECT n.nspname AS schema, c.relname AS name, c.oid::int8::text AS oid,
  CASE WHEN c.relkind = 'p' THEN
    (SELECT coalesce(sum(greatest(p.reltuples, 0)), 0) FROM pg_catalog.pg_partition_tree(c.oid) t
      JOIN pg_catalog.pg_class p ON p.oid = t.relid WHERE t.isleaf)
    ELSE c.reltuples END::float8 AS estimated_rows,
  CASE WHEN c.relkind = 'p' THEN
    (SELECT coalesce(sum(pg_catalog.pg_relation_size(t.relid)), 0) FROM pg_catalog.pg_partition_tree(c.oid) t
      WHERE t.isleaf)
    ELSE pg_catalog.pg_relation_size(c.oid) END::float8 AS bytes,
  pg_catalog.current_setting('block_size')::float8 AS block_size
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
ORDER BY 1, 2`;

/** Columns in order, with what fieldEncoding() needs, for the tables whose oids are in $1. */
export const POSTGRES_COLUMNS_QUERY = `
SELECT a.attrelid::int8::text AS oid, a.attname AS name, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
  a.attnotnull AS not_null, t.typtype = 'd' AS domain,
  b.typname AS base_type, b.typcategory AS category, bn.nspname = 'pg_catalog' AS builtin,
  e.typname AS elem_type, e.typcategory AS elem_category, en.nspname = 'pg_catalog' AS elem_builtin
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
JOIN pg_catalog.pg_type b ON b.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
JOIN pg_catalog.pg_namespace bn ON bn.oid = b.typnamespace
LEFT JOIN pg_catalog.pg_type e ON e.oid = b.typelem AND b.typcategory = 'A'
LEFT JOIN pg_catalog.pg_namespace en ON en.oid = e.typnamespace
WHERE a.attrelid = ANY ($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum`;

/**
 * The first primary-key column of each table: ranges split on it. With a composite key, every row
 * still falls in exactly one range of its first column.
 */
export const POSTGRES_KEYS_QUERY = `
SELECT i.indrelid::int8::text AS oid, a.attname AS name, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
WHERE i.indisprimary AND i.indrelid = ANY ($1::oid[])`;
