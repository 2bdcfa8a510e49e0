import { mysqlQualifiedName, quoteMysqlIdent } from '../fingerprint/mysql-sql.js';
import { mysqlValueEncoding, mysqlValueExpression } from './mysql-sql.js';
import { comment, valuesList, type RepairDialect } from './repair.js';
import type { DiffColumn, RowValues } from './types.js';

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const HEX = /^[0-9A-Fa-f]*$/;

/** A quoted string of plain text (dates, times, uuids): backslashes doubled too, whatever sql_mode. */
function quoted(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

function hex(value: string): string {
  if (!HEX.test(value)) throw new RangeError(`not hex: ${value}`);
  return `X'${value}'`;
}

/**
 * A value as read by the diff (mysql-sql.ts mysqlValueEncoding) as a MySQL literal: numbers as
 * they are, dates and times quoted, character strings as their UTF-8 bytes in hex with the
 * utf8mb4 introducer (so no character needs escaping and the column converts them to its own
 * character set), byte strings as hex, BIT as its number.
 */
export function mysqlLiteral(column: DiffColumn, value: string | null): string {
  if (value === null) return 'NULL';
  switch (mysqlValueEncoding(column.dataType ?? '')) {
    case 'number':
    case 'bits':
      return NUMBER.test(value) ? value : quoted(value);
    case 'text':
      return quoted(value);
    case 'utf8-hex':
      return `_utf8mb4 ${hex(value)}`;
    case 'bytes-hex':
      return hex(value);
  }
}

/** The text a value was read as: how a row without a key is matched, exactly. */
function readAs(column: DiffColumn, value: string | null): string {
  return value === null ? 'NULL' : quoted(value);
}

const column = (c: DiffColumn) => ({ name: c.name, dataType: c.dataType ?? '', columnType: c.type });

/** Writes MySQL and MariaDB repair scripts (repair.ts repairScript). */
export const MYSQL_REPAIR: RepairDialect = {
  // How the values below were read: TIMESTAMPs in UTC, strings in UTF-8.
  begin: ['SET NAMES utf8mb4;', "SET time_zone = '+00:00';", 'START TRANSACTION;'],
  commit: 'COMMIT;',
  table: (table) => mysqlQualifiedName(table),
  column: quoteMysqlIdent,
  literal: mysqlLiteral,
  keyEquals: (c, value) => `${quoteMysqlIdent(c.name)} = ${mysqlLiteral(c, value)}`,
  deleteCopies(table, row: RowValues, copies) {
    const matches = table.columns
      .map((c, i) => `${mysqlValueExpression(column(c))} <=> ${readAs(c, row[i] ?? null)}`)
      .join(' AND ');
    return `DELETE FROM ${mysqlQualifiedName(table)} WHERE ${matches} LIMIT ${copies};`;
  },
  insert: (table, rows) =>
    `INSERT INTO ${mysqlQualifiedName(table)} ${valuesList(MYSQL_REPAIR, table, rows)};`,
  // MySQL checks a foreign key row by row and cannot defer it: tables that reference each other
  // are repaired with the checks off, in this session only, and on again before COMMIT.
  cycles: (cycles) => ({
    before: [
      comment(
        `${cycles.map((c) => c.join(', ')).join('; ')}: reference each other (or themselves), so no order of the statements below satisfies every foreign key row by row, and MySQL cannot defer the checks.`,
      ),
      comment(
        'Foreign-key checks are off for this session only, while the rows of BEFORE are put back; they are on again before COMMIT. With them off, no ON DELETE action runs either.',
      ),
      'SET FOREIGN_KEY_CHECKS = 0;',
    ],
    after: ['SET FOREIGN_KEY_CHECKS = 1;'],
  }),
};
