import type { RDSClient } from '@aws-sdk/client-rds';
import type { ReplicatedBackup } from '../../core/failover/types.js';
import type { CopyTargetPolicy, PolicyFile } from '../../core/policy/schema.js';
import { targetLabel } from '../../core/monitor/recovery.js';
import type { AccountSnapshot } from '../../core/runbook/facts.js';
import { RdsRecoverySources } from './rds-failover.js';
import { RdsSnapshotStore } from './rds-snapshots.js';

const accountOf = (arn: string) => arn.split(':')[4] ?? '';

/** What a runbook reads of the live account: snapshots everywhere, replicated backups at the DR regions. */
export interface LiveRunbookState {
  snapshots: AccountSnapshot[];
  backups: Array<ReplicatedBackup & { region: string }>;
  /** Copy targets not read from here, by their label, with why. */
  unread: Array<{ label: string; reason: string }>;
}

/**
 * The snapshots at home and at every copy target, and the automated backups replicated into each
 * DR region of this account. `targetClient` gives the RDS client of a copy target, `'home'` for
 * the home listing itself (a DR site's own target), or a reason it is not read (the scheduled
 * runbooks assume no DR-account role: that role may delete copies).
 */
export async function liveRunbookState(
  policies: PolicyFile,
  options: {
    home: { region: string; client: RDSClient };
    targetClient: (target: CopyTargetPolicy) => RDSClient | 'home' | { unread: string };
  },
): Promise<LiveRunbookState> {
  const snapshots: AccountSnapshot[] = [];
  const add = (list: Awaited<ReturnType<RdsSnapshotStore['listSnapshots']>>) =>
    snapshots.push(...list.map((snapshot) => ({ account: accountOf(snapshot.arn), snapshot })));
  add(
    await new RdsSnapshotStore({ region: options.home.region, client: options.home.client }).listSnapshots(),
  );
  const backups: LiveRunbookState['backups'] = [];
  const unread: LiveRunbookState['unread'] = [];
  const seen = new Set<string>();
  for (const policy of Object.values(policies.policies)) {
    for (const target of policy.copies) {
      const key = `${target.account ?? ''}/${target.region}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const client = options.targetClient(target);
      if (client === 'home') continue;
      if ('unread' in client) {
        unread.push({ label: targetLabel(target), reason: client.unread });
        continue;
      }
      add(await new RdsSnapshotStore({ region: target.region, client }).listSnapshots());
      if (!target.account) {
        const sources = new RdsRecoverySources({ region: target.region, client });
        const names = new Set(snapshots.map((s) => s.snapshot.sourceId));
        for (const name of names) {
          backups.push(
            ...(await sources.listReplicatedBackups(name)).map((b) => ({ ...b, region: target.region })),
          );
        }
      }
    }
  }
  return { snapshots, backups, unread };
}
