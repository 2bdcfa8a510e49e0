import type { ChangedRow, DiffTable, RowValues } from './types.js';

export interface RowComparison {
  deleted: RowValues[];
  inserted: RowValues[];
  changed: ChangedRow[];
}

/** The values of a row's primary-key columns, as one string that tells keys apart. */
export function keyOf(table: DiffTable, row: RowValues): string {
  return JSON.stringify(keyValues(table, row));
}

/** The primary-key columns' values of a row, in key order. */
export function keyValues(table: DiffTable, row: RowValues): Array<string | null> {
  return table.primaryKey.map((name) => row[columnIndex(table, name)] ?? null);
}

export function columnIndex(table: DiffTable, name: string): number {
  const index = table.columns.findIndex((column) => column.name === name);
  if (index < 0) throw new RangeError(`table ${table.key} has no column ${name}`);
  return index;
}

/**
 * The rows that differ between the same buckets read on both sides. With a primary key: by key,
 * a key on one side only is a deleted or inserted row, one on both with other values a changed
 * row with the columns that differ. Without one: as multisets, each missing copy a deleted row
 * and each extra copy an inserted one. Rows are listed in key order (whole-row order without a key).
 */
export function compareRows(
  table: DiffTable,
  before: readonly RowValues[],
  after: readonly RowValues[],
): RowComparison {
  if (table.primaryKey.length === 0) return compareMultisets(before, after);
  const afterByKey = new Map(after.map((row) => [keyOf(table, row), row]));
  const beforeKeys = new Set<string>();
  const result: RowComparison = { deleted: [], inserted: [], changed: [] };
  for (const row of before) {
    const key = keyOf(table, row);
    beforeKeys.add(key);
    const other = afterByKey.get(key);
    if (other === undefined) {
      result.deleted.push(row);
      continue;
    }
    const columns = table.columns.filter((_, i) => row[i] !== other[i]).map((column) => column.name);
    if (columns.length > 0) result.changed.push({ before: row, after: other, columns });
  }
  for (const row of after) if (!beforeKeys.has(keyOf(table, row))) result.inserted.push(row);
  const byKey = (a: RowValues, b: RowValues) => KEY_ORDER.compare(keyOf(table, a), keyOf(table, b));
  result.deleted.sort(byKey);
  result.inserted.sort(byKey);
  result.changed.sort((a, b) => byKey(a.before, b.before));
  return result;
}

/** Rows are listed by key, numbers in numeric order (6 before 50). */
const KEY_ORDER = new Intl.Collator('en', { numeric: true });

function compareMultisets(before: readonly RowValues[], after: readonly RowValues[]): RowComparison {
  const text = (row: RowValues) => JSON.stringify(row);
  const surplus = new Map<string, number>();
  for (const row of before) surplus.set(text(row), (surplus.get(text(row)) ?? 0) + 1);
  for (const row of after) surplus.set(text(row), (surplus.get(text(row)) ?? 0) - 1);
  const take = (rows: readonly RowValues[], sign: 1 | -1) =>
    rows.filter((row) => {
      const left = (surplus.get(text(row)) ?? 0) * sign;
      if (left <= 0) return false;
      surplus.set(text(row), (left - 1) * sign);
      return true;
    });
  const byText = (a: RowValues, b: RowValues) => KEY_ORDER.compare(text(a), text(b));
  return { deleted: take(before, 1).sort(byText), inserted: take(after, -1).sort(byText), changed: [] };
}
