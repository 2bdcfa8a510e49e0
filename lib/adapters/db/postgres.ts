import pg from 'pg';
import { AccessDeniedError, ConfigError, NotFoundError } from '../../core/errors.js';
import {
  bisectRanges,
  withBothSides,
  type BisectResult,
  type BisectSide,
} from '../../core/fingerprint/bisect.js';
import { addChecksums, checksumFromSum, EMPTY_CHECKSUM } from '../../core/fingerprint/checksum.js';
import { columnSignature } from '../../core/fingerprint/columns.js';
import { currentFormat } from '../../core/fingerprint/format.js';
import { mapOnConnections } from '../../core/pool.js';
import {
  POSTGRES_COLUMNS_QUERY,
  POSTGRES_KEYS_QUERY,
  POSTGRES_SESSION_SETTINGS,
  POSTGRES_TABLES_QUERY,
  TYPED_ROW_HASH_SINCE,
  postgresMedianKeyQuery,
  postgresRangeQuery,
  postgresRowHashesQuery,
  postgresSliceQuery,
  postgresSplitKeysQuery,
  type PostgresColumn,
  type RangePredicate,
} from '../../core/fingerprint/postgres-sql.js';
import {
  boundariesOf,
  DEFAULT_SPLIT,
  checkShare,
  heapShare,
  heapSlices,
  rangeCountFor,
  rangesFromBoundaries,
  splitFractions,
  totalOf,
  WHOLE_TABLE,
  type HeapSlice,
  type KeyRange,
} from '../../core/fingerprint/ranges.js';
import type {
  DatabaseConnection,
  DatabaseFingerprint,
  FingerprintOptions,
  Fingerprinter,
  RangeFingerprint,
  RowHashMethod,
  TableFingerprint,
  TableSize,
} from '../../core/fingerprint/types.js';
import { parseTableKey, TableSelection, tableKey, type TableName } from '../../core/fingerprint/tables.js';
import { certificateRefusal, tlsOptions } from './tls.js';

/** About this many sampled rows place the split keys; more buys little evenness. */
const SAMPLE_ROWS = 30_000;
/** Ranges this small are compared row by row when bisecting. */
const BISECT_ROWS = 2_000;

export interface PostgresTable extends TableName {
  oid: string;
  estimatedRows: number;
  bytes: number;
  blocks: number;
  columns: PostgresColumn[];
  key: { name: string; type: string } | null;
}

/** Opens a client with the fingerprint session settings, or fails with one line naming the problem. */
export async function connectPostgres(connection: DatabaseConnection, database = connection.database) {
  const client = new pg.Client({
    host: connection.host,
    port: connection.port,
    user: connection.user,
    password: connection.password,
    database,
    ssl: tlsOptions(connection),
    connectionTimeoutMillis: 15_000,
    application_name: 'lifeboat-fingerprint',
  });
  // A server going away mid-run surfaces through the pending query; without a listener it would crash.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query(
      `SELECT ${POSTGRES_SESSION_SETTINGS.map((_, i) => `pg_catalog.set_config($${2 * i + 1}, $${2 * i + 2}, false)`).join(', ')}`,
      POSTGRES_SESSION_SETTINGS.flat(),
    );
  } catch (error) {
    await client.end().catch(() => undefined);
    throw connectionError(error, connection, database);
  }
  return client;
}

function connectionError(error: unknown, connection: DatabaseConnection, database: string): Error {
  const where = `${connection.host}:${connection.port}`;
  const code = (error as { code?: string }).code;
  const reason =
    certificateRefusal(error, connection.host) ?? (error instanceof Error ? error.message : String(error));
  if (code === '3D000') {
    return new NotFoundError(`PostgreSQL database "${database}" does not exist on ${where}`, {
      cause: error,
    });
  }
  // 28P01 invalid_password: the one a password RDS has not applied yet gives.
  if (code === '28P01') {
    return new AccessDeniedError(`PostgreSQL at ${where} refused user "${connection.user}": ${reason}`, {
      cause: error,
    });
  }
  if (code === '28000') {
    return new ConfigError(`PostgreSQL at ${where} refused user "${connection.user}": ${reason}`, {
      cause: error,
    });
  }
  return new ConfigError(`cannot connect to PostgreSQL at ${where} (database "${database}"): ${reason}`, {
    cause: error,
  });
}

