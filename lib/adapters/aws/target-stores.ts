import type { RDSClient, RDSClientConfig } from '@aws-sdk/client-rds';
import type { SnapshotStore } from '../../core/ports.js';
import { drRoleArn } from '../../core/naming/dr-role.js';
import type { CopyTargetPolicy } from '../../core/policy/schema.js';
import { RdsSnapshotStore } from './rds-snapshots.js';
import { rdsClientFor, type StsSettings } from './sts-credentials.js';

/**
 * The role Lifeboat assumes to reach a copy target, if the target is in another account: `roleArn`,
 * else the one deploy/dr-account-role.yml creates there for the target's region.
 */
export function drRoleArnOf(
  target: Pick<CopyTargetPolicy, 'account' | 'region' | 'roleArn'>,
): string | undefined {
  if (!target.account) return undefined;
  return target.roleArn ?? drRoleArn(target.account, target.region);
}

/**
 * The snapshot store of one copy target: the target's region, and for a DR account the role
 * Lifeboat assumes there. `base` carries shared client settings (a test endpoint, a profile).
 */
export function copyTargetStore(
  target: CopyTargetPolicy,
  base: RDSClientConfig = {},
  sts?: StsSettings,
): SnapshotStore {
  return new RdsSnapshotStore({ region: target.region, client: copyTargetClient(target, base, sts) });
}

/** The RDS client of one copy target: its region, and for a DR account the role assumed there. */
export function copyTargetClient(
  target: CopyTargetPolicy,
  base: RDSClientConfig = {},
  sts?: StsSettings,
): RDSClient {
  const roleArn = drRoleArnOf(target);
  return rdsClientFor({
    region: target.region,
    base,
    ...(roleArn ? { roleArn } : {}),
    ...(roleArn && target.externalId ? { externalId: target.externalId } : {}),
    ...(sts ? { sts } : {}),
  });
}
