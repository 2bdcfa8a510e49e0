import { buildEvidence } from '../evidence/build.js';
import type { Evidence } from '../evidence/types.js';
import type { Snapshot } from '../model.js';
import { targetLabel } from '../monitor/recovery.js';
import type { CopyTargetPolicy, Policy, PolicyFile } from '../policy/schema.js';
import type { ReportStore, SnapshotStore } from '../ports.js';
import { reportPrefix, runIdFor } from '../report/report.js';

export interface EvidencePorts {
  policies: PolicyFile;
  /** The databases' own region (a live account, or an inventory file). */
  store: SnapshotStore;
  targetStores(policy: Policy): Array<{ target: CopyTargetPolicy; store: SnapshotStore }>;
  /** The reports bucket, or a local copy of it. */
  reports: ReportStore;
  sources: Evidence['sources'];
}

// Report keys are reports/<source>/<runId>.json with a sortable start time; a run finishing in the
// period started at most this long before it (a restore-verify gives up after 7 days of RTO).
const RUN_LENGTH_MS = 8 * 86_400_000;

/**
 * Reads what the evidence of a period needs, once each: the databases, the snapshots at the source
 * and at every copy target, and the restore-verify reports; then builds it. Read-only.
 */
export async function gatherEvidence(
  ports: EvidencePorts,
  period: { from: Date; to: Date },
  database?: string,
): Promise<Evidence> {
  const [databases, snapshots] = await Promise.all([
    ports.store.listDatabases(),
    ports.store.listSnapshots(),
  ]);
  const targets = new Map<string, readonly Snapshot[] | { error: string }>();
  for (const policy of Object.values(ports.policies.policies)) {
    for (const { target, store } of ports.targetStores(policy)) {
      const label = targetLabel(target);
      if (targets.has(label)) continue;
      try {
        targets.set(label, await store.listSnapshots());
      } catch (error) {
        targets.set(label, {
          error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        });
      }
    }
  }

  const oldest = runIdFor(new Date(period.from.getTime() - RUN_LENGTH_MS));
  const keys = (
    await ports.reports.list(database === undefined ? 'reports/' : reportPrefix(database))
  ).filter((key) => {
    const runId = runIdOf(key);
    return key.endsWith('.json') && (runId === '' || runId >= oldest);
  });
  const reports: Array<{ key: string; value: unknown }> = [];
  for (const key of keys) reports.push({ key, value: await ports.reports.get(key) });

  return buildEvidence({
    policies: ports.policies,
    period,
    databases,
    snapshots,
    targets,
    reports,
    ...(database === undefined ? {} : { database }),
    sources: ports.sources,
  });
}

/** The run id of `reports/<source>/<runId>.json` (20261124T094439Z), or "" for another key. */
function runIdOf(key: string): string {
  return /\/(\d{8}T\d{6}Z)[^/]*\.json$/.exec(key)?.[1] ?? '';
}