/**
 * Fingerprints every user table of the chosen databases. All the queries of one database run in
 * one exported snapshot, so the segments see the same data even while the database is written to.
 * Work is cut by heap slices (sequential reads on any key order); sums are kept per primary-key
 * bucket, so a stored fingerprint narrows a later mismatch to key ranges.
 */
export class PostgresFingerprinter implements Fingerprinter {
  async fingerprint(
    connection: DatabaseConnection,
    options: FingerprintOptions = {},
  ): Promise<DatabaseFingerprint> {
    const databases = options.databases?.length ? options.databases : [connection.database];
    checkSnapshotOption(options, databases);
    checkShare(options);
    const selection = new TableSelection(options);
    const tables: Record<string, TableFingerprint> = {};
    let rowHash: RowHashMethod = 'typed';
    for (const database of databases) {
      const keyedBy = databases.length > 1 ? database : undefined;
      const fingerprinted = await fingerprintDatabase(connection, database, keyedBy, selection, options);
      rowHash = fingerprinted.method;
      for (const [name, fingerprint] of Object.entries(fingerprinted.tables)) tables[name] = fingerprint;
    }
    requireFound(selection, connection, databases);
    return { engine: 'postgres', rowHash, format: currentFormat('postgres', rowHash), tables };
  }

  async splitKeys(connection: DatabaseConnection, table: string): Promise<string[]> {
    const client = await connectPostgres(connection);
    try {
      const described = await describeTable(client, connection, table);
      const version = await serverVersion(client);
      return (await planTable(client, described, undefined, {}, 1, version, 'typed')).keys;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  async listTables(
    connection: DatabaseConnection,
    options: Pick<FingerprintOptions, 'databases' | 'exclude' | 'tables'> = {},
  ): Promise<TableSize[]> {
    const databases = options.databases?.length ? options.databases : [connection.database];
    const selection = new TableSelection(options);
    const sizes: TableSize[] = [];
    for (const database of databases) {
      const keyedBy = databases.length > 1 ? database : undefined;
      const client = await connectPostgres(connection, database);
      try {
        const shares = (await serverVersion(client)) >= TID_RANGE_SCANS_SINCE;
        for (const table of selection.select(await describeTables(client), database)) {
          sizes.push({
            table: tableKey(table, keyedBy),
            bytes: table.bytes,
            ...(shares ? { units: table.blocks } : {}),
          });
        }
      } finally {
        await client.end().catch(() => undefined);
      }
    }
    requireFound(selection, connection, databases);
    return sizes;
  }
}

/** A `tables` key that named no table is a mistake to name, not an empty fingerprint to pass. */
function requireFound(selection: TableSelection, connection: DatabaseConnection, databases: string[]): void {
  const missing = selection.tablesNotFound();
  if (missing.length === 0) return;
  throw new NotFoundError(
    `table${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not found in database${databases.length > 1 ? 's' : ''} ${databases.join(', ')} on ${connection.host}:${connection.port}`,
  );
}

/** TID range scans arrived in PostgreSQL 14; before, a ctid condition scans the whole table. */
const TID_RANGE_SCANS_SINCE = 140000;

/** pg_export_snapshot()'s ids: hex virtual transaction id, then a sequence number. */
const SNAPSHOT_ID = /^[0-9A-F]+-[0-9A-F]+(-[0-9]+)?$/i;

/**
 * Opens the read-only transaction a fingerprint session reads in: in `snapshot` when given (it is
 * quoted into SET TRANSACTION SNAPSHOT, which takes no parameters, hence the format check), else in
 * a new snapshot exported for the other sessions. Returns the snapshot the session reads.
 */
async function beginInSnapshot(client: pg.Client, snapshot: string | undefined): Promise<string | undefined> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  if (snapshot === undefined) {
    return (await client.query<{ id: string }>('SELECT pg_catalog.pg_export_snapshot() AS id')).rows[0]?.id;
  }
  await client.query(`SET TRANSACTION SNAPSHOT '${snapshot}'`);
  return snapshot;
}

/** Checks a given snapshot id before any connection is made. */
function checkSnapshotOption(options: FingerprintOptions, databases: string[]): void {
  if (options.snapshot === undefined) return;
  if (!SNAPSHOT_ID.test(options.snapshot)) {
    throw new ConfigError(
      `snapshot "${options.snapshot}" is not a PostgreSQL snapshot id (as pg_export_snapshot() returns)`,
    );
  }
  // An exported snapshot belongs to one database: another database's sessions cannot import it.
  if (databases.length > 1) {
    throw new ConfigError(
      `snapshot "${options.snapshot}" belongs to one database; ${databases.length} databases were asked for`,
    );
  }
}

interface TablePlan {
  table: PostgresTable;
  method: RowHashMethod;
  /** Split keys, deduplicated and sorted; empty: one bucket. */
  keys: string[];
  slices: HeapSlice[];
}

async function fingerprintDatabase(
  connection: DatabaseConnection,
  database: string,
  keyedBy: string | undefined,
  selection: TableSelection,
  options: FingerprintOptions,
): Promise<{ method: RowHashMethod; tables: Record<string, TableFingerprint> }> {
  const coordinator = await connectPostgres(connection, database);
  const workers: pg.Client[] = [coordinator];
  try {
    const snapshot = await beginInSnapshot(coordinator, options.snapshot);
    const version = await serverVersion(coordinator);
    const method = rowHashMethod(options.rowHash, version, connection, database);
    if (options.share && version < TID_RANGE_SCANS_SINCE) {
      throw new ConfigError(
        `reading a table in shares needs PostgreSQL 14 or later (TID range scans); ${connection.host}:${connection.port} runs server_version_num ${version}`,
      );
    }
    const segments = Math.max(1, options.segments ?? 2);
    const tables = selection.select(await describeTables(coordinator), database);
    const plans: TablePlan[] = [];
    for (const table of tables)
      plans.push(await planTable(coordinator, table, keyedBy, options, segments, version, method));
    const work = plans.flatMap((plan) => plan.slices.map((slice) => ({ plan, slice })));

    const pool = Math.min(segments, work.length);
    while (workers.length < pool) {
      const worker = await connectPostgres(connection, database);
      workers.push(worker);
      await beginInSnapshot(worker, snapshot);
    }
    const results = await mapOnConnections(work, workers, ({ plan, slice }, client) =>
      fingerprintSlice(client, plan, slice),
    );

    const fingerprints: Record<string, TableFingerprint> = {};
    for (const plan of plans) {
      const ranges = rangesFromBoundaries(plan.keys);
      const buckets: RangeFingerprint[] = ranges.map((range, index) => {
        const parts = results.flatMap((slices, at) => (work[at]?.plan === plan ? [slices.get(index)] : []));
        return {
          ...range,
          rows: parts.reduce((rows, part) => rows + (part?.rows ?? 0), 0),
          checksum: addChecksums(...parts.map((part) => part?.checksum ?? EMPTY_CHECKSUM)),
        };
      });
      fingerprints[tableKey(plan.table, keyedBy)] = {
        ...totalOf(buckets),
        columns: columnSignature(plan.table.columns),
        ...(plan.table.key ? { key: plan.table.key.name } : {}),
        ...(buckets.length > 1 ? { buckets } : {}),
      };
    }
    return { method, tables: fingerprints };
  } finally {
    await Promise.all(workers.map((client) => client.end().catch(() => undefined)));
  }
}

/** One table ("schema.table") of the connection's database, or a NotFoundError naming it. */
async function describeTable(
  client: pg.Client,
  connection: DatabaseConnection,
  table: string,
): Promise<PostgresTable> {
  const key = parseTableKey(table);
  const described =
    key.database === undefined || key.database === connection.database
      ? (await describeTables(client)).find((t) => t.schema === key.schema && t.name === key.name)
      : undefined;
  if (!described) {
    throw new NotFoundError(
      `table ${table} not found in ${connection.database} on ${connection.host}:${connection.port}`,
    );
  }
  return described;
}

export async function serverVersion(client: pg.Client): Promise<number> {
  const result = await client.query<{ version: string }>(
    `SELECT pg_catalog.current_setting('server_version_num') AS version`,
  );
  return Number(result.rows[0]?.version);
}

/** The asked-for method, or the fastest the server has. */
function rowHashMethod(
  asked: RowHashMethod | undefined,
  version: number,
  connection: DatabaseConnection,
  database: string,
): RowHashMethod {
  if (version >= TYPED_ROW_HASH_SINCE) return asked ?? 'typed';
  if (asked === 'typed') {
    throw new ConfigError(
      `rowHash "typed" needs PostgreSQL 14 or later; ${connection.host}:${connection.port} (database "${database}") runs server_version_num ${version}`,
    );
  }
  return 'text';
}

export async function describeTables(client: pg.Client): Promise<PostgresTable[]> {
  const listed = await client.query<{
    schema: string;
    name: string;
    oid: string;
    estimated_rows: number;
    bytes: number;
    block_size: number;
  }>(POSTGRES_TABLES_QUERY);
  const oids = listed.rows.map((row) => row.oid);
  const columns = await client.query<{
    oid: string;
    name: string;
    type: string;
    not_null: boolean;
    domain: boolean;
    base_type: string;
    category: string;
    builtin: boolean;
    elem_type: string | null;
    elem_category: string | null;
    elem_builtin: boolean | null;
  }>(POSTGRES_COLUMNS_QUERY, [oids]);
  const keys = await client.query<{ oid: string; name: string; type: string }>(POSTGRES_KEYS_QUERY, [oids]);
  return listed.rows.map((row) => {
    const key = keys.rows.find((k) => k.oid === row.oid);
    return {
      schema: row.schema,
      name: row.name,
      oid: row.oid,
      // -1 until the first ANALYZE: guess from the heap size instead.
      estimatedRows: row.estimated_rows >= 0 ? row.estimated_rows : row.bytes / 100,
      bytes: row.bytes,
      blocks: Math.ceil(row.bytes / row.block_size),
      key: key ? { name: key.name, type: key.type } : null,
      columns: columns.rows
        .filter((c) => c.oid === row.oid)
        .map((c) => ({
          name: c.name,
          type: c.type,
          notNull: c.not_null,
          domain: c.domain,
          baseType: c.base_type,
          category: c.category,
          builtin: c.builtin,
          elemType: c.elem_type,
          elemCategory: c.elem_category,
          elemBuiltin: c.elem_builtin,
        })),
    };
  });
}

async function planTable(
  client: pg.Client,
  table: PostgresTable,
  keyedBy: string | undefined,
  options: FingerprintOptions,
  segments: number,
  serverVersion: number,
  method: RowHashMethod,
): Promise<TablePlan> {
  const count = rangeCountFor(
    { rows: table.estimatedRows, bytes: table.bytes },
    { ...DEFAULT_SPLIT, splitRows: options.splitRows ?? DEFAULT_SPLIT.splitRows },
    options.ranges,
  );
  const perRun = segments > 1 && count > 1 ? Math.max(segments, count) : 1;
  const slices = options.share
    ? heapShare(table.blocks, options.share, perRun)
    : serverVersion >= TID_RANGE_SCANS_SINCE && perRun > 1
      ? heapSlices(table.blocks, perRun)
      : [{ from: null, to: null }];
  if (table.key === null) return { table, method, keys: [], slices };
  const given = options.boundaries?.[tableKey(table, keyedBy)] ?? options.boundaries?.[tableKey(table)];
  if (given) return { table, method, keys: boundariesOf(rangesFromBoundaries(given)), slices };
  if (count <= 1) return { table, method, keys: [], slices };
  const percent = table.estimatedRows > 0 ? Math.min(100, (100 * SAMPLE_ROWS) / table.estimatedRows) : 100;
  const sampled = await client.query<{ keys: string[] | null }>(postgresSplitKeysQuery(table, table.key), [
    splitFractions(count),
    percent,
  ]);
  return { table, method, keys: boundariesOf(rangesFromBoundaries(sampled.rows[0]?.keys ?? [])), slices };
}

/** Rows and checksum per bucket index of one heap slice. */
async function fingerprintSlice(
  client: pg.Client,
  plan: TablePlan,
  slice: HeapSlice,
): Promise<Map<number, { rows: number; checksum: string }>> {
  const key = plan.keys.length > 0 ? plan.table.key : null;
  const values: Array<string | string[]> = [];
  if (slice.from !== null) values.push(`(${slice.from},0)`);
  if (slice.to !== null) values.push(`(${slice.to},0)`);
  if (key) values.push(plan.keys);
  const sql = postgresSliceQuery(
    plan.table,
    plan.table.columns,
    { hasFrom: slice.from !== null, hasTo: slice.to !== null },
    key,
    plan.method,
  );
  const result = await client.query<{ bucket: number; rows: string; sum: string | null }>(sql, values);
  const sums = new Map<number, { rows: number; checksum: string }>();
  for (const row of result.rows) {
    sums.set(Number(row.bucket), { rows: Number(row.rows), checksum: checksumFromSum(row.sum) });
  }
  return sums;
}

function predicate(table: PostgresTable, range: KeyRange): { where: RangePredicate; values: string[] } {
  const values = [range.from, range.to].filter((bound): bound is string => bound !== null);
  return { where: { key: table.key, hasFrom: range.from !== null, hasTo: range.to !== null }, values };
}

async function fingerprintRange(
  client: pg.Client,
  table: PostgresTable,
  range: KeyRange,
  method: RowHashMethod,
): Promise<RangeFingerprint> {
  const { where, values } = predicate(table, range);
  const result = await client.query<{ rows: string; sum: string | null }>(
    postgresRangeQuery(table, table.columns, where, method),
    values,
  );
  const row = result.rows[0];
  return { ...range, rows: Number(row?.rows ?? 0), checksum: checksumFromSum(row?.sum) };
}

/**
 * Narrows a differing key range of `table` ("schema.table") between two live PostgreSQL databases
 * down to the keys of the rows that differ. Reads only; both must have the same columns.
 */
export async function bisectTable(
  a: DatabaseConnection,
  b: DatabaseConnection,
  table: string,
  range: KeyRange = WHOLE_TABLE,
  limit = 10,
): Promise<BisectResult> {
  return withBothSides(
    () => [connectPostgres(a), () => connectPostgres(b)],
    async (left, right) => {
      const described = await describeTable(left, a, table);
      const key = described.key;
      if (!key) {
        throw new ConfigError(
          `table ${table} has no primary key: its rows cannot be named, only its sums compared`,
        );
      }
      // Both sides must hash rows the same way, so `typed` only if both servers have it.
      const versions = await Promise.all([serverVersion(left), serverVersion(right)]);
      const method: RowHashMethod = Math.min(...versions) >= TYPED_ROW_HASH_SINCE ? 'typed' : 'text';
      const side = (client: pg.Client): BisectSide => ({
        rangeSum: (current) => fingerprintRange(client, described, current, method),
        async medianKey(current) {
          const { where, values } = predicate(described, current);
          const result = await client.query<{ key: string | null }>(
            postgresMedianKeyQuery(described, { ...where, key }),
            values,
          );
          return result.rows[0]?.key ?? null;
        },
        async rowHashes(current) {
          const { where, values } = predicate(described, current);
          const sql = postgresRowHashesQuery(described, described.columns, { ...where, key }, method);
          return (await client.query<{ key: string; hash: string }>(sql, values)).rows;
        },
      });
      return await bisectRanges(side(left), side(right), range, { limit, rowsPerLeaf: BISECT_ROWS });
    },
  );
}
