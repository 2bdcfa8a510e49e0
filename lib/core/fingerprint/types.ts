/** How a row's 64-bit hash is computed: by the column types' own hashes, or over the row's text. */
export type RowHashMethod = 'typed' | 'text';

/** The engines whose tables Lifeboat can fingerprint. */
export type DatabaseEngine = 'postgres' | 'mysql';

/** How to reach a database to fingerprint. The password is never logged nor put in a report. */
export interface DatabaseConnection {
  engine: DatabaseEngine;
  host: string;
  port: number;
  user: string;
  password?: string;
  /** The database to connect to first (PostgreSQL: one per connection; MySQL: any, '' for none). */
  database: string;
  /**
   * TLS: `require` encrypts without checking the certificate (libpq's sslmode=require; RDS
   * PostgreSQL 15+ refuses plain connections by default), `verify-full` checks it too.
   */
  ssl?: 'require' | 'verify-full';
  /** PEM certificate authorities `verify-full` trusts instead of Node's (RDS's own, for RDS). */
  ca?: string[];
}

/**
 * A primary-key range of a table and the fingerprint of its rows. `from` is inclusive, `to`
 * exclusive; null means unbounded. Keys are rendered as text for reports.
 */
export interface RangeFingerprint {
  from: string | null;
  to: string | null;
  rows: number;
  checksum: string;
}

export interface TableFingerprint {
  rows: number;
  /** Sum modulo 2^64 of a 64-bit hash per row, 16 hex digits: the same whatever the row order. */
  checksum: string;
  /** Hash of column names and types in order, so a dropped or retyped column shows. */
  columns: string;
  /** Per key-range sums, so a mismatch against a stored baseline is narrowed to ranges. */
  buckets?: RangeFingerprint[];
  /** The (first) primary-key column the buckets split on; absent for a table without a key. */
  key?: string;
}

export interface DatabaseFingerprint {
  engine: DatabaseEngine;
  /**
   * How rows were hashed (PostgreSQL: `typed` on 14+, `text` before; MySQL: `text`). Checksums of
   * different methods never match, so an exact comparison of them is refused. Absent in
   * fingerprints stored before it was recorded.
   */
  rowHash?: RowHashMethod;
  /**
   * The fingerprint format (format.ts FINGERPRINT_FORMATS) of this engine and method: checksums of
   * different formats never match, so they are not compared. Absent in fingerprints stored before
   * it was recorded, which are format 1.
   */
  format?: number;
  /**
   * Keyed by table key (tables.ts formatTableKey): "schema.table", PostgreSQL database-qualified when
   * several databases ("db/schema.table"); identifiers holding . / or " are double-quoted.
   */
  tables: Record<string, TableFingerprint>;
  takenAt?: string;
}

export interface FingerprintOptions {
  /** Databases to fingerprint; default: the connection's database. */
  databases?: string[];
  /** Table keys to leave out; one without a database leaves the table out in every database. */
  exclude?: string[];
  /**
   * Only these tables (table keys); default: every user table. A key that names no table in any of
   * the databases is a NotFoundError.
   */
  tables?: string[];
  /** Upper bound on key ranges fingerprinted at once, each on its own connection. Default 2. */
  segments?: number;
  /**
   * Split keys per table ("schema.table" -> keys), e.g. `boundariesOf(baseline.tables[t].buckets)`,
   * so the buckets line up with a stored baseline's and a mismatch is narrowed to them.
   */
  boundaries?: Record<string, string[]>;
  /** Key ranges per table with a primary key, whatever its size (tests, tuning). */
  ranges?: number;
  /** Tables with at least this many estimated rows are split (default 100 000). */
  splitRows?: number;
  /**
   * PostgreSQL only: read in this exported snapshot (an id from pg_export_snapshot(), its exporting
   * transaction still open) instead of a new one, so the fingerprint is of the data as another
   * session saw it, e.g. the source at the instant a copy of it was taken. One database only.
   */
  snapshot?: string;
  /**
   * Read just share `part` of `of` of each table, so that several runs can split a table too large
   * for one: PostgreSQL 14+ cuts the heap, blocks [part/of, (part+1)/of) of `units` (its size in
   * blocks when the shares were planned; its current size without it), the last share open-ended;
   * MySQL cuts the key ranges (integer keys). The runs' fingerprints of the table add up to the
   * whole table's (joinParts) when they split on the same `boundaries`.
   */
  share?: { part: number; of: number; units?: number };
  /**
   * PostgreSQL only: how rows are hashed. Default `typed` where the server has it (14+), else
   * `text`; asking for `typed` of an older server is a ConfigError.
   */
  rowHash?: RowHashMethod;
}

/** A table a fingerprint would read, and its size on disk: what work is planned by. */
export interface TableSize {
  /** As in DatabaseFingerprint.tables: "schema.table" ("db/schema.table" for several databases). */
  table: string;
  bytes: number;
  /**
   * Into how many pieces the table's reads can be shared among runs (`share`): PostgreSQL heap
   * blocks, MySQL key ranges; absent when it cannot be shared.
   */
  units?: number;
}

/** Computes table fingerprints on a live database (lib/adapters/db/postgres.ts, mysql.ts). */
export interface Fingerprinter {
  fingerprint(connection: DatabaseConnection, options?: FingerprintOptions): Promise<DatabaseFingerprint>;
  /**
   * The keys `fingerprint` would split `table` ("schema.table" of the connection's database) into
   * buckets on, to pass as `boundaries` to runs that must split alike; empty for one bucket.
   */
  splitKeys(connection: DatabaseConnection, table: string): Promise<string[]>;
  /** The tables `fingerprint` would read with the same options, with their sizes; reads no rows. */
  listTables(
    connection: DatabaseConnection,
    options?: Pick<FingerprintOptions, 'databases' | 'exclude' | 'tables'>,
  ): Promise<TableSize[]>;
}
