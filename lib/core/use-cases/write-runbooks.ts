import { InvalidInputError } from '../errors.js';
import type { ReplicatedBackup } from '../failover/types.js';
import type { PolicyFile } from '../policy/schema.js';
import type { ReportStore, RunbookShelf } from '../ports.js';
import {
  failoverRunFrom,
  protectedDatabases,
  restoreRunFrom,
  runbookFacts,
  type AccountSnapshot,
  type FailoverRun,
  type RestoreRun,
  type RunbookFacts,
} from '../runbook/facts.js';
import { renderIndex, renderRunbook } from '../runbook/markdown.js';
import { proceduresFor, type Procedure } from '../runbook/procedures.js';

// The newest reports are the ones a runbook names; a database verified weekly for years has
// hundreds, and reading them all would make the runbook as slow as its history is long.
const REPORTS_READ = 20;

async function newest<T>(
  reports: ReportStore,
  prefix: string,
  read: (value: unknown, key: string) => T | null,
): Promise<T[]> {
  const keys = (await reports.list(prefix)).filter((k) => k.endsWith('.json')).slice(-REPORTS_READ);
  const found: T[] = [];
  for (const key of keys) {
    const run = read(await reports.get(key), key);
    if (run) found.push(run);
  }
  return found;
}

export interface Runbook {
  facts: RunbookFacts;
  procedures: Procedure[];
}

/**
 * The runbook of every protected database (or the one asked for): the databases are those
 * Lifeboat's snapshots name, the facts come from the snapshots, the replicated backups and the
 * reports, the procedures from the facts.
 */
export async function buildRunbooks(input: {
  policies: PolicyFile;
  snapshots: readonly AccountSnapshot[];
  backups: ReadonlyArray<ReplicatedBackup & { region: string }>;
  reports?: ReportStore;
  reportsBucket?: string;
  /** Copy targets not read (lib/adapters/aws/runbook-state.ts), by label, with why. */
  unread?: ReadonlyArray<{ label: string; reason: string }>;
  database?: string;
  now: Date;
}): Promise<Runbook[]> {
  const all = protectedDatabases(input.policies, input.snapshots);
  const chosen = input.database === undefined ? all : all.filter((d) => d.database === input.database);
  if (input.database !== undefined && chosen.length === 0) {
    throw new InvalidInputError(
      `--db ${input.database}: no Lifeboat snapshot names it (databases: ${all.map((d) => d.database).join(', ') || 'none'})`,
    );
  }
  const runbooks: Runbook[] = [];
  for (const database of chosen) {
    const restores: RestoreRun[] = input.reports
      ? await newest(input.reports, `reports/${database.database}/`, restoreRunFrom)
      : [];
    const failovers: FailoverRun[] = input.reports
      ? await newest(input.reports, `failovers/${database.database}/`, failoverRunFrom)
      : [];
    const facts = runbookFacts({
      policies: input.policies,
      database,
      snapshots: input.snapshots,
      backups: input.backups,
      restores,
      failovers,
      ...(input.reportsBucket ? { reportsBucket: input.reportsBucket } : {}),
      ...(input.unread ? { unread: input.unread } : {}),
      now: input.now,
    });
    runbooks.push({ facts, procedures: proceduresFor(facts) });
  }
  return runbooks;
}

/** The files of the runbooks: one per database and an index, in Markdown or JSON. */
export function runbookFiles(
  runbooks: readonly Runbook[],
  format: 'md' | 'json',
  now: Date,
): Map<string, string> {
  const files = new Map<string, string>();
  for (const runbook of runbooks) {
    files.set(
      `${runbook.facts.database}.${format}`,
      format === 'md'
        ? renderRunbook(runbook.facts, runbook.procedures)
        : `${JSON.stringify(runbook, null, 2)}\n`,
    );
  }
  files.set(
    format === 'md' ? 'README.md' : 'index.json',
    format === 'md'
      ? renderIndex(
          runbooks.map((r) => r.facts),
          now.toISOString(),
        )
      : `${JSON.stringify({ generatedAt: now.toISOString(), databases: runbooks.map((r) => r.facts.database) }, null, 2)}\n`,
  );
  return files;
}

/**
 * After a restore-verify run: the runbook of the database it verified (Markdown and JSON) and the
 * index of all of them, on the shelf. Every database's facts are read for the index, which is
 * written even when the run names a database no Lifeboat snapshot names (a mistyped manual run):
 * then there is no runbook of it to write, and `skipped` says so.
 */
export async function publishRunbooks(
  input: Omit<Parameters<typeof buildRunbooks>[0], 'database' | 'reports'> & {
    reports: ReportStore;
    database: string;
    shelf: RunbookShelf;
  },
): Promise<{ written: string[]; skipped?: string }> {
  const { shelf, database, ...rest } = input;
  const runbooks = await buildRunbooks(rest);
  const verified = runbooks.some((r) => r.facts.database === database);
  const markdown = runbookFiles(runbooks, 'md', input.now);
  const json = runbookFiles(
    runbooks.filter((r) => r.facts.database === database),
    'json',
    input.now,
  );
  const names = verified ? [`${database}.md`, `${database}.json`] : [];
  const written: string[] = [];
  for (const name of names) written.push(await shelf.put(name, (markdown.get(name) ?? json.get(name))!));
  // The index last: it links to the runbook just written.
  written.push(await shelf.put('README.md', markdown.get('README.md')!));
  return verified
    ? { written }
    : {
        written,
        skipped: `no Lifeboat snapshot names ${database} (databases: ${runbooks.map((r) => r.facts.database).join(', ') || 'none'}): no runbook of it`,
      };
}
