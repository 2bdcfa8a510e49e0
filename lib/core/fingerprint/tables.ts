import { ConfigError } from '../errors.js';
import type { FingerprintOptions } from './types.js';

export interface TableName {
  schema: string;
  name: string;
}

/** A table as a key names it: its schema and name, and its database when the key carries one. */
export interface TableKeyParts extends TableName {
  database?: string;
}

/**
 * Identifiers written as they are. Any other is double-quoted the PostgreSQL way, `"` doubled
 * inside, so that `"public.a".b` and `public."a.b"` stay two keys while the keys of ordinary names
 * (`public.orders`) read as they always did in stored reports.
 */
const PLAIN_IDENTIFIER = /^[^\s./"](?:[^./"]*[^\s./"])?$/;

function formatIdentifier(identifier: string): string {
  return PLAIN_IDENTIFIER.test(identifier) ? identifier : `"${identifier.replaceAll('"', '""')}"`;
}

/**
 * The key of a table in fingerprints, reports, `--table`, `exclude` and expectations:
 * `schema.table`, or `database/schema.table` when it names its database; an identifier holding
 * `.`, `/` or `"`, empty, or starting or ending with white space is double-quoted. Distinct tables
 * always get distinct keys; `parseTableKey` reads them back.
 *
 * @example
 * formatTableKey({ schema: 'public', name: 'orders' }) // 'public.orders'
 * formatTableKey({ schema: 'public', name: 'a.b' }) // 'public."a.b"'
 * formatTableKey({ database: 'app', schema: 'public', name: 'say "hi"' }) // 'app/public."say ""hi"""'
 */
export function formatTableKey(table: TableKeyParts): string {
  const name = `${formatIdentifier(table.schema)}.${formatIdentifier(table.name)}`;
  return table.database === undefined ? name : `${formatIdentifier(table.database)}/${name}`;
}

/** `formatTableKey` of a table, with its database when given. */
export function tableKey(table: TableName, database?: string): string {
  return formatTableKey({
    schema: table.schema,
    name: table.name,
    ...(database === undefined ? {} : { database }),
  });
}

/**
 * Reads a table key: `schema.table` or `database/schema.table`, each identifier plain or
 * double-quoted (`""` for a quote inside); quotes an identifier does not need are accepted, so
 * `"public"."orders"` is `public.orders`. Throws a ConfigError naming the key otherwise.
 */
export function parseTableKey(key: string): TableKeyParts {
  const identifiers: string[] = [];
  const separators: string[] = [];
  let at = 0;
  const fail = (why: string): never => {
    throw new ConfigError(
      `table "${key}" ${why}: expected schema.table or database/schema.table (for MySQL database.table), identifiers holding . / or " double-quoted with "" inside`,
    );
  };
  for (;;) {
    if (key[at] === '"') {
      let identifier = '';
      at++;
      for (;;) {
        const quote = key.indexOf('"', at);
        if (quote < 0) fail('has an unclosed quote');
        identifier += key.slice(at, quote);
        at = quote + 1;
        if (key[at] !== '"') break;
        identifier += '"';
        at++;
      }
      identifiers.push(identifier);
    } else {
      const end = key.slice(at).search(/[./"]/);
      const identifier = end < 0 ? key.slice(at) : key.slice(at, at + end);
      if (!PLAIN_IDENTIFIER.test(identifier)) {
        fail(identifier === '' ? 'has an empty name' : `has "${identifier}", which needs double quotes`);
      }
      identifiers.push(identifier);
      at += identifier.length;
    }
    if (at === key.length) break;
    const separator = key[at]!;
    if (separator !== '.' && separator !== '/') fail(`has a quote inside "${key.slice(0, at + 1)}"`);
    separators.push(separator);
    at++;
  }
  const shape = separators.join('');
  if (shape === '.') return { schema: identifiers[0]!, name: identifiers[1]! };
  if (shape === '/.') return { database: identifiers[0]!, schema: identifiers[1]!, name: identifiers[2]! };
  return fail(identifiers.length < 2 ? 'names no schema' : 'is not one table');
}

/** The one way a key is written, whatever quotes it was given with. */
export function canonicalTableKey(key: string): string {
  return formatTableKey(parseTableKey(key));
}

/** Whether a key names this table: one without a database names it in every database. */
function names(key: TableKeyParts, table: TableName, database: string | undefined): boolean {
  return (
    key.schema === table.schema &&
    key.name === table.name &&
    (key.database === undefined || key.database === database)
  );
}

/**
 * `tables` and `exclude` as read from options, checked once (a bad key is a ConfigError before
 * anything is read), applied to each database in turn, remembering which keys named a table so
 * that one naming none can be reported.
 */
export class TableSelection {
  private readonly only: Array<{ key: string; parts: TableKeyParts; found: boolean }>;
  private readonly excluded: Array<{ key: string; parts: TableKeyParts; found: boolean }>;

  constructor(options: Pick<FingerprintOptions, 'tables' | 'exclude'>) {
    const read = (keys: readonly string[] = []) =>
      keys.map((key) => ({ key, parts: parseTableKey(key), found: false }));
    this.only = read(options.tables);
    this.excluded = read(options.exclude);
  }

  /**
   * The tables of `database` (its name; undefined for MySQL, whose schemas are its databases)
   * the options select: those of `tables` (every one when it is empty), less those of `exclude`.
   */
  select<T extends TableName>(tables: readonly T[], database?: string): T[] {
    const named = (list: typeof this.only, table: T) => {
      let hit = false;
      for (const entry of list) {
        if (names(entry.parts, table, database)) hit = entry.found = true;
      }
      return hit;
    };
    return tables.filter((table) => {
      const excluded = named(this.excluded, table);
      return (this.only.length === 0 || named(this.only, table)) && !excluded;
    });
  }

  /** The `tables` keys, as given, that named no table of the databases selected from so far. */
  tablesNotFound(): string[] {
    return this.only.filter((entry) => !entry.found).map((entry) => entry.key);
  }

  /** The `exclude` keys, as given, that named no table of the databases selected from so far. */
  exclusionsNotFound(): string[] {
    return this.excluded.filter((entry) => !entry.found).map((entry) => entry.key);
  }
}

/** Applies `tables` and `exclude` to one database's tables (see TableSelection). */
export function selectTables<T extends TableName>(
  tables: readonly T[],
  database: string | undefined,
  options: Pick<FingerprintOptions, 'tables' | 'exclude'>,
): T[] {
  return new TableSelection(options).select(tables, database);
}
