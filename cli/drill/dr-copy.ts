import { copyToTargets } from '../../lib/core/use-cases/copy-snapshot.js';
import { DATABASE, DR_TARGET, POLICY, type DrillWorld } from './context.js';
import type { TakenSnapshot } from './snapshots.js';

/** Copies the snapshot to the DR account; returns the id of the copy there. */
export async function copyToDr(world: DrillWorld, taken: TakenSnapshot): Promise<string> {
  const copies = await world.progress.step(
    `Copy to the DR account ${DR_TARGET} (shared with that account only, re-encrypted with its key)`,
    (update) => copyAll(world, taken.id, update),
    (outcomes) => outcomes.join(' → '),
  );
  const drCopyId = (await world.dr.listSnapshots({ sourceId: DATABASE }))
    .filter((s) => s.tags['lifeboat:copy-of'] === taken.snapshot.arn)
    .map((s) => s.id)[0];
  if (!drCopyId || !copies.includes('copied')) throw new Error(`the DR copy of ${taken.id} did not complete`);
  return drCopyId;
}

/** One copy step per call, as the copy function does on each RDS event or sweep, until copied. */
export async function copyAll(
  world: Pick<DrillWorld, 'primary' | 'policy' | 'copyDeps'>,
  snapshotId: string,
  update?: (detail: string) => void,
): Promise<string[]> {
  const { primary, policy, copyDeps: deps } = world;
  const snapshot = await primary.getSnapshot('instance', snapshotId);
  if (!snapshot) throw new Error(`snapshot ${snapshotId} vanished`);
  const outcomes: string[] = [];
  for (let step = 0; step < 4; step++) {
    const result = await copyToTargets({ snapshot, policyName: POLICY, policy, deps, now: new Date() });
    const outcome = result.targets[0]!;
    outcomes.push(outcome.outcome);
    update?.(`${outcome.outcome}: ${outcome.reason}`);
    if (outcome.outcome === 'copied') break;
    if (outcome.outcome === 'failed' || outcome.outcome === 'refused') {
      throw new Error(`copy of ${snapshotId} to ${outcome.target}: ${outcome.reason}`);
    }
  }
  return outcomes;
}
