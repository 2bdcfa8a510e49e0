import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { LocalScratchRestorer } from '../../lib/adapters/local/scratch-restorer.js';
import { DATABASE, PRIMARY, type Resources } from './context.js';
import type { Progress } from './progress.js';

/** Stops the writer and the server and removes the working folder, or says how to inspect them. */
export async function releaseAll(resources: Resources, keep: boolean, progress: Progress): Promise<void> {
  await resources.writer?.stop().catch(() => undefined);
  await resources.writerClient?.end().catch(() => undefined);
  const postgres = resources.postgres;
  if (postgres && !keep) {
    const restorer = new LocalScratchRestorer({
      server: postgres.server,
      location: { root: join(resources.root, 'cloud'), ...PRIMARY },
    });
    // Guarded: only databases tagged lifeboat:scratch=true can go.
    for (const id of resources.keptScratch)
      await restorer.deleteScratch('instance', id).catch(() => undefined);
  }
  await postgres?.stop().catch(() => postgres.killNow());
  if (!keep) rmSync(resources.root, { recursive: true, force: true });
  else if (postgres) {
    progress.info(`\nKept for inspection (--keep) in ${resources.root}:`);
    progress.info(`  start the server:  ${postgres.restartHint}`);
    const { user, password, host, port } = postgres.server;
    progress.info(`  connect:           psql postgres://${user}:${password}@${host}:${port}/${DATABASE}`);
    progress.info(`  databases:         ${[DATABASE, ...resources.keptScratch].join(', ')}`);
    progress.info(`  snapshot folders:  ${join(resources.root, 'cloud')}`);
  }
}
