import { qualifiedName, quoteIdent } from '../fingerprint/postgres-sql.js';
import { valuesList, type RepairDialect } from './repair.js';
import type { DiffColumn, RowValues } from './types.js';

/**
 * A value's text as an escape string literal cast to the column's type: `E'...'::type`. The text
 * is the type's own output under the fingerprint session settings, which its input function reads
 * back to the same value for every type (bytea in hex, arrays, enums, json, timestamptz with its
 * offset); E'' does not depend on standard_conforming_strings.
 */
export function postgresLiteral(column: DiffColumn, value: string | null): string {
  if (value === null) return 'NULL';
  return `E'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'::${column.type}`;
}

/** Writes PostgreSQL repair scripts (repair.ts repairScript). */
export const POSTGRES_REPAIR: RepairDialect = {
  begin: [
    'BEGIN;',
    // How the values below were printed, so they read back the same whatever the server's defaults.
    "SET LOCAL DateStyle = 'ISO';",
    "SET LOCAL IntervalStyle = 'postgres';",
    "SET LOCAL TimeZone = 'UTC';",
  ],
  commit: 'COMMIT;',
  table: (table) => qualifiedName(table.schema, table.name),
  column: quoteIdent,
  literal: postgresLiteral,
  keyEquals: (column, value) => `${quoteIdent(column.name)} = ${postgresLiteral(column, value)}`,
  deleteCopies(table, row: RowValues, copies) {
    // Every type has a text form, not every type an equality (json): rows are matched by their text.
    const matches = table.columns
      .map(
        (c, i) =>
          `${quoteIdent(c.name)}::text IS NOT DISTINCT FROM ${postgresLiteral({ ...c, type: 'text' }, row[i] ?? null)}`,
      )
      .join(' AND ');
    const name = qualifiedName(table.schema, table.name);
    return `DELETE FROM ${name} WHERE ctid = ANY (ARRAY(SELECT ctid FROM ${name} WHERE ${matches} LIMIT ${copies}));`;
  },
  // Identity columns GENERATED ALWAYS take the deleted rows' own values back too.
  insert: (table, rows) =>
    `INSERT INTO ${qualifiedName(table.schema, table.name)} ${valuesList(POSTGRES_REPAIR, table, rows, ' OVERRIDING SYSTEM VALUE')};`,
};
