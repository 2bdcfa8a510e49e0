import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MysqlFingerprinter } from '../../lib/adapters/db/mysql.js';
import { PostgresFingerprinter } from '../../lib/adapters/db/postgres.js';
import { FINGERPRINT_FORMATS } from '../../lib/core/fingerprint/format.js';
import { MYSQL_SESSION_STATEMENTS } from '../../lib/core/fingerprint/mysql-sql.js';
import { POSTGRES_SESSION_SETTINGS } from '../../lib/core/fingerprint/postgres-sql.js';
import type {
  DatabaseConnection,
  DatabaseFingerprint,
  RowHashMethod,
} from '../../lib/core/fingerprint/types.js';
import { startMariaDb, type LocalMariaDb } from '../support/mariadb.js';
import { hashTextExtended } from '../support/pg-hash.js';
import { startPostgres, type LocalPostgres } from '../support/postgres.js';

/**
 * Golden fingerprints: a fixed dataset described value by value (test/fixtures/golden/*-dataset.json)
 * is loaded into real servers and fingerprinted; the result must equal the values pinned, by hand,
 * in fingerprints.json for the format the code says it computes. A change to a row hash, a canonical
 * text, the checksum's combination, the column signature or the table keys fails here, instead of
 * making every stored baseline compare as different (or a weaker hash compare as equal). Where the
 * canonical text is documented (the `text` methods), the checksum is also computed again in
 * TypeScript from the dataset, so the pinned values are checked against an implementation of their own.
 * This test only reads the fixtures: when a format is bumped on purpose, its new values are added
 * there by hand.
 */

interface DatasetColumn {
  name: string;
  /** The type as CREATE TABLE takes it. */
  type: string;
  /** The type as the catalog prints it: what the column signature hashes. */
  catalog: string;
  /** How the text row hash takes the column (postgres: plain, string, hashed; mysql: plain, bytes). */
  text: 'plain' | 'string' | 'hashed' | 'bytes';
  charset?: 'utf8mb4' | 'latin1';
}

interface DatasetValue {
  sql: string;
  /** The value's printed text (or, for mysql bytes columns, its characters); null for NULL. */
  text?: string | null;
  /** A mysql bytes column's value as hex. */
  hex?: string;
  /** Why the value prints as it does, where that surprises. */
  note?: string;
}

interface DatasetTable {
  schema: string;
  name: string;
  columns: DatasetColumn[];
  rows: DatasetValue[][];
}

interface Dataset {
  setup?: string[];
  tables: DatasetTable[];
}

type GoldenTables = Record<string, { rows: number; checksum: string; columns: string }>;

interface Golden {
  postgres: Record<RowHashMethod, { format: number; tables: GoldenTables }>;
  mysql: { text: { format: number; tables: GoldenTables } };
}

const fixture = <T>(name: string): T =>
  JSON.parse(readFileSync(new URL(`../fixtures/golden/${name}`, import.meta.url), 'utf8')) as T;

const GOLDEN = fixture<Golden>('fingerprints.json');
const POSTGRES_DATASET = fixture<Dataset>('postgres-dataset.json');
const MYSQL_DATASET = fixture<Dataset>('mysql-dataset.json');

/** The documented checksum: the sum modulo 2^64 of the row hashes, as 16 hex digits. */
function checksumOf(hashes: readonly bigint[]): string {
  const modulus = 1n << 64n;
  const sum = hashes.reduce((total, hash) => total + hash, 0n);
  return (((sum % modulus) + modulus) % modulus).toString(16).padStart(16, '0');
}

