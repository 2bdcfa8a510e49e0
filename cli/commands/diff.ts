import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { openDiffSides } from '../../lib/adapters/db/diff.js';
import { connectionFromUrl } from '../../lib/adapters/db/index.js';
import { repairScriptFor } from '../../lib/core/diff/repair-engines.js';
import { diffJson, renderDiff } from '../../lib/core/diff/report.js';
import { hasDifferences, type DatabaseDiff, type KeyBounds } from '../../lib/core/diff/types.js';
import { InvalidInputError } from '../../lib/core/errors.js';
import { diffDatabases } from '../../lib/core/use-cases/diff-databases.js';
import type { DatabaseConnection } from '../../lib/core/fingerprint/types.js';
import { EXIT } from '../exit.js';

interface DiffCommandOptions {
  before?: string;
  after?: string;
  table: string[];
  whereKey?: string;
  sql?: string;
  json?: boolean;
  deleteInserted?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerDiff(program: Command): void {
  program
    .command('diff')
    .description(
      'rows deleted, inserted and changed between two databases (BEFORE, e.g. a point-in-time restore, and AFTER, e.g. production), and the SQL that puts them back: exit 0 none, 1 differences, 2 bad input',
    )
    .requiredOption('--before <url>', 'the database as it was: postgres://... or mysql://...')
    .requiredOption('--after <url>', 'the database as it is now (the one a repair script is for)')
    .option(
      '--table <table>',
      'only this table (repeatable; schema.table, on MySQL also just the name)',
      collect,
      [],
    )
    .option(
      '--where-key <from..to>',
      'only rows whose first key column is from FROM (inclusive) to TO (exclusive); either may be left out',
    )
    .option('--sql <file>', 'write the repair script (one transaction) that brings AFTER back to BEFORE')
    .option('--delete-inserted', 'the repair script also deletes the rows inserted since BEFORE')
    .option('--json', 'print the diff as JSON')
    .action(async (options: DiffCommandOptions) => {
      const before = connectionFromUrl(options.before ?? '', '--before');
      const after = connectionFromUrl(options.after ?? '', '--after');
      const diff = await runDiff(before, after, {
        tables: options.table,
        bounds: parseWhereKey(options.whereKey),
        sql: options.sql,
        deleteInserted: options.deleteInserted === true,
      });
      console.log(options.json ? JSON.stringify(diffJson(diff), null, 2) : renderDiff(diff));
      if (options.sql && hasDifferences(diff))
        console.error(`Repair script written to ${options.sql}; Lifeboat does not run it.`);
      process.exitCode = hasDifferences(diff) ? EXIT.failed : EXIT.ok;
    });
}

/**
 * Diffs and, with `sql`, writes the repair script; a repair needs every table alike on both sides,
 * so a schema difference is then bad input, before anything is written.
 */
export async function runDiff(
  before: DatabaseConnection,
  after: DatabaseConnection,
  options: { tables?: string[]; bounds?: KeyBounds; sql?: string; deleteInserted: boolean },
): Promise<DatabaseDiff> {
  const [beforeSide, afterSide] = await openDiffSides(before, after);
  let diff: DatabaseDiff;
  try {
    diff = await diffDatabases(beforeSide, afterSide, options);
  } finally {
    await Promise.all([beforeSide.close(), afterSide.close()]);
  }
  if (options.sql) {
    const [first] = diff.schemaDifferences;
    if (first) {
      throw new InvalidInputError(
        `cannot write a repair script: table ${first.table} is not alike on both sides (${first.reason}); leave it out with --table`,
      );
    }
    if (hasDifferences(diff)) {
      const header = [
        `Lifeboat repair script: brings ${afterSide.label} (AFTER) back to ${beforeSide.label} (BEFORE).`,
        'Review it, then run it against AFTER. Lifeboat never runs it.',
      ];
      await writeFile(options.sql, repairScriptFor(diff, { deleteInserted: options.deleteInserted }, header));
    }
  }
  return diff;
}

/** `FROM..TO`, `FROM..` or `..TO`. */
export function parseWhereKey(text: string | undefined): KeyBounds {
  if (text === undefined) return {};
  const match = /^(.*?)\.\.(.*)$/s.exec(text);
  if (!match || (match[1] === '' && match[2] === '')) {
    throw new InvalidInputError(`--where-key must be FROM..TO, FROM.. or ..TO, not "${text}"`);
  }
  return { ...(match[1] ? { from: match[1] } : {}), ...(match[2] ? { to: match[2] } : {}) };
}
