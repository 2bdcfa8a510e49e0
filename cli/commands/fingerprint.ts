import type { Command } from 'commander';
import { connectionFromUrl, fingerprinterFor } from '../../lib/adapters/db/index.js';
import { ConfigError } from '../../lib/core/errors.js';
import type { DatabaseFingerprint } from '../../lib/core/fingerprint/types.js';

interface FingerprintCommandOptions {
  url?: string;
  database: string[];
  table: string[];
  exclude: string[];
  segments: string;
  json?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerFingerprint(program: Command): void {
  program
    .command('fingerprint')
    .description('row count, order-independent checksum and column signature of every user table')
    .option('--url <url>', 'postgres://user:password@host:port/db or mysql://... (or LIFEBOAT_DATABASE_URL)')
    .option('--database <name>', 'database to fingerprint (repeatable; default: the URL one)', collect, [])
    .option(
      '--table <schema.table>',
      'only this table (repeatable; double-quote a name holding . / or ": public."a.b")',
      collect,
      [],
    )
    .option('--exclude <schema.table>', 'leave this table out (repeatable; quoted as --table)', collect, [])
    .option('--segments <n>', 'key ranges read at once, each on its own connection', '2')
    .option(
      '--json',
      'print {"engine","rowHash","format","tables":{"schema.table":{"rows","checksum","columns"}}}',
    )
    .action(async (options: FingerprintCommandOptions) => {
      const url = options.url ?? process.env.LIFEBOAT_DATABASE_URL;
      if (!url) throw new ConfigError('--url is required (or set LIFEBOAT_DATABASE_URL)');
      const segments = Number(options.segments);
      if (!Number.isInteger(segments) || segments < 1 || segments > 64) {
        throw new ConfigError(`--segments must be a whole number from 1 to 64, not "${options.segments}"`);
      }
      const connection = connectionFromUrl(url, options.url ? '--url' : 'LIFEBOAT_DATABASE_URL');
      const fingerprint = await fingerprinterFor(connection.engine).fingerprint(connection, {
        databases: options.database,
        tables: options.table,
        exclude: options.exclude,
        segments,
      });
      const result: DatabaseFingerprint = { ...fingerprint, takenAt: new Date().toISOString() };
      console.log(options.json ? JSON.stringify(result, null, 2) : renderFingerprint(result));
    });
}

/** One line per table, aligned, for people. */
export function renderFingerprint(fingerprint: DatabaseFingerprint): string {
  const header = ['TABLE', 'ROWS', 'CHECKSUM', 'COLUMNS', 'RANGES'];
  const rows = Object.entries(fingerprint.tables).map(([name, table]) => [
    name,
    String(table.rows),
    table.checksum,
    table.columns,
    String(table.buckets?.length ?? 1),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === 1 ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd();
  const total = Object.values(fingerprint.tables).reduce((sum, table) => sum + table.rows, 0);
  return [
    line(header),
    ...rows.map(line),
    `${rows.length} table${rows.length === 1 ? '' : 's'}, ${total} rows (${fingerprint.engine})`,
  ].join('\n');
}
