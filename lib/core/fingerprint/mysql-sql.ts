/**
 * SQL that fingerprints MySQL and MariaDB tables. Pure text builders: lib/adapters/db/mysql.ts runs them.
 *
 * A row's canonical text joins one field per column with '|': numbers and dates print as
 * themselves (they never contain '|' nor '~'), everything else as its byte length, ':', and its
 * bytes, and NULL as `~` (a backslash would depend on sql_mode), so NULL, '' and 'NULL' differ and no value can shift
 * the next field. The first 16 hex digits of its MD5 make the 64-bit hash; SUM() of the unsigned
 * hashes is DECIMAL, so it cannot overflow, and the client reduces it modulo 2^64.
 */

/** The session every fingerprint runs in: TIMESTAMP values print in UTC. */
export const MYSQL_SESSION_STATEMENTS: readonly string[] = ["SET time_zone = '+00:00'", 'SET NAMES utf8mb4'];

export interface MysqlColumn {
  name: string;
  /** information_schema.COLUMNS.DATA_TYPE: int, varchar, json, ... */
  dataType: string;
  /** COLUMN_TYPE: int(10) unsigned, enum('a','b'), decimal(12,2), ... */
  columnType: string;
}

/** Types whose text never holds '|' nor '~': written into a row's text as they print. */
export const MYSQL_PLAIN_TYPES: ReadonlySet<string> = new Set([
  'tinyint',
  'smallint',
  'mediumint',
  'int',
  'integer',
  'bigint',
  'decimal',
  'numeric',
  'float',
  'double',
  'real',
  'date',
  'datetime',
  'timestamp',
  'time',
  'year',
]);

export function quoteMysqlIdent(name: string): string {
  return `\`${name.replaceAll('`', '``')}\``;
}

export function mysqlQualifiedName(table: { schema: string; name: string }): string {
  return `${quoteMysqlIdent(table.schema)}.${quoteMysqlIdent(table.name)}`;
}

/** One column's field of the canonical row text. */
export function mysqlField(column: MysqlColumn): string {
  const c = quoteMysqlIdent(column.name);
  if (MYSQL_PLAIN_TYPES.has(column.dataType.toLowerCase())) return `IFNULL(${c}, '~')`;
  // Bytes, not characters: columns in different character sets then mix without a collation error.
  return `IFNULL(CONCAT(LENGTH(${c}), ':', CAST(${c} AS BINARY)), '~')`;
}

/** One row's canonical text, as an SQL expression. */
export function mysqlRowText(columns: readonly MysqlColumn[]): string {
  return columns.length === 0 ? `''` : `CONCAT_WS('|', ${columns.map(mysqlField).join(', ')})`;
}

/** The 64-bit hash of one row's canonical text, as an unsigned integer SQL expression. */
export function mysqlRowHash(columns: readonly MysqlColumn[]): string {
  return `CAST(CONV(LEFT(MD5(${mysqlRowText(columns)}), 16), 16, 10) AS UNSIGNED)`;
}

/** How a range bound (bound as text) is turned back into the key's type for comparison. */
export function mysqlKeyCast(key: MysqlColumn): string | null {
  const type = key.dataType.toLowerCase();
  if (['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint'].includes(type)) {
    return key.columnType.toLowerCase().includes('unsigned') ? 'UNSIGNED' : 'SIGNED';
  }
  if (type === 'decimal' || type === 'numeric') return 'DECIMAL(65, 30)';
  if (type === 'date') return 'DATE';
  if (type === 'datetime' || type === 'timestamp') return 'DATETIME(6)';
  if (['char', 'varchar'].includes(type)) return 'CHAR';
  return null;
}

/** Integer keys split evenly between their minimum and maximum: both read from the index end. */
export function isIntegerKey(key: MysqlColumn): boolean {
  return mysqlKeyCast(key) === 'SIGNED' || mysqlKeyCast(key) === 'UNSIGNED';
}

export interface MysqlRangePredicate {
  key: MysqlColumn | null;
  hasFrom: boolean;
  hasTo: boolean;
}

