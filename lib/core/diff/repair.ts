import { keyValues } from './rows.js';
import type { DiffColumn, DiffTable, RowValues, TableDiff } from './types.js';

/** How one engine writes the statements of a repair script (repair-postgres.ts, repair-mysql.ts). */
export interface RepairDialect {
  /** Session settings and the start of the one transaction. */
  begin: readonly string[];
  commit: string;
  table(table: DiffTable): string;
  column(name: string): string;
  /** A value as read by the diff, written back as the engine's literal of the column's type. */
  literal(column: DiffColumn, value: string | null): string;
  /** The condition that picks the row with this key value (a key is never NULL). */
  keyEquals(column: DiffColumn, value: string): string;
  /** Deletes `copies` rows whose every column reads as `row` (a table without a key). */
  deleteCopies(table: DiffTable, row: RowValues, copies: number): string;
  /** INSERT ... VALUES of these rows. */
  insert(table: DiffTable, rows: readonly RowValues[]): string;
}

export interface RepairOptions {
  /** Rows inserted since BEFORE are deleted only when asked: they may be legitimate. */
  deleteInserted: boolean;
}

/** Rows per INSERT statement: long enough to be quick, short enough to read. */
const INSERT_BATCH = 100;

/**
 * The script that brings AFTER's differing rows back to BEFORE, in one transaction: inserted rows
 * deleted (only with deleteInserted), changed rows updated back (only their differing columns, by
 * key), deleted rows inserted again, all from the BEFORE values the diff read. Lifeboat writes it;
 * an operator reads it and runs it.
 */
export function repairScript(
  dialect: RepairDialect,
  diffs: readonly TableDiff[],
  options: RepairOptions,
  header: readonly string[] = [],
): string {
  const lines: string[] = header.map(comment);
  for (const diff of diffs) {
    const kept = options.deleteInserted ? 0 : diff.inserted.length;
    lines.push(
      comment(
        `${diff.table.key}: ${diff.deleted.length} deleted row(s) to insert, ${diff.changed.length} changed row(s) to update` +
          (options.deleteInserted
            ? `, ${diff.inserted.length} inserted row(s) to delete`
            : kept > 0
              ? `, ${kept} inserted row(s) left in place (--delete-inserted deletes them)`
              : ''),
      ),
    );
  }
  lines.push(...dialect.begin);
  for (const diff of diffs) lines.push(...tableStatements(dialect, diff, options));
  lines.push(dialect.commit);
  return `${lines.join('\n')}\n`;
}

function tableStatements(dialect: RepairDialect, diff: TableDiff, options: RepairOptions): string[] {
  const { table } = diff;
  const statements: string[] = [];
  const keyed = table.primaryKey.length > 0;
  const keyColumns = table.primaryKey.map((name) => table.columns.find((c) => c.name === name)!);
  const whereKey = (row: RowValues) =>
    keyValues(table, row)
      .map((value, i) => dialect.keyEquals(keyColumns[i]!, value ?? ''))
      .join(' AND ');
  if (options.deleteInserted) {
    if (keyed) {
      for (const row of diff.inserted)
        statements.push(`DELETE FROM ${dialect.table(table)} WHERE ${whereKey(row)};`);
    } else {
      for (const [row, copies] of tally(diff.inserted))
        statements.push(dialect.deleteCopies(table, row, copies));
    }
  }
  for (const change of diff.changed) {
    const set = change.columns.map((name) => {
      const index = table.columns.findIndex((c) => c.name === name);
      return `${dialect.column(name)} = ${dialect.literal(table.columns[index]!, change.before[index] ?? null)}`;
    });
    statements.push(`UPDATE ${dialect.table(table)} SET ${set.join(', ')} WHERE ${whereKey(change.after)};`);
  }
  for (let at = 0; at < diff.deleted.length; at += INSERT_BATCH) {
    statements.push(dialect.insert(table, diff.deleted.slice(at, at + INSERT_BATCH)));
  }
  return statements;
}

/** Identical rows and how many copies of each, in first-seen order. */
function tally(rows: readonly RowValues[]): Array<[RowValues, number]> {
  const counts = new Map<string, [RowValues, number]>();
  for (const row of rows) {
    const text = JSON.stringify(row);
    const seen = counts.get(text);
    if (seen) seen[1] += 1;
    else counts.set(text, [row, 1]);
  }
  return [...counts.values()];
}

/** A comment line; a table key may hold any character, so line breaks are taken out. */
function comment(text: string): string {
  const printable = [...text].map((c) =>
    c < ' ' || c === '\u007f' || c === '\u2028' || c === '\u2029' ? '?' : c,
  );
  return `-- ${printable.join('')}`;
}

/** The column list and VALUES rows of an INSERT, for both dialects. */
export function valuesList(
  dialect: RepairDialect,
  table: DiffTable,
  rows: readonly RowValues[],
  overriding = '',
): string {
  const columns = table.columns.map((c) => dialect.column(c.name)).join(', ');
  const values = rows.map(
    (row) => `(${table.columns.map((c, i) => dialect.literal(c, row[i] ?? null)).join(', ')})`,
  );
  return `(${columns})${overriding} VALUES\n  ${values.join(',\n  ')}`;
}
