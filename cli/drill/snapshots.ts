import type { SnapshotManifest } from '../../lib/adapters/local/snapshot-store.js';
import type { DatabaseFingerprint } from '../../lib/core/fingerprint/types.js';
import type { Snapshot } from '../../lib/core/model.js';
import { takeSnapshots } from '../../lib/core/use-cases/take-snapshots.js';
import { DATABASE, POLICY, type DrillWorld } from './context.js';
import { copyAll } from './dr-copy.js';
import { asConnection, localFingerprinter } from './local-fingerprinter.js';

const DAY = 86_400_000;
/** Compressed clock: snapshots labelled as taken this many days ago, all taken now. */
const HISTORY_DAYS = [40, 20, 13, 6, 3, 2, 1];

/** The snapshot taken now, and the source fingerprinted in the same MVCC snapshot as its copy. */
export interface TakenSnapshot {
  id: string;
  snapshot: Snapshot;
  manifest: SnapshotManifest;
  source: { fingerprint: DatabaseFingerprint; consistentAt: string; at: string };
  /** Writer transactions committed when the snapshot was taken. */
  writesSoFar: number;
}

/** A history of snapshots and DR copies dated days back, for prune to have something to decide. */
export async function snapshotHistory(world: DrillWorld): Promise<void> {
  const { progress, clock } = world;
  await progress.step(
    `Snapshot history with a compressed clock (${HISTORY_DAYS.length} snapshots dated ${HISTORY_DAYS.join(', ')} days ago)`,
    async (update) => {
      const now = Date.now();
      for (const days of HISTORY_DAYS) {
        clock.now = new Date(now - days * DAY);
        const id = await takeScheduledSnapshot(world);
        await copyAll(world, id);
        update(`${id} and its DR copy`);
      }
    },
  );
  clock.now = new Date();
}

/** The snapshot now, while the writer runs, with the snapshot-time fingerprint of the source. */
export async function snapshotWithSourceBaseline(world: DrillWorld): Promise<TakenSnapshot> {
  const { progress, policy, primary, server, hooks, writer } = world;
  return progress.step(
    'Snapshot now, while the writer runs (one REPEATABLE READ transaction, server-side binary COPY), ' +
      'and fingerprint the source in that same MVCC snapshot: the snapshot-time baseline',
    async () => {
      let source: TakenSnapshot['source'] | undefined;
      // Runs while the copy's transaction is open: the fingerprint sessions import its exported
      // snapshot, so they read exactly the rows the copy reads, however much the writer writes meanwhile.
      hooks.atConsistentPoint = async (point) => {
        const fingerprint = await localFingerprinter().fingerprint(asConnection(server, point.database), {
          exclude: policy.verify?.exclude,
          snapshot: point.exportedSnapshot,
          segments: 2,
        });
        source = { fingerprint, consistentAt: point.consistentAt, at: new Date().toISOString() };
      };
      const id = await takeScheduledSnapshot(world);
      const snapshot = (await primary.getSnapshot('instance', id))!;
      const manifest = (await primary.readManifest('instance', id))!;
      hooks.atConsistentPoint = undefined;
      if (!source) throw new Error(`the source was not fingerprinted at the consistent point of ${id}`);
      return { id, snapshot, manifest, source, writesSoFar: writer.stats.transactions };
    },
    ({ id, manifest }) =>
      `${id}, consistent at ${manifest.copy.consistentAt}, encrypted with the instance key (AES-256-GCM)`,
  );
}

/** The policy's scheduled snapshot of the sample database, dated by the stores' clock. */
export async function takeScheduledSnapshot(world: DrillWorld): Promise<string> {
  const { databases } = await takeSnapshots({
    policyName: POLICY,
    policy: world.policy,
    scheduledAt: world.clock.now,
    store: world.primary,
  });
  const result = databases.find((d) => d.database === DATABASE);
  if (!result?.snapshotId || (result.outcome !== 'created' && result.outcome !== 'existing')) {
    throw new Error(
      `no snapshot of ${DATABASE}: ${result ? `${result.outcome}: ${result.reason}` : 'not selected by the policy'}`,
    );
  }
  return result.snapshotId;
}