export function mysqlRangeWhere(range: MysqlRangePredicate): string {
  if (range.key === null) return '';
  const cast = mysqlKeyCast(range.key);
  const k = quoteMysqlIdent(range.key.name);
  // A string bound is compared in the column's own collation, so it needs no cast.
  const bound = cast === null || cast === 'CHAR' ? '?' : `CAST(? AS ${cast})`;
  const conditions: string[] = [];
  if (range.hasFrom) conditions.push(`${k} >= ${bound}`);
  if (range.hasTo) conditions.push(`${k} < ${bound}`);
  return conditions.length === 0 ? '' : ` WHERE ${conditions.join(' AND ')}`;
}

export function mysqlRangeQuery(
  table: { schema: string; name: string },
  columns: readonly MysqlColumn[],
  range: MysqlRangePredicate,
): string {
  return (
    `SELECT COUNT(*) AS \`rows\`, CAST(SUM(${mysqlRowHash(columns)}) AS CHAR) AS \`sum\`` +
    ` FROM ${mysqlQualifiedName(table)}${mysqlRangeWhere(range)}`
  );
}

export function mysqlKeyBoundsQuery(table: { schema: string; name: string }, key: MysqlColumn): string {
  const k = quoteMysqlIdent(key.name);
  return `SELECT CAST(MIN(${k}) AS CHAR) AS low, CAST(MAX(${k}) AS CHAR) AS high FROM ${mysqlQualifiedName(table)}`;
}

export function mysqlRowHashesQuery(
  table: { schema: string; name: string },
  columns: readonly MysqlColumn[],
  range: MysqlRangePredicate & { key: MysqlColumn },
): string {
  return (
    `SELECT CAST(${quoteMysqlIdent(range.key.name)} AS CHAR) AS \`key\`, CAST(${mysqlRowHash(columns)} AS CHAR) AS hash` +
    ` FROM ${mysqlQualifiedName(table)}${mysqlRangeWhere(range)}`
  );
}

const SYSTEM_SCHEMAS = `('mysql', 'information_schema', 'performance_schema', 'sys')`;

/** User schemas, for a connection that names no database. */
export const MYSQL_SCHEMAS_QUERY = `SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA
WHERE SCHEMA_NAME NOT IN ${SYSTEM_SCHEMAS} ORDER BY SCHEMA_NAME`;

/** Base tables (no views, no system schemas) of the schemas in (?), with size estimates. */
export const MYSQL_TABLES_QUERY = `SELECT TABLE_SCHEMA AS \`schema\`, TABLE_NAME AS name,
  IFNULL(TABLE_ROWS, 0) AS estimated_rows, IFNULL(DATA_LENGTH, 0) AS bytes
FROM information_schema.TABLES
WHERE TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA IN (?) AND TABLE_SCHEMA NOT IN ${SYSTEM_SCHEMAS}
ORDER BY TABLE_SCHEMA, TABLE_NAME`;

export const MYSQL_COLUMNS_QUERY = `SELECT TABLE_SCHEMA AS \`schema\`, TABLE_NAME AS \`table\`, COLUMN_NAME AS name,
  DATA_TYPE AS data_type, COLUMN_TYPE AS column_type
FROM information_schema.COLUMNS WHERE TABLE_SCHEMA IN (?)
ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION`;

/** The first primary-key column of each table. */
export const MYSQL_KEYS_QUERY = `SELECT s.TABLE_SCHEMA AS \`schema\`, s.TABLE_NAME AS \`table\`, s.COLUMN_NAME AS name,
  c.DATA_TYPE AS data_type, c.COLUMN_TYPE AS column_type
FROM information_schema.STATISTICS s
JOIN information_schema.COLUMNS c
  ON c.TABLE_SCHEMA = s.TABLE_SCHEMA AND c.TABLE_NAME = s.TABLE_NAME AND c.COLUMN_NAME = s.COLUMN_NAME
WHERE s.INDEX_NAME = 'PRIMARY' AND s.SEQ_IN_INDEX = 1 AND s.TABLE_SCHEMA IN (?)`;

/**
 * Split keys for `count` ranges of an integer key between its minimum and maximum: deterministic,
 * so two copies of the same data split the same way.
 */
export function integerSplitKeys(low: string, high: string, count: number): string[] {
  const min = BigInt(low);
  const max = BigInt(high);
  const span = max - min + 1n;
  const keys: string[] = [];
  for (let index = 1; index < count; index++) {
    const key = min + (span * BigInt(index)) / BigInt(count);
    if (key > min && key <= max && key.toString() !== keys.at(-1)) keys.push(key.toString());
  }
  return keys;
}
