import type mysql from 'mysql2/promise';
import { InvalidInputError } from '../../core/errors.js';
import { checksumFromSum } from '../../core/fingerprint/checksum.js';
import { isIntegerKey } from '../../core/fingerprint/mysql-sql.js';
import { tableKey } from '../../core/fingerprint/tables.js';
import type { DatabaseConnection } from '../../core/fingerprint/types.js';
import {
  MYSQL_PRIMARY_KEYS_QUERY,
  mysqlBucketRowsQuery,
  mysqlBucketSumsQuery,
  mysqlKeySpanQuery,
  type MysqlDiffTable,
} from '../../core/diff/mysql-sql.js';
import { MYSQL_FOREIGN_KEYS_QUERY } from '../../core/diff/foreign-key-sql.js';
import type { DiffSide, DiffTable } from '../../core/diff/types.js';
import { connectMysql, describeTables } from './mysql.js';

/**
 * One side of a MySQL/MariaDB diff: the tables of the URL's database, read in one consistent
 * snapshot (REPEATABLE READ, read only) on one connection with the fingerprint session settings.
 */
export async function openMysqlDiffSide(connection: DatabaseConnection): Promise<MysqlDiffSide> {
  if (!connection.database) {
    throw new InvalidInputError(
      `the MySQL URL of ${connection.host}:${connection.port} names no database: diff compares one database per side`,
    );
  }
  const client = await connectMysql(connection);
  try {
    await client.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    await client.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
    return new MysqlDiffSide(client, connection);
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
}

export class MysqlDiffSide implements DiffSide {
  readonly engine = 'mysql';
  readonly label: string;
  readonly read = { buckets: 0, rows: 0 };
  private readonly described = new Map<string, MysqlDiffTable>();

  constructor(
    private readonly client: mysql.Connection,
    private readonly connection: DatabaseConnection,
  ) {
    this.label = `${connection.host}:${connection.port}/${connection.database}`;
  }

  async tables(): Promise<DiffTable[]> {
    const schema = this.connection.database;
    const tables = await describeTables(this.client, [schema]);
    const [keys] = await this.client.query<mysql.RowDataPacket[]>(MYSQL_PRIMARY_KEYS_QUERY, [schema]);
    const [references] = await this.client.query<mysql.RowDataPacket[]>(MYSQL_FOREIGN_KEYS_QUERY, [schema]);
    return tables.map((table) => {
      const primaryKey = keys.filter((k) => k.table === table.name).map((k) => String(k.name));
      const key = tableKey(table);
      this.described.set(key, { schema: table.schema, name: table.name, columns: table.columns, primaryKey });
      return {
        key,
        match: table.name,
        schema: table.schema,
        name: table.name,
        columns: table.columns.map((c) => ({ name: c.name, type: c.columnType, dataType: c.dataType })),
        primaryKey,
        integerKey: table.key !== null && isIntegerKey(table.key),
        estimatedRows: Math.max(0, table.estimatedRows),
        foreignKeys: references
          .filter((r) => r.table === table.name)
          .map((r) => ({
            name: String(r.name),
            table: key,
            references: tableKey({ schema: String(r.ref_schema), name: String(r.ref_name) }),
            deferrable: false,
          })),
      };
    });
  }

  private sqlTable(table: DiffTable): MysqlDiffTable {
    const described = this.described.get(table.key);
    if (!described) throw new RangeError(`table ${table.key} was not described on ${this.label}`);
    return described;
  }

  private async rows(sql: string, values: string[]): Promise<unknown[][]> {
    const [rows] = await this.client.query<mysql.RowDataPacket[]>({ sql, values, rowsAsArray: true });
    return rows as unknown as unknown[][];
  }

  async keySpan(...[table, bounds]: Parameters<DiffSide['keySpan']>) {
    const { sql, values } = mysqlKeySpanQuery(this.sqlTable(table), bounds);
    const [row] = await this.rows(sql, values);
    return { low: text(row?.[0]), high: text(row?.[1]) };
  }

  async bucketSums(...[table, scope, bounds]: Parameters<DiffSide['bucketSums']>) {
    const { sql, values } = mysqlBucketSumsQuery(this.sqlTable(table), scope, bounds);
    const rows = await this.rows(sql, values);
    this.read.buckets += rows.length;
    return rows.map((row) => ({
      bucket: BigInt(String(row[0])),
      rows: Number(row[1]),
      checksum: checksumFromSum(text(row[2])),
    }));
  }

  async bucketRows(...[table, scope, bounds]: Parameters<DiffSide['bucketRows']>) {
    const { sql, values } = mysqlBucketRowsQuery(this.sqlTable(table), scope, bounds);
    const rows = await this.rows(sql, values);
    this.read.rows += rows.length;
    return rows.map((row) => row.map(text));
  }

  async close(): Promise<void> {
    await this.client.query('ROLLBACK').catch(() => undefined);
    await this.client.end().catch(() => undefined);
  }
}

/** mysql2 hands CAST(... AS CHAR) back as a string, or a Buffer when the result is binary. */
function text(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
}
