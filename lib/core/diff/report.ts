import type { DatabaseEngine } from '../fingerprint/types.js';
import { mysqlValueEncoding } from './mysql-sql.js';
import { keyValues } from './rows.js';
import type { DatabaseDiff, DiffColumn, DiffTable, RowValues } from './types.js';

/** A value as a person reads it: MySQL strings decoded from the hex they were read in, bytes as 0x... */
export function displayValue(
  engine: DatabaseEngine,
  column: DiffColumn,
  value: string | null,
): string | null {
  if (value === null || engine !== 'mysql') return value;
  switch (mysqlValueEncoding(column.dataType ?? '')) {
    case 'utf8-hex':
      return Buffer.from(value, 'hex').toString('utf8');
    case 'bytes-hex':
      return `0x${value.toLowerCase()}`;
    default:
      return value;
  }
}

type Values = Record<string, string | null>;

function rowObject(
  engine: DatabaseEngine,
  table: DiffTable,
  row: RowValues,
  only?: readonly string[],
): Values {
  return Object.fromEntries(
    table.columns
      .map((column, i) => [column, row[i] ?? null] as const)
      .filter(([column]) => !only || only.includes(column.name))
      .map(([column, value]) => [column.name, displayValue(engine, column, value)]),
  );
}

/** The diff as `lifeboat diff --json` prints it: keys of changed rows with both values of each differing column. */
export function diffJson(diff: DatabaseDiff) {
  const { engine } = diff;
  return {
    engine,
    tables: diff.tables.map((t) => {
      const key = (row: RowValues) => rowObject(engine, t.table, row, t.table.primaryKey);
      const whole = (row: RowValues) =>
        t.table.primaryKey.length ? key(row) : rowObject(engine, t.table, row);
      return {
        table: t.table.key,
        primaryKey: t.table.primaryKey,
        buckets: t.buckets,
        deleted: t.deleted.map(whole),
        inserted: t.inserted.map(whole),
        changed: t.changed.map((change) => ({
          key: key(change.after),
          columns: Object.fromEntries(
            change.columns.map((name) => {
              const at = t.table.columns.findIndex((c) => c.name === name);
              const column = t.table.columns[at]!;
              return [
                name,
                {
                  before: displayValue(engine, column, change.before[at] ?? null),
                  after: displayValue(engine, column, change.after[at] ?? null),
                },
              ];
            }),
          ),
        })),
      };
    }),
    schemaDifferences: diff.schemaDifferences,
    read: diff.read,
  };
}

/** Rows listed per kind and table in the text report; the JSON report lists them all. */
const LISTED = 20;

/** The diff for people: a line per table, then its differing rows by key. */
export function renderDiff(diff: DatabaseDiff): string {
  const lines: string[] = [];
  // Plain values (numbers, dates, simple words) as they are; anything else quoted, so '' and 'NULL' show.
  const show = (value: string | null) =>
    value === null ? 'NULL' : /^[\w.:+-]+$/.test(value) && value !== 'NULL' ? value : JSON.stringify(value);
  for (const t of diff.tables) {
    const counts = `${t.deleted.length} deleted, ${t.inserted.length} inserted, ${t.changed.length} changed`;
    lines.push(`${t.table.key}: ${counts} (${t.buckets.differing} of ${t.buckets.total} buckets differed)`);
    const describe = (row: RowValues) => {
      const values = t.table.primaryKey.length
        ? t.table.primaryKey.map((name, i) => [name, keyValues(t.table, row)[i] ?? null] as const)
        : t.table.columns.map((c, i) => [c.name, row[i] ?? null] as const);
      return values
        .map(
          ([name, value]) =>
            `${name}=${show(
              displayValue(
                diff.engine,
                t.table.columns.find((c) => c.name === name)!,
                value,
              ),
            )}`,
        )
        .join(', ');
    };
    const list = (label: string, rows: readonly string[]) => {
      for (const row of rows.slice(0, LISTED)) lines.push(`  ${label.padEnd(8)} ${row}`);
      if (rows.length > LISTED)
        lines.push(`  ... and ${rows.length - LISTED} more ${label} (--json lists them all)`);
    };
    list('deleted', t.deleted.map(describe));
    list('inserted', t.inserted.map(describe));
    list(
      'changed',
      t.changed.map((change) => `${describe(change.after)}: ${change.columns.join(', ')}`),
    );
  }
  for (const difference of diff.schemaDifferences)
    lines.push(`${difference.table}: not compared, ${difference.reason}`);
  const { before, after } = diff.read;
  lines.push(
    `${diff.tables.length} table(s) compared; read BEFORE ${before.buckets} bucket sums and ${before.rows} rows, AFTER ${after.buckets} bucket sums and ${after.rows} rows`,
  );
  return lines.join('\n');
}
