import type { DatabaseFingerprint } from '../../lib/core/fingerprint/types.js';
import { DATABASE, POLICY, type DrillWorld } from './context.js';
import { verifyRun, type RestoreVerifySetup, type VerifyRun } from './restore-verify.js';
import type { TakenSnapshot } from './snapshots.js';
import { sourceBaselineReport } from './source-baseline.js';

/** The source's own report of the snapshot: the baseline every restore of it is held to. */
export interface SourceBaseline {
  key: string;
  fingerprint: DatabaseFingerprint;
}

/**
 * Stores the source's snapshot-time fingerprint as a report, then restores the snapshot at the
 * primary and verifies it: restore-verify takes that report as its exact baseline.
 */
export async function verifyAtPrimary(
  world: DrillWorld,
  setup: RestoreVerifySetup,
  taken: TakenSnapshot,
): Promise<{ source: SourceBaseline; run: VerifyRun }> {
  const source = sourceBaselineReport({
    snapshot: taken.snapshot,
    policyName: POLICY,
    policy: world.policy,
    database: DATABASE,
    fingerprint: taken.source.fingerprint,
    consistentAt: taken.source.consistentAt,
    fingerprintedAt: taken.source.at,
  });
  await setup.reports.put(source.key, source.report);
  const fingerprint = source.report.fingerprints.databases[DATABASE]!;
  world.progress.info(
    `• Snapshot-time baseline: the source fingerprinted in the copy's MVCC snapshot (${Object.keys(fingerprint.tables).length} tables), stored as ${source.key}`,
  );

  const run = await verifyRun(world, setup, {
    title: `Restore-verify ${taken.id} at the primary against the snapshot-time source`,
    input: { source: DATABASE, policy: POLICY, snapshot: taken.id, target: 'primary' },
  });
  return { source: { key: source.key, fingerprint }, run };
}
