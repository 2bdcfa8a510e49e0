import { referencedTables, repairOrder } from './repair-order.js';
import { keyValues } from './rows.js';
import type { DiffColumn, DiffTable, ForeignKey, RowValues, TableDiff } from './types.js';

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
  /**
   * Lines after `begin` and before `commit` that let the statements on tables referencing each
   * other (`cycles`, by table key) pass their foreign-key checks, with comments saying why.
   */
  cycles(
    cycles: readonly (readonly string[])[],
    foreignKeys: readonly ForeignKey[],
  ): { before: string[]; after: string[] };
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
 *
 * The statements run in an order AFTER's foreign keys accept (repair-order.ts), whatever they cascade:
 * 1. inserted rows of tables no foreign key references are deleted first (nothing can reference
 *    them, and a unique key they took is free again for the rows put back);
 * 2. deleted rows are inserted, referenced (parent) tables first;
 * 3. changed rows are updated, parents first. An UPDATE never changes a key (a row whose key
 *    changed is a deleted and an inserted one), so it only points a row back at the parent it had,
 *    which exists again after 2, and stops it pointing at a parent inserted since;
 * 4. inserted rows of referenced tables are deleted, referencing (child) tables first: by now no row
 *    of BEFORE references them, so an ON DELETE CASCADE or SET NULL reaches only rows inserted since.
 * Tables that reference each other (or themselves) have no such order: the dialect has their
 * checks wait for COMMIT, or be skipped (RepairDialect.cycles).
 */
export function repairScript(
  dialect: RepairDialect,
  diffs: readonly TableDiff[],
  options: RepairOptions,
  header: readonly string[] = [],
  foreignKeys: readonly ForeignKey[] = [],
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
  const byKey = new Map(diffs.map((diff) => [diff.table.key, diff]));
  const order = repairOrder([...byKey.keys()], foreignKeys);
  const parentsFirst = order.parentsFirst.map((key) => byKey.get(key)!);
  const referenced = referencedTables(foreignKeys);
  const checks = order.cycles.length > 0 ? dialect.cycles(order.cycles, foreignKeys) : undefined;
  lines.push(...dialect.begin, ...(checks?.before ?? []));
  if (options.deleteInserted) {
    for (const diff of diffs.filter((d) => !referenced.has(d.table.key)))
      lines.push(...deletes(dialect, diff));
  }
  for (const diff of parentsFirst) lines.push(...inserts(dialect, diff));
  for (const diff of parentsFirst) lines.push(...updates(dialect, diff));
  if (options.deleteInserted) {
    for (const diff of [...parentsFirst].reverse().filter((d) => referenced.has(d.table.key)))
      lines.push(...deletes(dialect, diff));
  }
  lines.push(...(checks?.after ?? []), dialect.commit);
  return `${lines.join('\n')}\n`;
}

/** The condition that picks a row of the table by its key. */
function whereKey(dialect: RepairDialect, table: DiffTable, row: RowValues): string {
  const keyColumns = table.primaryKey.map((name) => table.columns.find((c) => c.name === name)!);
  return keyValues(table, row)
    .map((value, i) => dialect.keyEquals(keyColumns[i]!, value ?? ''))
    .join(' AND ');
}

function deletes(dialect: RepairDialect, diff: TableDiff): string[] {
  const { table } = diff;
  if (table.primaryKey.length === 0) {
    return tally(diff.inserted).map(([row, copies]) => dialect.deleteCopies(table, row, copies));
  }
  return diff.inserted.map(
    (row) => `DELETE FROM ${dialect.table(table)} WHERE ${whereKey(dialect, table, row)};`,
  );
}

function updates(dialect: RepairDialect, diff: TableDiff): string[] {
  const { table } = diff;
  return diff.changed.map((change) => {
    const set = change.columns.map((name) => {
      const index = table.columns.findIndex((c) => c.name === name);
      return `${dialect.column(name)} = ${dialect.literal(table.columns[index]!, change.before[index] ?? null)}`;
    });
    return `UPDATE ${dialect.table(table)} SET ${set.join(', ')} WHERE ${whereKey(dialect, table, change.after)};`;
  });
}

function inserts(dialect: RepairDialect, diff: TableDiff): string[] {
  const statements: string[] = [];
  for (let at = 0; at < diff.deleted.length; at += INSERT_BATCH) {
    statements.push(dialect.insert(diff.table, diff.deleted.slice(at, at + INSERT_BATCH)));
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
export function comment(text: string): string {
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
