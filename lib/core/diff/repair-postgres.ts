import { qualifiedName, quoteIdent } from '../fingerprint/postgres-sql.js';
import { comment, valuesList, type RepairDialect } from './repair.js';
import type { DiffColumn, ForeignKey, RowValues } from './types.js';

/**
 * Tables that reference each other have no order that passes every check as it is made, so the
 * checks wait for COMMIT. Only a DEFERRABLE constraint can wait: one that is not is named, as
 * the script may fail on it (nothing is changed then: it is one transaction).
 */
function deferredChecks(cycles: readonly (readonly string[])[], foreignKeys: readonly ForeignKey[]) {
  const inCycle = new Set(cycles.flat());
  const immediate = foreignKeys
    .filter((k) => !k.deferrable && inCycle.has(k.table) && inCycle.has(k.references))
    .map((k) => `${k.name} (${k.table})`);
  const lines = [
    comment(
      `${cycles.map((c) => c.join(', ')).join('; ')}: reference each other (or themselves), so no order of the statements below satisfies every foreign key at once; their checks are deferred to COMMIT.`,
    ),
    comment(
      'SET CONSTRAINTS ALL DEFERRED defers only constraints declared DEFERRABLE; the others are still checked at the end of each statement.',
    ),
  ];
  if (immediate.length > 0) {
    lines.push(
      comment(
        `Not DEFERRABLE, so this script may stop on them (nothing is changed then): ${immediate.join(', ')}; ALTER TABLE ... ALTER CONSTRAINT ... DEFERRABLE makes them wait.`,
      ),
    );
  }
  return { before: [...lines, 'SET CONSTRAINTS ALL DEFERRED;'], after: [] };
}

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
  cycles: deferredChecks,
  // Identity columns GENERATED ALWAYS take the deleted rows' own values back too.
  insert: (table, rows) =>
    `INSERT INTO ${qualifiedName(table.schema, table.name)} ${valuesList(POSTGRES_REPAIR, table, rows, ' OVERRIDING SYSTEM VALUE')};`,
};
