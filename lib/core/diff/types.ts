import type { DatabaseEngine } from '../fingerprint/types.js';

/**
 * A column of a table being diffed. `type` is the engine's full type text (PostgreSQL
 * format_type(), qualified where the search path would not find it; MySQL COLUMN_TYPE);
 * `dataType` is MySQL's DATA_TYPE, which decides how a value is read and written back.
 */
export interface DiffColumn {
  name: string;
  type: string;
  dataType?: string;
}

/** A table as both sides of a diff describe it. */
export interface DiffTable {
  /** The table key of reports (tables.ts formatTableKey), e.g. public.orders or shop.orders. */
  key: string;
  schema: string;
  name: string;
  /**
   * What the two sides' tables are matched by: the key on PostgreSQL, the name on MySQL (whose
   * databases, hence keys, may be named differently on the two servers).
   */
  match: string;
  columns: DiffColumn[];
  /** The primary-key columns in key order; empty: the table has none. */
  primaryKey: string[];
  /** The first key column holds integers: its buckets are key ranges read through the index. */
  integerKey: boolean;
  /** The catalog's row estimate (0 when unknown). */
  estimatedRows: number;
  /** This table's foreign keys; absent: not read. */
  foreignKeys?: ForeignKey[];
}

/** A foreign key, by the tables it links: a repair writes the referenced table's rows first. */
export interface ForeignKey {
  name: string;
  /** The referencing table's key. */
  table: string;
  /** The referenced table's key. */
  references: string;
  /** PostgreSQL DEFERRABLE: its check can wait for COMMIT (never on MySQL). */
  deferrable: boolean;
}

/**
 * How rows fall into buckets. `range`: the first key column's value, (k - low) / width, so a
 * bucket is a key range. `hash`: a 63-bit hash of the key (or of the whole row without a key)
 * modulo `modulus`, for keys that cannot be divided evenly by arithmetic.
 */
export type BucketPlan = { kind: 'range'; low: bigint; width: bigint } | { kind: 'hash'; modulus: bigint };

/** Which rows a query reads: all of them (within the --where-key bounds), or those of some buckets. */
export interface BucketScope {
  plan: BucketPlan;
  /** Only the rows of these buckets of `within.plan`; absent: every row. */
  within?: { plan: BucketPlan; buckets: readonly bigint[] };
}

/** Row count and checksum of one bucket on one side. */
export interface BucketSum {
  bucket: bigint;
  rows: number;
  checksum: string;
}

/**
 * One row as read for a diff: one value per column, in column order, null for NULL. A value is
 * the column's canonical text (PostgreSQL: its output under the fingerprint session settings; MySQL:
 * numbers and dates as text, strings and bytes in hex), so two values are equal exactly when the
 * column values are, and the repair script can write them back literally.
 */
export type RowValues = ReadonlyArray<string | null>;

/** Bounds given with --where-key: the first key column from `from` (inclusive) to `to` (exclusive). */
export interface KeyBounds {
  from?: string;
  to?: string;
}

/** One side of a diff: a read-only session in one snapshot of one database. */
export interface DiffSide {
  readonly engine: DatabaseEngine;
  /** Where it is, for messages: host:port/database, never the password. */
  readonly label: string;
  /** The user tables, described; `only` (table keys or, on MySQL, names) narrows them. */
  tables(): Promise<DiffTable[]>;
  /** The lowest and highest first-key value (integers as text) within the bounds; null when empty. */
  keySpan(table: DiffTable, bounds: KeyBounds): Promise<{ low: string | null; high: string | null }>;
  /** Rows and checksum per bucket of the rows in scope, in one pass; empty buckets are left out. */
  bucketSums(table: DiffTable, scope: BucketScope, bounds: KeyBounds): Promise<BucketSum[]>;
  /** The rows of some buckets. */
  bucketRows(table: DiffTable, scope: Required<BucketScope>, bounds: KeyBounds): Promise<RowValues[]>;
  /** What it has read so far: bucket sums returned and rows returned. */
  readonly read: { buckets: number; rows: number };
  close(): Promise<void>;
}

/** A row whose key is on both sides with other values: the BEFORE row and the columns that differ. */
export interface ChangedRow {
  before: RowValues;
  after: RowValues;
  columns: string[];
}

/** How one table differs, row by row. */
export interface TableDiff {
  table: DiffTable;
  /** Rows only BEFORE: deleted since (for a table without a key, one entry per missing copy). */
  deleted: RowValues[];
  /** Rows only AFTER: inserted since (for a table without a key, one entry per extra copy). */
  inserted: RowValues[];
  changed: ChangedRow[];
  /** Buckets of the first pass, and how many of them differed. */
  buckets: { total: number; differing: number };
}

/** A table the two sides do not have alike: its rows cannot be compared, nor repaired. */
export interface SchemaDifference {
  table: string;
  reason: string;
}

export interface DatabaseDiff {
  engine: DatabaseEngine;
  tables: TableDiff[];
  schemaDifferences: SchemaDifference[];
  /** Every foreign key of AFTER's tables, which a repair script runs against. */
  foreignKeys: ForeignKey[];
  /** Rows each side returned: bucket sums of every pass, and rows of the differing buckets. */
  read: { before: { buckets: number; rows: number }; after: { buckets: number; rows: number } };
}

/** Whether a diff found anything: a schema difference, or a deleted, inserted or changed row. */
export function hasDifferences(diff: DatabaseDiff): boolean {
  return (
    diff.schemaDifferences.length > 0 ||
    diff.tables.some((t) => t.deleted.length + t.inserted.length + t.changed.length > 0)
  );
}
