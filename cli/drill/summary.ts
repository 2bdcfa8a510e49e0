import { bisectTable } from '../../lib/adapters/db/postgres.js';
import type { LocalServer } from '../../lib/adapters/local/server.js';
import type { RestoreVerifyReport } from '../../lib/core/report/report.js';
import { DATABASE, type DrillWorld } from './context.js';
import type { Damage } from './corrupt.js';
import { asConnection } from './local-fingerprinter.js';
import type { Progress } from './progress.js';
import type { RestoreVerifySetup, VerifyRun } from './restore-verify.js';
import type { TakenSnapshot } from './snapshots.js';
import { tablesMatchingSource } from './source-baseline.js';
import type { SourceBaseline } from './verify-primary.js';

/**
 * Stops the writer, decides the verdict and prints the summary, then names what differs when a
 * restore failed. Returns whether the drill verified.
 */
export async function concludeDrill(
  world: DrillWorld,
  setup: RestoreVerifySetup,
  facts: { taken: TakenSnapshot; source: SourceBaseline; primaryRun: VerifyRun; drRun: VerifyRun },
): Promise<boolean> {
  const { progress, server, resources } = world;
  const { taken, source, primaryRun: baseline, drRun: candidate } = facts;
  const stats = await world.writer.stop();
  resources.writer = undefined;
  const lostWrites = stats.transactions - taken.writesSoFar;

  // Each restore is compared with the source here too: the DR run's own baseline may be the primary
  // restore's report (the newest of the same origin), which matched the source only by transitivity.
  const sourceMatch = tablesMatchingSource(
    source.fingerprint,
    [baseline, candidate].map((run) => run.report?.fingerprints.databases[DATABASE]),
  );
  const primaryHeldToSource = baseline.report?.baseline?.key === source.key;
  const verified =
    baseline.passed && candidate.passed && primaryHeldToSource && sourceMatch.matching === sourceMatch.total;
  summarize(progress, {
    sourceMatch,
    baselinePath: setup.reports.pathOf(source.key),
    candidate: candidate.report,
    reportPath: candidate.reportPath,
    writerTransactions: stats.transactions,
    lostWrites,
    verified,
  });
  if (!baseline.passed) await nameMismatches(progress, server, baseline.report, undefined, []);
  else if (!primaryHeldToSource) {
    progress.info(
      `\nThe primary restore was compared with ${baseline.report?.baseline?.key ?? 'no baseline'}, not ${source.key}`,
    );
  }
  if (!candidate.passed) {
    await nameMismatches(progress, server, candidate.report, baseline.report, setup.damage());
  }
  return verified;
}

function summarize(
  progress: Progress,
  facts: {
    /** Tables equal to the snapshot-time source in both restores, of all tables. */
    sourceMatch: { matching: number; total: number };
    baselinePath: string;
    candidate?: RestoreVerifyReport;
    reportPath?: string;
    writerTransactions: number;
    lostWrites: number;
    verified: boolean;
  },
): void {
  const report = facts.candidate;
  const tables = Object.entries(report?.fingerprints.databases[DATABASE]?.tables ?? {});
  const rows = tables.reduce((sum, [, table]) => sum + table.rows, 0);
  const seconds = (from?: string, to?: string) =>
    from && to ? `${((Date.parse(to) - Date.parse(from)) / 1000).toFixed(1)} s` : 'n/a';
  progress.info('');
  progress.info('Summary');
  progress.info(`  Verdict:          ${facts.verified ? 'VERIFIED' : 'VERIFICATION FAILED'}`);
  progress.info(
    `  Tables verified:  ${facts.sourceMatch.matching} of ${facts.sourceMatch.total} tables match the snapshot-time source exactly, in the primary and the DR restore`,
  );
  progress.info(`  Rows:             ${rows.toLocaleString('en')} rows restored and fingerprinted`);
  progress.info(
    `  RPO (measured):   ${seconds(report?.rpo.dataAsOf, report?.rto.restoreStartedAt)} between the snapshot and the restore; ` +
      `${facts.lostWrites} of ${facts.writerTransactions} writer transactions came after the snapshot (objective ${report?.rpo.objectiveMinutes ?? '?'} min)`,
  );
  progress.info(
    `  RTO (measured):   ${seconds(report?.rto.restoreStartedAt, report?.rto.verifiedAt ?? report?.finishedAt)} from restore start to verified data (objective ${report?.rto.objectiveMinutes ?? '?'} min)`,
  );
  progress.info(`  Report:           ${facts.reportPath ?? 'not written'}`);
  progress.info(`  Baseline:         ${facts.baselinePath} (the source in the copy's MVCC snapshot)`);
}

/** Names what differs: the comparison's tables and ranges, then the keys, bisected on the two restores. */
async function nameMismatches(
  progress: Progress,
  server: LocalServer,
  candidate: RestoreVerifyReport | undefined,
  baseline: RestoreVerifyReport | undefined,
  damage: Damage[],
): Promise<void> {
  const comparison = candidate?.comparison.databases.find((d) => d.database === DATABASE)?.comparison;
  const bad =
    comparison?.tables.filter((t) => t.verdict !== 'exact' && t.verdict !== 'within-tolerance') ?? [];
  progress.info('');
  progress.info('Mismatch');
  for (const table of bad) progress.info(`  ${table.table}: ${table.verdict}: ${table.reason}`);
  for (const error of candidate?.errors ?? [])
    progress.info(`  ${error.step}: ${error.error}: ${error.cause}`);
  const left = baseline?.scratch?.kept ? baseline.scratch.id : undefined;
  const right = candidate?.scratch?.kept ? candidate.scratch.id : undefined;
  if (left && right) {
    for (const table of bad) {
      const found = await bisectTable(asConnection(server, left), asConnection(server, right), table.table);
      progress.info(
        `  ${table.table}: differing keys ${found.keys.join(', ') || '(none found)'} (bisected, ${found.rowsCompared} rows compared row by row)`,
      );
    }
  }
  for (const done of damage) {
    progress.info(
      `  (--corrupt changed ${done.changed.table} key ${done.changed.key} and deleted ${done.deleted.table} key ${done.deleted.key} in ${done.scratchId})`,
    );
  }
}
