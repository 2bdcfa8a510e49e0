import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../exit.js';
import type { DrillContext, DrillOptions, Resources } from './context.js';
import { copyToDr } from './dr-copy.js';
import { dataFolderOf, killServerIn } from './embedded-postgres.js';
import { incidentScenario } from './incident.js';
import { createProgress } from './progress.js';
import { pruneByPolicy } from './prune.js';
import { failOverToDr } from './regional-outage.js';
import { releaseAll } from './resources.js';
import { restoreVerifySetup } from './restore-verify.js';
import { snapshotHistory, snapshotWithSourceBaseline } from './snapshots.js';
import { startSource } from './start-source.js';
import { concludeDrill } from './summary.js';
import { drSiteReports, verifyDrCopy } from './verify-dr-copy.js';
import { verifyAtPrimary } from './verify-primary.js';

export type { DrillOptions } from './context.js';

/** Runs the drill; returns the exit code. */
export async function runDrill(options: DrillOptions): Promise<number> {
  const progress = options.progress ?? createProgress();
  const root = mkdtempSync(join(tmpdir(), 'lifeboat-drill-'));
  // As root, PostgreSQL runs as `postgres`, which must reach the folders below.
  chmodSync(root, 0o711);
  const resources: Resources = { root, keptScratch: new Set() };
  const began = Date.now();

  let cleaning: Promise<void> | undefined;
  const cleanup = () => (cleaning ??= releaseAll(resources, options.keep, progress));
  const onSignal = (signal: NodeJS.Signals) => {
    progress.info(`\n${signal}: stopping the writer and the server, removing temporary files ...`);
    void cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  // Nothing async runs in 'exit': the server is killed and the folder removed synchronously.
  const onExit = () => {
    killServerIn(dataFolderOf(join(root, 'postgres')));
    if (!options.keep) rmSync(root, { recursive: true, force: true });
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', onExit);
  try {
    const verified = await drill({ options, progress, resources });
    progress.info(`\nDrill finished in ${((Date.now() - began) / 1000).toFixed(1)} s.`);
    return verified ? EXIT.ok : EXIT.failed;
  } finally {
    await cleanup();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('exit', onExit);
  }
}

/** The phases in order (context.ts says what a phase is); returns whether the drill verified. */
async function drill(context: DrillContext): Promise<boolean> {
  const { options, progress, resources } = context;
  progress.info(
    `Working folder: ${resources.root} (${options.keep ? 'kept: --keep' : 'removed at the end, also on Ctrl-C'})`,
  );
  const world = await startSource(context);
  if (options.incident) return incidentScenario(world);
  await snapshotHistory(world);
  const taken = await snapshotWithSourceBaseline(world);
  const drCopyId = await copyToDr(world, taken);
  await pruneByPolicy(world);
  const setup = restoreVerifySetup(world);
  const primary = await verifyAtPrimary(world, setup, taken);
  const drRun = await verifyDrCopy(world, setup, drCopyId);
  // The failover record goes where the DR site keeps its reports, as lifeboat failover puts it.
  await failOverToDr(world, drSiteReports(setup.reports));
  return concludeDrill(world, setup, { taken, source: primary.source, primaryRun: primary.run, drRun });
}
