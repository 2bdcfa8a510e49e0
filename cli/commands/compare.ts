import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { compareFingerprints, whyIncomparable } from '../../lib/core/compare/compare.js';
import type { Comparison } from '../../lib/core/compare/types.js';
import { bisectTable, connectionFromUrl } from '../../lib/adapters/db/index.js';
import { InvalidInputError, LifeboatError } from '../../lib/core/errors.js';
import { describeFormat } from '../../lib/core/fingerprint/format.js';
import { WHOLE_TABLE } from '../../lib/core/fingerprint/ranges.js';
import { parseFingerprint } from '../../lib/core/fingerprint/schema.js';
import type { DatabaseConnection, DatabaseFingerprint } from '../../lib/core/fingerprint/types.js';
import { EXIT } from '../exit.js';

interface CompareCommandOptions {
  tolerance?: string;
  json?: boolean;
  baselineUrl?: string;
  candidateUrl?: string;
}

/** Bisecting reads both databases range by range: a handful of tables is enough to act on. */
const MAX_BISECTED_TABLES = 5;

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description(
      'compare two fingerprints: exit 0 same, 1 different, 2 bad input or fingerprints of different formats',
    )
    .argument('<baseline>', 'fingerprint JSON (lifeboat fingerprint --json)')
    .argument('<candidate>', 'fingerprint JSON to check against the baseline')
    .option(
      '--tolerance <percent>',
      'compare as a later copy: no table lost, columns unchanged, row counts within this percentage (default: exact)',
    )
    .option('--json', 'print the comparison as JSON')
    .option(
      '--baseline-url <url>',
      'the live baseline database: with --candidate-url, name the first differing rows',
    )
    .option('--candidate-url <url>', 'the live candidate database')
    .action(async (baselineFile: string, candidateFile: string, options: CompareCommandOptions) => {
      if ((options.baselineUrl === undefined) !== (options.candidateUrl === undefined)) {
        throw new InvalidInputError('--baseline-url and --candidate-url go together');
      }
      const live =
        options.baselineUrl && options.candidateUrl
          ? ([
              connectionFromUrl(options.baselineUrl, '--baseline-url'),
              connectionFromUrl(options.candidateUrl, '--candidate-url'),
            ] as const)
          : undefined;
      let tolerance: number | undefined;
      if (options.tolerance !== undefined) {
        tolerance = Number(options.tolerance);
        if (
          options.tolerance.trim() === '' ||
          !Number.isFinite(tolerance) ||
          tolerance < 0 ||
          tolerance > 100
        ) {
          throw new InvalidInputError(
            `--tolerance must be a percentage from 0 to 100, not "${options.tolerance}"`,
          );
        }
      }
      const [baseline, candidate] = await Promise.all([
        readFingerprint(baselineFile),
        readFingerprint(candidateFile),
      ]);
      const mode = tolerance === undefined ? 'exact' : 'previous-report';
      // A difference of format is not a difference of data: exit 2, as for any input that cannot
      // be compared, rather than 1 and a list of every table as different.
      const refusal = whyIncomparable(baseline, candidate, mode);
      if (refusal !== undefined) {
        throw new InvalidInputError(
          `cannot compare ${baselineFile} (${describeFormat(baseline)}) with ${candidateFile} (${describeFormat(candidate)}): ${refusal}`,
        );
      }
      const comparison = compareFingerprints(
        baseline,
        candidate,
        tolerance === undefined ? { mode } : { mode, rowCountTolerancePercent: tolerance },
      );
      if (live) await nameDifferingRows(comparison, live[0], live[1]);
      console.log(options.json ? JSON.stringify(comparison, null, 2) : renderComparison(comparison));
      process.exitCode = comparison.verdict === 'same' ? EXIT.ok : EXIT.failed;
    });
}

/** Bisects the tables whose data differs (same columns) down to the keys of their first differing rows. */
async function nameDifferingRows(
  comparison: Comparison,
  baseline: DatabaseConnection,
  candidate: DatabaseConnection,
): Promise<void> {
  const differing = comparison.tables
    .filter((t) => t.verdict === 'mismatch' && t.reason.startsWith('checksum'))
    .slice(0, MAX_BISECTED_TABLES);
  for (const table of differing) {
    const ranges = table.differingRanges?.length ? table.differingRanges : [WHOLE_TABLE];
    const keys: string[] = [];
    for (const range of ranges) {
      if (keys.length >= 10) break;
      try {
        const found = await bisectTable(baseline, candidate, table.table, { from: range.from, to: range.to });
        keys.push(...found.keys);
      } catch (error) {
        // A table without a primary key has no rows to name (and one of several databases is not
        // addressed by its name alone); the others are still worth bisecting.
        if (error instanceof LifeboatError && ['ConfigError', 'NotFoundError'].includes(error.name)) break;
        throw error;
      }
    }
    table.differingKeys = keys.slice(0, 10);
  }
}

async function readFingerprint(file: string): Promise<DatabaseFingerprint> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new InvalidInputError(
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      {
        cause: error,
      },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError(`${file} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  try {
    return parseFingerprint(json);
  } catch (error) {
    throw new InvalidInputError(`${file} is not a fingerprint: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** The differences first, one line each, then a summary line. */
export function renderComparison(comparison: Comparison): string {
  const differing = comparison.tables.filter(
    (t) => t.verdict !== 'exact' && t.verdict !== 'within-tolerance',
  );
  const lines = differing.map((t) => {
    const ranges = (t.differingRanges ?? [])
      .slice(0, 5)
      .map(
        (r) =>
          `\n    keys [${r.from ?? '-inf'}, ${r.to ?? '+inf'}): rows ${r.baselineRows} -> ${r.candidateRows}`,
      )
      .join('');
    const keys = t.differingKeys?.length ? `\n    first differing keys: ${t.differingKeys.join(', ')}` : '';
    return `${t.verdict.toUpperCase().padEnd(10)} ${t.table}: ${t.reason}${ranges}${keys}`;
  });
  const tolerated = comparison.tables.filter((t) => t.verdict === 'within-tolerance');
  lines.push(...tolerated.map((t) => `${'tolerated'.padEnd(10)} ${t.table}: ${t.reason}`));
  const exact = comparison.tables.length - differing.length - tolerated.length;
  lines.push(
    `${comparison.verdict}: ${comparison.tables.length} tables, ${exact} identical, ${tolerated.length} within tolerance, ${differing.length} different`,
  );
  return lines.join('\n');
}
