import { resolve } from 'node:path';
import { LocalConnections, LocalScratchCredentials } from '../../lib/adapters/local/credentials.js';
import { RecordingNotifier } from '../../lib/adapters/local/notifier.js';
import { LocalReportStore } from '../../lib/adapters/local/report-store.js';
import { LocalScratchRestorer } from '../../lib/adapters/local/scratch-restorer.js';
import { runRestoreVerifyLocally, type LocalRunResult } from '../../lib/adapters/local-state-machine.js';
import type { RestoreVerifyReport } from '../../lib/core/report/report.js';
import type { RestoreVerifyDeps } from '../../lib/core/use-cases/restore-verify/types.js';
import { DATABASE, PRIMARY, type DrillWorld } from './context.js';
import { DamagingRestorer, type Damage } from './corrupt.js';
import { localFingerprinter } from './local-fingerprinter.js';

/** What the restore-verify phases share: the state machine's ports at both sites, and the reports. */
export interface RestoreVerifySetup {
  reports: LocalReportStore;
  deps: RestoreVerifyDeps;
  /** Scratch databases are kept for bisection (--corrupt) or inspection (--keep). */
  keepScratch: boolean;
  /** The DR site's own ports (verify-dr-copy.ts runs its machine with them). */
  dr: Pick<RestoreVerifyDeps, 'snapshots' | 'restorer' | 'tagger'>;
  /** What --corrupt changed in the DR restores, for the summary to name. */
  damage(): Damage[];
}

/**
 * The ports the restore-verify state machine runs with: the primary site, and the DR site, whose
 * restores --corrupt damages after they are made. Reports go to a folder of this drill's own.
 */
export function restoreVerifySetup(world: DrillWorld): RestoreVerifySetup {
  const { options, progress, server, primary, dr, policies } = world;
  // A folder per drill: each drill has new data, so an earlier drill's report is no baseline.
  const runFolder = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const reports = new LocalReportStore(resolve(options.reports, runFolder));
  const notifier = new RecordingNotifier((message) =>
    progress.info(`    chat (${message.severity}): ${message.summary}`),
  );
  const primaryRestorer = new LocalScratchRestorer({ server, location: world.primaryLocation });
  const drRestorerPlain = new LocalScratchRestorer({ server, location: world.drLocation });
  const drRestorer = options.corrupt ? new DamagingRestorer(drRestorerPlain, server) : drRestorerPlain;
  const deps: RestoreVerifyDeps = {
    snapshots: primary,
    restorer: primaryRestorer,
    tagger: primary,
    siteFor: () => ({ snapshots: dr, restorer: drRestorer, tagger: dr }),
    policies,
    fingerprinter: () => localFingerprinter(),
    connections: new LocalConnections(server),
    credentials: new LocalScratchCredentials(),
    reports,
    notifier,
    clock: () => new Date(),
    account: PRIMARY.account,
    region: PRIMARY.region,
    segments: 2,
  };
  return {
    reports,
    deps,
    dr: { snapshots: dr, restorer: drRestorer, tagger: dr },
    keepScratch: options.corrupt || options.keep,
    damage: () => (drRestorer instanceof DamagingRestorer ? drRestorer.damage : []),
  };
}

export interface VerifyRun {
  passed: boolean;
  result: LocalRunResult;
  report?: RestoreVerifyReport;
  reportKey?: string;
  /** Where the report is on disk (the DR site keeps its own folder). */
  reportPath?: string;
}

/** One execution of the restore-verify state machine, as a step showing the states it enters. */
export async function verifyRun(
  world: DrillWorld,
  setup: RestoreVerifySetup,
  run: { title: string; input: Record<string, unknown> },
): Promise<VerifyRun> {
  const { reports, deps, keepScratch } = setup;
  const verified = await world.progress.step(
    run.title,
    async (update) => {
      const result = await runRestoreVerifyLocally({ ...run.input, keepScratch }, deps, {
        onStateEntered: (name) => update(name),
      });
      const output = (result.output ?? {}) as { report?: { key?: string } };
      const reportKey = output.report?.key ?? (await reports.list(`reports/${DATABASE}/`)).at(-1);
      const report = reportKey
        ? ((await reports.get(reportKey)) as RestoreVerifyReport | undefined)
        : undefined;
      return {
        passed: result.status === 'SUCCEEDED' && report?.verdict === 'passed',
        result,
        ...(report ? { report } : {}),
        ...(reportKey ? { reportKey, reportPath: reports.pathOf(reportKey) } : {}),
      };
    },
    (run) =>
      run.passed
        ? `passed (${run.report?.baseline ? `${run.report.baseline.mode} match with ${run.report.baseline.key}` : 'first verification: the baseline'})`
        : `FAILED${run.result.error ? `: ${run.result.error.name}` : ''}`,
  );
  if (keepScratch && verified.report?.scratch) world.resources.keptScratch.add(verified.report.scratch.id);
  return verified;
}
