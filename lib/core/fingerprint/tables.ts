import type { FingerprintOptions } from './types.js';

export interface TableName {
  schema: string;
  name: string;
}

/** "schema.table", or "database/schema.table" when several databases are fingerprinted at once. */
export function tableKey(table: TableName, prefix = ''): string {
  return `${prefix}${table.schema}.${table.name}`;
}

/**
 * Applies `tables` and `exclude`; each name may be given with or without the database prefix, so
 * a policy's "public.audit_log" applies in every database.
 */
export function selectTables<T extends TableName>(
  tables: readonly T[],
  prefix: string,
  options: Pick<FingerprintOptions, 'tables' | 'exclude'>,
): T[] {
  const named = (list: readonly string[], table: T) =>
    list.includes(tableKey(table)) || list.includes(tableKey(table, prefix));
  return tables.filter(
    (table) =>
      (options.tables === undefined || options.tables.length === 0 || named(options.tables, table)) &&
      !named(options.exclude ?? [], table),
  );
}
