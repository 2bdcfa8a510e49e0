import { InvalidInputError, NotFoundError } from '../errors.js';
import {
  DEFAULT_BUCKETS,
  differingBuckets,
  finerPlan,
  firstPlan,
  unionSpan,
  type BucketSettings,
} from '../diff/buckets.js';
import { compareRows } from '../diff/rows.js';
import type {
  BucketPlan,
  BucketScope,
  DatabaseDiff,
  DiffSide,
  DiffTable,
  KeyBounds,
  RowValues,
  SchemaDifference,
  TableDiff,
} from '../diff/types.js';

export interface DiffOptions {
  /** Only these tables: keys (public.orders, shop.orders) or, on MySQL, names (orders). */
  tables?: readonly string[];
  /** Only rows whose first key column is within these bounds (tables without a key are refused). */
  bounds?: KeyBounds;
  settings?: BucketSettings;
  /** Called as each table starts, for progress. */
  onTable?: (table: string) => void;
}

/**
 * The rows that differ between BEFORE and AFTER, table by table, found by bucket checksums: one
 * pass per side sums every bucket of a table at once, only the buckets that differ are split and
 * summed again while they are large, and only the rows of the small differing buckets are read.
 * A table without a difference costs one pass per side. Both sides are read at the same time.
 */
export async function diffDatabases(
  before: DiffSide,
  after: DiffSide,
  options: DiffOptions = {},
): Promise<DatabaseDiff> {
  if (before.engine !== after.engine) {
    throw new InvalidInputError(
      `cannot diff a ${before.engine} database (${before.label}) against a ${after.engine} one (${after.label})`,
    );
  }
  const [beforeTables, afterTables] = await Promise.all([before.tables(), after.tables()]);
  const pairs = pairTables(beforeTables, afterTables, options.tables, before, after);
  const bounds = options.bounds ?? {};
  if (bounds.from !== undefined || bounds.to !== undefined) {
    const keyless = pairs.matched.find(([, table]) => table.primaryKey.length === 0);
    if (keyless) {
      throw new InvalidInputError(
        `--where-key: table ${keyless[1].key} has no primary key to bound (leave it out with --table)`,
      );
    }
  }
  const tables: TableDiff[] = [];
  for (const [beforeTable, afterTable] of pairs.matched) {
    options.onTable?.(afterTable.key);
    tables.push(
      await diffTable(before, after, beforeTable, afterTable, bounds, options.settings ?? DEFAULT_BUCKETS),
    );
  }
  return {
    engine: after.engine,
    tables,
    schemaDifferences: pairs.schemaDifferences,
    // Of every table, also those left out with --table: deleting a row may cascade into them.
    foreignKeys: afterTables.flatMap((table) => table.foreignKeys ?? []),
    read: { before: { ...before.read }, after: { ...after.read } },
  };
}

/** Tables by name on both sides, and those that cannot be compared row by row, with why. */
function pairTables(
  beforeTables: readonly DiffTable[],
  afterTables: readonly DiffTable[],
  only: readonly string[] | undefined,
  before: DiffSide,
  after: DiffSide,
): { matched: Array<[DiffTable, DiffTable]>; schemaDifferences: SchemaDifference[] } {
  const names = (table: DiffTable, asked: string) => asked === table.key || asked === table.match;
  const chosen = (table: DiffTable) => !only?.length || only.some((asked) => names(table, asked));
  const unknown = (only ?? []).filter(
    (asked) => ![...beforeTables, ...afterTables].some((table) => names(table, asked)),
  );
  if (unknown.length > 0) {
    throw new NotFoundError(
      `table${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} not found in ${before.label} nor in ${after.label}`,
    );
  }
  const matched: Array<[DiffTable, DiffTable]> = [];
  const schemaDifferences: SchemaDifference[] = [];
  const afterByMatch = new Map(afterTables.filter(chosen).map((table) => [table.match, table]));
  for (const table of beforeTables.filter(chosen)) {
    const other = afterByMatch.get(table.match);
    afterByMatch.delete(table.match);
    if (!other) {
      schemaDifferences.push({ table: table.key, reason: `only in BEFORE (${before.label})` });
      continue;
    }
    const why = whySchemasDiffer(table, other);
    if (why) schemaDifferences.push({ table: other.key, reason: why });
    else matched.push([table, other]);
  }
  for (const table of afterByMatch.values()) {
    schemaDifferences.push({ table: table.key, reason: `only in AFTER (${after.label})` });
  }
  return { matched, schemaDifferences };
}

/** Why two tables' rows cannot be compared: other columns, types or primary key; undefined if alike. */
export function whySchemasDiffer(before: DiffTable, after: DiffTable): string | undefined {
  const columns = (table: DiffTable) => table.columns.map((c) => `${c.name} ${c.type}`).join(', ');
  if (columns(before) !== columns(after)) {
    return `columns differ: BEFORE (${columns(before)}), AFTER (${columns(after)})`;
  }
  if (before.primaryKey.join(',') !== after.primaryKey.join(',')) {
    const key = (table: DiffTable) => (table.primaryKey.length ? table.primaryKey.join(', ') : 'none');
    return `primary keys differ: BEFORE (${key(before)}), AFTER (${key(after)})`;
  }
  return undefined;
}

async function diffTable(
  before: DiffSide,
  after: DiffSide,
  beforeTable: DiffTable,
  afterTable: DiffTable,
  bounds: KeyBounds,
  settings: BucketSettings,
): Promise<TableDiff> {
  const both = <T>(read: (side: DiffSide, table: DiffTable) => Promise<T>) =>
    Promise.all([read(before, beforeTable), read(after, afterTable)]);
  const span = afterTable.integerKey
    ? unionSpan(...(await both((side, table) => side.keySpan(table, bounds))))
    : null;
  const rows = Math.max(beforeTable.estimatedRows, afterTable.estimatedRows);
  let scope: BucketScope = { plan: firstPlan(span, rows, settings) };
  const leaves: Array<{ plan: BucketPlan; buckets: bigint[] }> = [];
  let first: TableDiff['buckets'] | undefined;
  for (let level = 0; ; level++) {
    const current = scope;
    const [x, y] = await both((side, table) => side.bucketSums(table, current, bounds));
    const differing = differingBuckets(x, y);
    first ??= { total: new Set([...x, ...y].map((sum) => sum.bucket)).size, differing: differing.length };
    const finer = finerPlan(current.plan, level, settings);
    const small = differing.filter((d) => finer === null || d.rows <= settings.leafRows);
    const large = differing.filter((d) => !small.includes(d));
    if (small.length > 0) leaves.push({ plan: current.plan, buckets: small.map((d) => d.bucket) });
    if (large.length === 0 || finer === null) break;
    scope = { plan: finer, within: { plan: current.plan, buckets: large.map((d) => d.bucket) } };
  }
  const beforeRows: RowValues[] = [];
  const afterRows: RowValues[] = [];
  for (const leaf of leaves) {
    const [x, y] = await both((side, table) =>
      side.bucketRows(table, { plan: leaf.plan, within: leaf }, bounds),
    );
    beforeRows.push(...x);
    afterRows.push(...y);
  }
  return { table: afterTable, ...compareRows(afterTable, beforeRows, afterRows), buckets: first };
}
