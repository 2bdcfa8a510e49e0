import mysql from 'mysql2/promise';
import { AccessDeniedError, ConfigError, NotFoundError } from '../../core/errors.js';
import {
  bisectRanges,
  withBothSides,
  type BisectResult,
  type BisectSide,
} from '../../core/fingerprint/bisect.js';
import { checksumFromSum, EMPTY_CHECKSUM } from '../../core/fingerprint/checksum.js';
import { columnSignature } from '../../core/fingerprint/columns.js';
import { currentFormat } from '../../core/fingerprint/format.js';
import {
  MYSQL_COLUMNS_QUERY,
  MYSQL_KEYS_QUERY,
  MYSQL_SCHEMAS_QUERY,
  MYSQL_SESSION_STATEMENTS,
  MYSQL_TABLES_QUERY,
  integerSplitKeys,
  isIntegerKey,
  mysqlKeyBoundsQuery,
  mysqlKeyCast,
  mysqlQualifiedName,
  mysqlRangeQuery,
  mysqlRangeWhere,
  mysqlRowHashesQuery,
  quoteMysqlIdent,
  type MysqlColumn,
  type MysqlRangePredicate,
} from '../../core/fingerprint/mysql-sql.js';
import { mapOnConnections } from '../../core/pool.js';
import {
  DEFAULT_SPLIT,
  boundariesOf,
  checkShare,
  rangesOfShare,
  WHOLE_TABLE,
  rangeCountFor,
  rangesFromBoundaries,
  totalOf,
  type KeyRange,
} from '../../core/fingerprint/ranges.js';
import { parseTableKey, TableSelection, tableKey, type TableName } from '../../core/fingerprint/tables.js';
import { certificateRefusal, tlsOptions } from './tls.js';
import type {
  DatabaseConnection,
  DatabaseFingerprint,
  FingerprintOptions,
  Fingerprinter,
  RangeFingerprint,
  TableFingerprint,
  TableSize,
} from '../../core/fingerprint/types.js';

const BISECT_ROWS = 2_000;

export interface MysqlTable extends TableName {
  estimatedRows: number;
  bytes: number;
  columns: MysqlColumn[];
  key: MysqlColumn | null;
}

/** Opens a connection with the fingerprint session settings, or fails with one line naming the problem. */
export async function connectMysql(connection: DatabaseConnection): Promise<mysql.Connection> {
  let client: mysql.Connection | undefined;
  try {
    client = await mysql.createConnection({
      host: connection.host,
      port: connection.port,
      user: connection.user,
      password: connection.password,
      database: connection.database || undefined,
      ssl: tlsOptions(connection),
      connectTimeout: 15_000,
      charset: 'utf8mb4',
    });
    // A server going away mid-run surfaces through the pending query; without a listener it would crash.
    client.on('error', () => undefined);
    for (const statement of MYSQL_SESSION_STATEMENTS) await client.query(statement);
    return client;
  } catch (error) {
    await client?.end().catch(() => undefined);
    throw connectionError(error, connection);
  }
}

function connectionError(error: unknown, connection: DatabaseConnection): Error {
  const where = `${connection.host}:${connection.port}`;
  const code = (error as { code?: string }).code;
  const reason =
    certificateRefusal(error, connection.host) ?? (error instanceof Error ? error.message : String(error));
  if (code === 'ER_BAD_DB_ERROR') {
    return new NotFoundError(`MySQL database "${connection.database}" does not exist on ${where}`, {
      cause: error,
    });
  }
  if (code === 'ER_ACCESS_DENIED_ERROR') {
    return new AccessDeniedError(`MySQL at ${where} refused user "${connection.user}": ${reason}`, {
      cause: error,
    });
  }
  if (code === 'ER_DBACCESS_DENIED_ERROR') {
    return new ConfigError(`MySQL at ${where} refused user "${connection.user}": ${reason}`, {
      cause: error,
    });
  }
  return new ConfigError(`cannot connect to MySQL at ${where}: ${reason || code}`, { cause: error });
}

/**
 * Fingerprints the base tables of the chosen databases (schemas) of a MySQL or MariaDB server.
 * Each segment reads in its own consistent snapshot: MySQL cannot share one between connections,
 * so on a database being written to, ranges may see slightly different moments.
 */
