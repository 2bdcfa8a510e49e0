import { prune } from '../../lib/core/use-cases/prune.js';
import { POLICY, type DrillWorld } from './context.js';

/** Prunes both sites by the demo policy's retention, printing every decision and its reason. */
export async function pruneByPolicy(world: DrillWorld): Promise<void> {
  const { progress, policy, primary, dr } = world;
  await progress.step(
    'Prune by the demo policy (primary: 3 daily, 2 weekly, 1 monthly; DR: 2 daily, 1 weekly)',
    async () => {
      const result = await prune({
        policyName: POLICY,
        policy,
        now: new Date(),
        source: primary,
        targets: [{ target: policy.copies[0]!, store: dr }],
        dryRun: false,
      });
      for (const scope of result.scopes) {
        for (const decision of scope.decisions) {
          progress.info(
            `    ${scope.scope}: ${decision.action.padEnd(6)} ${decision.snapshot.id}: ${decision.reason}`,
          );
        }
      }
      return result;
    },
    (result) => `${result.deleted} deleted, ${result.failed} failed`,
  );
}
