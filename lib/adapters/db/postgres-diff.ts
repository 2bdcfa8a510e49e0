import type pg from 'pg';
import { checksumFromSum } from '../../core/fingerprint/checksum.js';
import { TYPED_ROW_HASH_SINCE } from '../../core/fingerprint/postgres-sql.js';
import { tableKey } from '../../core/fingerprint/tables.js';
import type { DatabaseConnection, RowHashMethod } from '../../core/fingerprint/types.js';
import {
  POSTGRES_INTEGER_TYPES,
  POSTGRES_PRIMARY_KEYS_QUERY,
  postgresBucketRowsQuery,
  postgresBucketSumsQuery,
  postgresKeySpanQuery,
  type PostgresDiffTable,
} from '../../core/diff/postgres-sql.js';
import { POSTGRES_FOREIGN_KEYS_QUERY } from '../../core/diff/foreign-key-sql.js';
import type { DiffSide, DiffTable } from '../../core/diff/types.js';
import { connectPostgres, describeTables, serverVersion } from './postgres.js';

const PARALLEL_FIRST_PASS = 'SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0';
const SERIAL_PASSES = 'RESET parallel_setup_cost; RESET parallel_tuple_cost';

/**
 * One side of a PostgreSQL diff: a session with the fingerprint settings, in one read-only
 * REPEATABLE READ transaction, so every query of the diff reads the same snapshot.
 */
export async function openPostgresDiffSide(connection: DatabaseConnection): Promise<PostgresDiffSide> {
  const client = await connectPostgres(connection);
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    return new PostgresDiffSide(client, connection, await serverVersion(client));
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
}

export class PostgresDiffSide implements DiffSide {
  readonly engine = 'postgres';
  readonly label: string;
  readonly read = { buckets: 0, rows: 0 };
  /** Both sides must hash rows alike: `typed` unless either server is older than 14 (setMethod). */
  method: RowHashMethod;
  private readonly described = new Map<string, PostgresDiffTable>();

  constructor(
    private readonly client: pg.Client,
    connection: DatabaseConnection,
    readonly version: number,
  ) {
    this.label = `${connection.host}:${connection.port}/${connection.database}`;
    this.method = version >= TYPED_ROW_HASH_SINCE ? 'typed' : 'text';
  }

  async tables(): Promise<DiffTable[]> {
    const tables = await describeTables(this.client);
    const oids = tables.map((t) => t.oid);
    const keys = await this.client.query<{ oid: string; names: string[] }>(POSTGRES_PRIMARY_KEYS_QUERY, [
      oids,
    ]);
    const references = await this.client.query<{
      oid: string;
      name: string;
      ref_schema: string;
      ref_name: string;
      deferrable: boolean;
    }>(POSTGRES_FOREIGN_KEYS_QUERY, [oids]);
    return tables.map((table) => {
      const primaryKey = keys.rows.find((k) => k.oid === table.oid)?.names ?? [];
      const first = table.columns.find((c) => c.name === primaryKey[0]);
      const key = tableKey(table);
      this.described.set(key, { schema: table.schema, name: table.name, columns: table.columns, primaryKey });
      return {
        key,
        match: key,
        schema: table.schema,
        name: table.name,
        columns: table.columns.map((c) => ({ name: c.name, type: c.type })),
        primaryKey,
        integerKey: first !== undefined && POSTGRES_INTEGER_TYPES.has(first.baseType),
        estimatedRows: Math.max(0, table.estimatedRows),
        foreignKeys: references.rows
          .filter((r) => r.oid === table.oid)
          .map((r) => ({
            name: r.name,
            table: key,
            references: tableKey({ schema: r.ref_schema, name: r.ref_name }),
            deferrable: r.deferrable,
          })),
      };
    });
  }

  private sqlTable(table: DiffTable): PostgresDiffTable {
    const described = this.described.get(table.key);
    if (!described) throw new RangeError(`table ${table.key} was not described on ${this.label}`);
    return described;
  }

  async keySpan(table: DiffTable, bounds: Parameters<DiffSide['keySpan']>[1]) {
    const { sql, values } = postgresKeySpanQuery(this.sqlTable(table), bounds);
    const row = (await this.client.query<{ low: string | null; high: string | null }>(sql, values)).rows[0];
    return { low: row?.low ?? null, high: row?.high ?? null };
  }

  async bucketSums(...[table, scope, bounds]: Parameters<DiffSide['bucketSums']>) {
    const { sql, values } = postgresBucketSumsQuery(this.sqlTable(table), scope, bounds, this.method);
    // The first pass reads the whole table. The planner takes each key for a group of its own, so
    // it finds no use for workers that each sum part of the table; free of their setup and transfer
    // costs it runs as many as the server allows (max_parallel_workers_per_gather). Later passes
    // read a few buckets through the key's index, where starting workers would cost more.
    const parallel = scope.within === undefined;
    if (parallel) await this.client.query(PARALLEL_FIRST_PASS);
    const result = await this.client
      .query<{ bucket: string; rows: string; sum: string | null }>(sql, values)
      // After a failed query the transaction takes no command: its error is the one to report.
      .finally(() => (parallel ? this.client.query(SERIAL_PASSES).catch(() => undefined) : undefined));
    this.read.buckets += result.rows.length;
    return result.rows.map((row) => ({
      bucket: BigInt(row.bucket),
      rows: Number(row.rows),
      checksum: checksumFromSum(row.sum),
    }));
  }

  async bucketRows(...[table, scope, bounds]: Parameters<DiffSide['bucketRows']>) {
    const { sql, values } = postgresBucketRowsQuery(this.sqlTable(table), scope, bounds, this.method);
    const result = await this.client.query<Array<string | null>>({ text: sql, values, rowMode: 'array' });
    this.read.rows += result.rows.length;
    return result.rows;
  }

  async close(): Promise<void> {
    await this.client.query('ROLLBACK').catch(() => undefined);
    await this.client.end().catch(() => undefined);
  }
}