export class MysqlFingerprinter implements Fingerprinter {
  async fingerprint(
    connection: DatabaseConnection,
    options: FingerprintOptions = {},
  ): Promise<DatabaseFingerprint> {
    checkShare(options);
    const selection = new TableSelection(options);
    const coordinator = await connectMysql(connection);
    const workers: mysql.Connection[] = [coordinator];
    try {
      const schemas = await chosenSchemas(coordinator, connection, options);
      const tables = selection.select(await describeTables(coordinator, schemas));
      requireFound(selection, connection, schemas);
      const planned = new Map<MysqlTable, KeyRange[]>();
      const work: Array<{ table: MysqlTable; range: KeyRange }> = [];
      for (const table of tables) {
        const ranges = await planRanges(coordinator, table, options);
        planned.set(table, ranges);
        for (const range of rangesOfShare(ranges, options.share)) work.push({ table, range });
      }

      const segments = Math.max(1, Math.min(options.segments ?? 2, work.length));
      while (workers.length < segments) workers.push(await connectMysql(connection));
      for (const worker of workers) await worker.query('START TRANSACTION WITH CONSISTENT SNAPSHOT');
      const results = await mapOnConnections(work, workers, ({ table, range }, client) =>
        fingerprintRange(client, table, range),
      );

      const fingerprints: Record<string, TableFingerprint> = {};
      for (const table of tables) {
        // Every range is a bucket; those of other shares are empty here (joinParts adds them up).
        const buckets = (planned.get(table) ?? []).map(
          (range) =>
            results[work.findIndex((item) => item.table === table && item.range === range)] ?? {
              ...range,
              rows: 0,
              checksum: EMPTY_CHECKSUM,
            },
        );
        fingerprints[tableKey(table)] = {
          ...totalOf(buckets),
          columns: columnSignature(
            table.columns.map((column) => ({ name: column.name, type: column.columnType })),
          ),
          ...(table.key ? { key: table.key.name } : {}),
          ...(buckets.length > 1 ? { buckets } : {}),
        };
      }
      return {
        engine: 'mysql',
        rowHash: 'text',
        format: currentFormat('mysql', 'text'),
        tables: fingerprints,
      };
    } finally {
      await Promise.all(workers.map((client) => client.end().catch(() => undefined)));
    }
  }