/** The documented column signature: sha256 of name NUL type, joined by U+0001, 16 hex digits. */
function signatureOf(columns: readonly DatasetColumn[]): string {
  const text = columns.map((column) => `${column.name}\u0000${column.catalog}`).join('\u0001');
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** What the fingerprint pins per table: no buckets nor key, which say how it was read. */
function pinned(fingerprint: DatabaseFingerprint): GoldenTables {
  return Object.fromEntries(
    Object.entries(fingerprint.tables).map(([table, { rows, checksum, columns }]) => [
      table,
      { rows, checksum, columns },
    ]),
  );
}

/** postgres-sql.ts, `text`: U+001F-joined fields; plain as printed or \N, strings length-prefixed (-1 for NULL), others hashed. */
function postgresRowText(table: DatasetTable, row: DatasetValue[]): string {
  const fields = table.columns.flatMap((column, index) => {
    const value = row[index]!.text ?? null;
    switch (column.text) {
      case 'plain':
        return [value ?? '\\N'];
      case 'string':
        return value === null ? ['-1'] : [String(Buffer.byteLength(value, 'utf8')), value];
      case 'hashed':
        return [value === null ? '\\N' : hashTextExtended(value).toString()];
      default:
        throw new Error(`column ${column.name}: ${column.text} is not a PostgreSQL text encoding`);
    }
  });
  return fields.join('\u001f');
}

/** mysql-sql.ts: '|'-joined fields; plain as printed, others as byte length ':' bytes, NULL as '~'. */
function mysqlRowText(table: DatasetTable, row: DatasetValue[]): Buffer {
  const fields = table.columns.map((column, index) => {
    const value = row[index]!;
    if (value.text === null) return Buffer.from('~');
    if (column.text === 'plain') return Buffer.from(value.text!);
    const bytes =
      value.hex !== undefined
        ? Buffer.from(value.hex, 'hex')
        : Buffer.from(value.text!, column.charset === 'latin1' ? 'latin1' : 'utf8');
    return Buffer.concat([Buffer.from(`${bytes.length}:`), bytes]);
  });
  return Buffer.concat(fields.flatMap((field, index) => (index === 0 ? [field] : [Buffer.from('|'), field])));
}

function mysqlRowHash(text: Buffer): bigint {
  return BigInt(`0x${createHash('md5').update(text).digest('hex').slice(0, 16)}`);
}

describe('golden fingerprints on PostgreSQL 15', () => {
  let server: LocalPostgres;
  let client: pg.Client;
  const fingerprinter = new PostgresFingerprinter();
  let connection: DatabaseConnection;

  beforeAll(async () => {
    server = await startPostgres();
    const admin = new pg.Client(server.url);
    await admin.connect();
    await admin.query('CREATE DATABASE golden');
    await admin.end();
    client = new pg.Client(server.urlFor('golden'));
    await client.connect();
    for (const statement of POSTGRES_DATASET.setup ?? []) await client.query(statement);
    for (const table of POSTGRES_DATASET.tables) {
      const name = `"${table.schema}"."${table.name}"`;
      const columns = table.columns.map((column) => `"${column.name}" ${column.type}`).join(', ');
      await client.query(`CREATE TABLE ${name} (${columns})`);
      for (const row of table.rows) {
        await client.query(`INSERT INTO ${name} VALUES (${row.map((value) => value.sql).join(', ')})`);
      }
    }
    for (const [name, value] of POSTGRES_SESSION_SETTINGS) await client.query(`SET ${name} = '${value}'`);
    connection = {
      engine: 'postgres',
      host: server.host,
      port: server.port,
      user: server.user,
      password: server.password,
      database: 'golden',
    };
  });

  afterAll(async () => {
    await client?.end();
    await server?.stop();
  });

  it('holds every value as the dataset describes it, printed in the fingerprint session', async () => {
    for (const table of POSTGRES_DATASET.tables) {
      // concat() prints by the type's output function, as the row hash does (a cast to text may not).
      const selected = table.columns
        .map(
          (column, index) =>
            `CASE WHEN "${column.name}" IS NOT NULL THEN concat("${column.name}") END AS c${index}`,
        )
        .join(', ');
      const { rows } = await client.query<Record<string, string | null>>(
        `SELECT ${selected} FROM "${table.schema}"."${table.name}" ORDER BY 1`,
      );
      expect(rows.map((row) => table.columns.map((_, index) => row[`c${index}`]))).toEqual(
        table.rows.map((row) => row.map((value) => value.text ?? null)),
      );
    }
  });

  it('hashes text as the TypeScript hashtextextended does', async () => {
    const samples = [
      '',
      'a',
      'abcd',
      'abcde',
      'abcdefghijk',
      'abcdefghijkl',
      'héllo ✓ 😀 and twenty more bytes',
    ];
    const { rows } = await client.query<{ hash: string }>(
      'SELECT pg_catalog.hashtextextended(s COLLATE "C", 0)::text AS hash FROM unnest($1::text[]) WITH ORDINALITY AS u(s, n) ORDER BY n',
      [samples],
    );
    expect(rows.map((row) => row.hash)).toEqual(samples.map((sample) => hashTextExtended(sample).toString()));
  });

  it.each<RowHashMethod>(['typed', 'text'])(
    'fingerprints the dataset hashed %s exactly as pinned for its format',
    async (rowHash) => {
      const fingerprint = await fingerprinter.fingerprint(connection, { rowHash, segments: 1 });
      expect(fingerprint.format).toBe(FINGERPRINT_FORMATS.postgres[rowHash]);
      expect({ format: fingerprint.format, tables: pinned(fingerprint) }).toEqual(GOLDEN.postgres[rowHash]);
      // Split into key ranges, the sums add up to the same checksum.
      const split = await fingerprinter.fingerprint(connection, { rowHash, segments: 2, ranges: 3 });
      expect(pinned(split)).toEqual(GOLDEN.postgres[rowHash].tables);
    },
  );

  it('pins text-hash checksums and column signatures equal to ones computed from the dataset in TypeScript', () => {
    const expected = Object.fromEntries(
      POSTGRES_DATASET.tables.map((table) => [
        `${table.schema}.${table.name}`,
        {
          rows: table.rows.length,
          checksum: checksumOf(table.rows.map((row) => hashTextExtended(postgresRowText(table, row)))),
          columns: signatureOf(table.columns),
        },
      ]),
    );
    expect(GOLDEN.postgres.text.tables).toEqual(expected);
    for (const [table, { columns }] of Object.entries(GOLDEN.postgres.typed.tables)) {
      expect(columns).toBe(expected[table]?.columns);
    }
  });
});

describe('golden fingerprints on MariaDB', () => {
  let server: LocalMariaDb;
  let client: mysql.Connection;
  let connection: DatabaseConnection;

  beforeAll(async () => {
    server = await startMariaDb();
    client = await mysql.createConnection({ uri: server.url });
    for (const table of MYSQL_DATASET.tables) {
      const name = `\`${table.schema}\`.\`${table.name}\``;
      const columns = table.columns.map((column) => `\`${column.name}\` ${column.type}`).join(', ');
      await client.query(`CREATE TABLE ${name} (${columns}) DEFAULT CHARSET = utf8mb4`);
      for (const row of table.rows) {
        await client.query(`INSERT INTO ${name} VALUES (${row.map((value) => value.sql).join(', ')})`);
      }
    }
    for (const statement of MYSQL_SESSION_STATEMENTS) await client.query(statement);
    connection = {
      engine: 'mysql',
      host: server.host,
      port: server.port,
      user: server.user,
      password: server.password,
      database: server.database,
    };
  }, 120_000);

  afterAll(async () => {
    await client?.end();
    await server?.stop();
  });

  it('holds every value as the dataset describes it', async () => {
    for (const table of MYSQL_DATASET.tables) {
      const selected = table.columns
        .map((column, index) => {
          const c = `\`${column.name}\``;
          if (column.text === 'plain') return `CAST(${c} AS CHAR) AS c${index}`;
          return `LOWER(HEX(${c})) AS c${index}`;
        })
        .join(', ');
      const [rows] = await client.query<mysql.RowDataPacket[]>(
        `SELECT ${selected} FROM \`${table.schema}\`.\`${table.name}\` ORDER BY 1`,
      );
      const described = table.rows.map((row) =>
        row.map((value, index) => {
          const column = table.columns[index]!;
          if (value.text === null) return null;
          if (column.text === 'plain') return value.text;
          if (value.hex !== undefined) return value.hex;
          return Buffer.from(value.text!, column.charset === 'latin1' ? 'latin1' : 'utf8').toString('hex');
        }),
      );
      expect(rows.map((row) => table.columns.map((_, index) => row[`c${index}`] as string | null))).toEqual(
        described,
      );
    }
  });

  it('fingerprints the dataset exactly as pinned for its format', async () => {
    const fingerprinter = new MysqlFingerprinter();
    const fingerprint = await fingerprinter.fingerprint(connection, { segments: 1 });
    expect(fingerprint.format).toBe(FINGERPRINT_FORMATS.mysql.text);
    expect({ format: fingerprint.format, tables: pinned(fingerprint) }).toEqual(GOLDEN.mysql.text);
    const split = await fingerprinter.fingerprint(connection, { segments: 2, ranges: 3 });
    expect(pinned(split)).toEqual(GOLDEN.mysql.text.tables);
  });

  it('pins checksums and column signatures equal to ones computed from the dataset in TypeScript', () => {
    const expected = Object.fromEntries(
      MYSQL_DATASET.tables.map((table) => [
        `${table.schema}.${table.name}`,
        {
          rows: table.rows.length,
          checksum: checksumOf(table.rows.map((row) => mysqlRowHash(mysqlRowText(table, row)))),
          columns: signatureOf(table.columns),
        },
      ]),
    );
    expect(GOLDEN.mysql.text.tables).toEqual(expected);
  });
});
