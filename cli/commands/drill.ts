import type { Command } from 'commander';
import { runDrill } from '../drill/run-drill.js';

export function registerDrill(program: Command): void {
  program
    .command('drill')
    .description(
      'the whole cycle on this machine, no AWS account: embedded PostgreSQL with a live writer, snapshot, ' +
        'encrypted DR copy, prune, and the restore-verify state machine with fingerprints',
    )
    .option('--corrupt', 'damage the restored DR copy on purpose (a changed row, a deleted row): must fail')
    .option(
      '--incident',
      'instead: a bad DELETE and UPDATE while the writer runs, then lifeboat recover and its repair script (row-level recovery)',
    )
    .option('--keep', 'leave the server data, databases and snapshot folders for inspection')
    .option('--reports <dir>', 'where the restore-verify reports are written', '.lifeboat/drill-reports')
    .action(async (options: { corrupt?: boolean; incident?: boolean; keep?: boolean; reports: string }) => {
      process.exitCode = await runDrill({
        corrupt: options.corrupt === true,
        incident: options.incident === true,
        keep: options.keep === true,
        reports: options.reports,
      });
    });
}
