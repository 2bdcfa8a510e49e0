import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { compareFingerprints } from '../../lib/core/compare/compare.js';
import type { Comparison } from '../../lib/core/compare/types.js';
import { InvalidInputError } from '../../lib/core/errors.js';
import { parseFingerprint } from '../../lib/core/fingerprint/schema.js';
import type { DatabaseFingerprint } from '../../lib/core/fingerprint/types.js';
import { EXIT } from '../exit.js';

interface CompareCommandOptions {
  tolerance?: string;
  json?: boolean;
}

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description('compare two fingerprints: exit 0 same, 1 different, 2 bad input')
    .argument('<baseline>', 'fingerprint JSON (lifeboat fingerprint --json)')
    .argument('<candidate>', 'fingerprint JSON to check against the baseline')
    .option(
      '--tolerance <percent>',
      'compare as a later copy: no table lost, columns unchanged, row counts within this percentage (default: exact)',
    )
    .option('--json', 'print the comparison as JSON')
    .action(async (baselineFile: string, candidateFile: string, options: CompareCommandOptions) => {
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
      const comparison = compareFingerprints(
        baseline,
        candidate,
        tolerance === undefined
          ? { mode: 'exact' }
          : { mode: 'previous-report', rowCountTolerancePercent: tolerance },
      );
      console.log(options.json ? JSON.stringify(comparison, null, 2) : renderComparison(comparison));
      process.exitCode = comparison.verdict === 'same' ? EXIT.ok : EXIT.failed;
    });
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
    return `${t.verdict.toUpperCase().padEnd(10)} ${t.table}: ${t.reason}${ranges}`;
  });
  const tolerated = comparison.tables.filter((t) => t.verdict === 'within-tolerance');
  lines.push(...tolerated.map((t) => `${'tolerated'.padEnd(10)} ${t.table}: ${t.reason}`));
  const exact = comparison.tables.length - differing.length - tolerated.length;
  lines.push(
    `${comparison.verdict}: ${comparison.tables.length} tables, ${exact} identical, ${tolerated.length} within tolerance, ${differing.length} different`,
  );
  return lines.join('\n');
}