  async splitKeys(connection: DatabaseConnection, table: string): Promise<string[]> {
    const client = await connectMysql(connection);
    try {
      const described = await describeTable(client, connection, table);
      return boundariesOf(await planRanges(client, described, {}));
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  async listTables(
    connection: DatabaseConnection,
    options: Pick<FingerprintOptions, 'databases' | 'exclude' | 'tables'> = {},
  ): Promise<TableSize[]> {
    const selection = new TableSelection(options);
    const client = await connectMysql(connection);
    try {
      const schemas = await chosenSchemas(client, connection, options);
      const tables = selection.select(await describeTables(client, schemas));
      requireFound(selection, connection, schemas);
      return tables.map((table) => {
        const units = rangeCount(table, {});
        return { table: tableKey(table), bytes: table.bytes, ...(units > 1 ? { units } : {}) };
      });
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

/** A `tables` key that named no table is a mistake to name, not an empty fingerprint to pass. */
function requireFound(selection: TableSelection, connection: DatabaseConnection, schemas: string[]): void {
  const missing = selection.tablesNotFound();
  if (missing.length === 0) return;
  throw new NotFoundError(
    `table${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not found in MySQL database${schemas.length === 1 ? '' : 's'} ${schemas.join(', ') || '(none)'} on ${connection.host}:${connection.port}`,
  );
}

async function chosenSchemas(
  client: mysql.Connection,
  connection: DatabaseConnection,
  options: FingerprintOptions,
): Promise<string[]> {
  const [rows] = await client.query<mysql.RowDataPacket[]>(MYSQL_SCHEMAS_QUERY);
  const existing = rows.map((row) => String(row.name));
  const wanted = options.databases?.length
    ? options.databases
    : connection.database
      ? [connection.database]
      : existing;
  const unknown = wanted.filter((name) => !existing.includes(name));
  if (unknown.length > 0) {
    throw new NotFoundError(
      `MySQL database${unknown.length > 1 ? 's' : ''} ${unknown.map((name) => `"${name}"`).join(', ')} not found on ${connection.host}:${connection.port}`,
    );
  }
  return wanted;
}

export async function describeTables(client: mysql.Connection, schemas: string[]): Promise<MysqlTable[]> {
  if (schemas.length === 0) return [];
  const [tables] = await client.query<mysql.RowDataPacket[]>(MYSQL_TABLES_QUERY, [schemas]);
  const [columns] = await client.query<mysql.RowDataPacket[]>(MYSQL_COLUMNS_QUERY, [schemas]);
  const [keys] = await client.query<mysql.RowDataPacket[]>(MYSQL_KEYS_QUERY, [schemas]);
  const toColumn = (row: mysql.RowDataPacket): MysqlColumn => ({
    name: String(row.name),
    dataType: String(row.data_type),
    columnType: String(row.column_type),
  });
  return tables.map((row) => {
    const schema = String(row.schema);
    const name = String(row.name);
    const key = keys.find((k) => k.schema === schema && k.table === name);
    return {
      schema,
      name,
      estimatedRows: Number(row.estimated_rows),
      bytes: Number(row.bytes),
      key: key ? toColumn(key) : null,
      columns: columns.filter((c) => c.schema === schema && c.table === name).map(toColumn),
    };
  });
}

/** Key ranges a table splits into; 1 without an integer key (no sampling clause in MySQL). */
function rangeCount(table: MysqlTable, options: FingerprintOptions): number {
  if (table.key === null || mysqlKeyCast(table.key) === null || !isIntegerKey(table.key)) return 1;
  return rangeCountFor(
    { rows: table.estimatedRows, bytes: table.bytes },
    { ...DEFAULT_SPLIT, splitRows: options.splitRows ?? DEFAULT_SPLIT.splitRows },
    options.ranges,
  );
}

/** One table (its key, "database.table"), or a NotFoundError. */
async function describeTable(
  client: mysql.Connection,
  connection: DatabaseConnection,
  table: string,
): Promise<MysqlTable> {
  const key = parseTableKey(table);
  const described =
    key.database === undefined
      ? (await describeTables(client, [key.schema])).find((t) => t.name === key.name)
      : undefined;
  if (!described)
    throw new NotFoundError(`table ${table} not found on ${connection.host}:${connection.port}`);
  return described;
}

async function planRanges(
  client: mysql.Connection,
  table: MysqlTable,
  options: FingerprintOptions,
): Promise<KeyRange[]> {
  if (table.key === null || mysqlKeyCast(table.key) === null) return [WHOLE_TABLE];
  const given = options.boundaries?.[tableKey(table)];
  if (given) return rangesFromBoundaries(given);
  const count = rangeCount(table, options);
  if (count <= 1) return [WHOLE_TABLE];
  const [rows] = await client.query<mysql.RowDataPacket[]>(mysqlKeyBoundsQuery(table, table.key));
  const bounds = rows[0];
  if (!bounds || bounds.low === null || bounds.high === null) return [WHOLE_TABLE];
  return rangesFromBoundaries(integerSplitKeys(String(bounds.low), String(bounds.high), count));
}

function predicate(table: MysqlTable, range: KeyRange): { where: MysqlRangePredicate; values: string[] } {
  const values = [range.from, range.to].filter((bound): bound is string => bound !== null);
  return { where: { key: table.key, hasFrom: range.from !== null, hasTo: range.to !== null }, values };
}

async function fingerprintRange(
  client: mysql.Connection,
  table: MysqlTable,
  range: KeyRange,
): Promise<RangeFingerprint> {
  const { where, values } = predicate(table, range);
  const [rows] = await client.query<mysql.RowDataPacket[]>(
    mysqlRangeQuery(table, table.columns, where),
    values,
  );
  const row = rows[0];
  return { ...range, rows: Number(row?.rows ?? 0), checksum: checksumFromSum(row?.sum ?? null) };
}

/**
 * Narrows a differing key range of `table` ("database.table") between two live MySQL/MariaDB
 * servers down to the keys of the rows that differ. Reads only; both must have the same columns.
 */
export async function bisectMysqlTable(
  a: DatabaseConnection,
  b: DatabaseConnection,
  table: string,
  range: KeyRange = WHOLE_TABLE,
  limit = 10,
): Promise<BisectResult> {
  return withBothSides(
    () => [connectMysql(a), () => connectMysql(b)],
    async (left, right) => {
      const described = await describeTable(left, a, table);
      const key = described.key;
      if (!key) {
        throw new ConfigError(
          `table ${table} has no primary key: its rows cannot be named, only its sums compared`,
        );
      }
      // The same table may live in differently named databases on the two sides.
      const side = (client: mysql.Connection, connection: DatabaseConnection): BisectSide => {
        const target = { ...described, schema: connection.database || described.schema };
        return {
          rangeSum: (current) => fingerprintRange(client, target, current),
          async medianKey(current, rows) {
            const { where, values } = predicate(described, current);
            const k = quoteMysqlIdent(key.name);
            const [found] = await client.query<mysql.RowDataPacket[]>(
              `SELECT CAST(${k} AS CHAR) AS \`key\` FROM ${mysqlQualifiedName(target)}${mysqlRangeWhere(where)}` +
                ` ORDER BY ${k} LIMIT 1 OFFSET ${Math.floor(rows / 2)}`,
              values,
            );
            return found[0] ? String(found[0].key) : null;
          },
          async rowHashes(current) {
            const { where, values } = predicate(described, current);
            const sql = mysqlRowHashesQuery(target, described.columns, { ...where, key });
            const [rows] = await client.query<mysql.RowDataPacket[]>(sql, values);
            return rows.map((row) => ({ key: String(row.key), hash: String(row.hash) }));
          },
        };
      };
      return await bisectRanges(side(left, a), side(right, b), range, { limit, rowsPerLeaf: BISECT_ROWS });
    },
  );
}
