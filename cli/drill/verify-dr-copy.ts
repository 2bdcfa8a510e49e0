import { DATABASE, DR_TARGET, POLICY, type DrillWorld } from './context.js';
import { verifyRun, type RestoreVerifySetup, type VerifyRun } from './restore-verify.js';

/** Restores the encrypted DR copy in the DR account and verifies it (damaged first by --corrupt). */
export function verifyDrCopy(
  world: DrillWorld,
  setup: RestoreVerifySetup,
  drCopyId: string,
): Promise<VerifyRun> {
  return verifyRun(world, setup, {
    title: `Restore-verify the encrypted DR copy ${drCopyId} in ${DR_TARGET}${world.options.corrupt ? ' (--corrupt: damaged after restore)' : ''}`,
    input: { source: DATABASE, policy: POLICY, snapshot: drCopyId, target: DR_TARGET },
  });
}
