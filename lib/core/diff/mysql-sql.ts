/**
 * SQL that diffs MySQL and MariaDB tables. Pure text builders: lib/adapters/db/mysql-diff.ts runs them.
 *
 * Rows are hashed as fingerprints hash them (fingerprint/mysql-sql.ts mysqlRowHash). Values are
 * read so that equal text means equal bytes, and can be written back as literals: numbers, dates
 * and times as their text, character strings (and JSON, ENUM, SET) as the hex of their UTF-8
 * bytes, byte strings as the hex of their bytes. Numbers built here are bigints Lifeboat computed,
 * written as digits (a bound parameter would be a string, compared as a double).
 */
import {
  MYSQL_PLAIN_TYPES,
  mysqlKeyCast,
  mysqlQualifiedName,
  mysqlRowHash,
  quoteMysqlIdent,
  type MysqlColumn,
} from '../fingerprint/mysql-sql.js';
import { keyBoundConditions, mergedRanges } from './buckets.js';
import type { BucketPlan, BucketScope, KeyBounds } from './types.js';

export interface MysqlDiffTable {
  schema: string;
  name: string;
  columns: readonly MysqlColumn[];
  primaryKey: readonly string[];
}

/** How a column's values are read and written back. */
export type MysqlValueEncoding = 'number' | 'bits' | 'text' | 'utf8-hex' | 'bytes-hex';

/** Plain types and others that print as plain text: quoted, not hex. */
const TEXTS = new Set(['date', 'datetime', 'timestamp', 'time', 'uuid', 'inet4', 'inet6']);
const BYTES = new Set([
  'binary',
  'varbinary',
  'tinyblob',
  'blob',
  'mediumblob',
  'longblob',
  'geometry',
  'point',
  'linestring',
  'polygon',
]);

export function mysqlValueEncoding(dataType: string): MysqlValueEncoding {
  const type = dataType.toLowerCase();
  if (type === 'bit') return 'bits';
  if (TEXTS.has(type)) return 'text';
  if (MYSQL_PLAIN_TYPES.has(type)) return 'number';
  if (BYTES.has(type)) return 'bytes-hex';
  return 'utf8-hex';
}

/** The expression a column's value is read as (and a row without a key is matched by). */
export function mysqlValueExpression(column: MysqlColumn): string {
  const c = quoteMysqlIdent(column.name);
  switch (mysqlValueEncoding(column.dataType)) {
    case 'number':
    case 'text':
      return `CAST(${c} AS CHAR)`;
    case 'bits':
      return `CAST(${c} + 0 AS CHAR)`;
    case 'utf8-hex':
      return `HEX(CONVERT(${c} USING utf8mb4))`;
    case 'bytes-hex':
      return `HEX(${c})`;
  }
}

/** Every primary-key column of the tables of schema ?, in key order. */
export const MYSQL_PRIMARY_KEYS_QUERY = `SELECT TABLE_NAME AS \`table\`, COLUMN_NAME AS name
FROM information_schema.STATISTICS WHERE INDEX_NAME = 'PRIMARY' AND TABLE_SCHEMA = ?
ORDER BY TABLE_NAME, SEQ_IN_INDEX`;

function firstKey(table: MysqlDiffTable): MysqlColumn {
  const column = table.columns.find((c) => c.name === table.primaryKey[0]);
  if (!column) throw new RangeError(`table ${table.schema}.${table.name} has no primary key`);
  return column;
}

function boundConditions(
  table: MysqlDiffTable,
  bounds: KeyBounds,
): { conditions: string[]; values: string[] } {
  if (bounds.from === undefined && bounds.to === undefined) return { conditions: [], values: [] };
  const key = firstKey(table);
  const cast = mysqlKeyCast(key);
  // A string bound is compared in the column's own collation, so it needs no cast.
  const bound = cast === null || cast === 'CHAR' ? '?' : `CAST(? AS ${cast})`;
  return keyBoundConditions(quoteMysqlIdent(key.name), bounds, () => bound);
}

function bucketSource(table: MysqlDiffTable, plan: BucketPlan): string {
  if (plan.kind === 'range') return quoteMysqlIdent(firstKey(table).name);
  if (table.primaryKey.length === 0) return mysqlRowHash(table.columns);
  return `CRC32(CONCAT_WS(',', ${table.primaryKey.map((name) => `HEX(${quoteMysqlIdent(name)})`).join(', ')}))`;
}

function bucketOf(table: MysqlDiffTable, plan: BucketPlan): string {
  const source = bucketSource(table, plan);
  return plan.kind === 'range'
    ? `((${source} - (${plan.low})) DIV ${plan.width})`
    : `(${source} % ${plan.modulus})`;
}

function scopeWhere(
  table: MysqlDiffTable,
  scope: BucketScope,
  bounds: KeyBounds,
): { where: string; values: string[] } {
  const { conditions, values } = boundConditions(table, bounds);
  const within = scope.within;
  if (within && within.plan.kind === 'range') {
    const k = quoteMysqlIdent(firstKey(table).name);
    const ranges = mergedRanges(within.plan, within.buckets).map(
      ([from, to]) => `(${k} >= ${from} AND ${k} < ${to})`,
    );
    conditions.push(ranges.length ? `(${ranges.join(' OR ')})` : 'FALSE');
  } else if (within) {
    conditions.push(`${bucketOf(table, within.plan)} IN (${within.buckets.join(', ') || 'NULL'})`);
  }
  return { where: conditions.length ? ` WHERE ${conditions.join(' AND ')}` : '', values };
}

export function mysqlBucketSumsQuery(
  table: MysqlDiffTable,
  scope: BucketScope,
  bounds: KeyBounds,
): { sql: string; values: string[] } {
  const { where, values } = scopeWhere(table, scope, bounds);
  return {
    sql:
      `SELECT CAST(${bucketOf(table, scope.plan)} AS CHAR) AS bucket, COUNT(*) AS \`rows\`,` +
      ` CAST(SUM(${mysqlRowHash(table.columns)}) AS CHAR) AS \`sum\` FROM ${mysqlQualifiedName(table)}${where} GROUP BY 1`,
    values,
  };
}

export function mysqlBucketRowsQuery(
  table: MysqlDiffTable,
  scope: Required<BucketScope>,
  bounds: KeyBounds,
): { sql: string; values: string[] } {
  const { where, values } = scopeWhere(table, { plan: scope.within.plan, within: scope.within }, bounds);
  return {
    sql: `SELECT ${table.columns.map(mysqlValueExpression).join(', ')} FROM ${mysqlQualifiedName(table)}${where}`,
    values,
  };
}

export function mysqlKeySpanQuery(
  table: MysqlDiffTable,
  bounds: KeyBounds,
): { sql: string; values: string[] } {
  const k = quoteMysqlIdent(firstKey(table).name);
  const { conditions, values } = boundConditions(table, bounds);
  const where = conditions.length ? ` WHERE ${conditions.join(' AND ')}` : '';
  return {
    sql: `SELECT CAST(MIN(${k}) AS CHAR) AS low, CAST(MAX(${k}) AS CHAR) AS high FROM ${mysqlQualifiedName(table)}${where}`,
    values,
  };
}
