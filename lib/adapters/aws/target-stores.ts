import type { RDSClient, RDSClientConfig } from '@aws-sdk/client-rds';
import type { STSClient } from '@aws-sdk/client-sts';
import type { SnapshotStore } from '../../core/ports.js';
import type { CopyTargetPolicy } from '../../core/policy/schema.js';
import { RdsSnapshotStore } from './rds-snapshots.js';
import { rdsClientFor } from './sts-credentials.js';

/** The role deploy/dr-account-role.yml creates in a DR account, assumed when `roleArn` is not set. */
export const DEFAULT_DR_ROLE_NAME = 'lifeboat-dr-copy';

/** The role Lifeboat assumes to reach a copy target, if the target is in another account. */
export function drRoleArnOf(target: Pick<CopyTargetPolicy, 'account' | 'roleArn'>): string | undefined {
  if (!target.account) return undefined;
  return target.roleArn ?? `arn:aws:iam::${target.account}:role/${DEFAULT_DR_ROLE_NAME}`;
}

/**
 * The snapshot store of one copy target: the target's region, and for a DR account the role
 * Lifeboat assumes there. `base` carries shared client settings (a test endpoint, a profile).
 */
export function copyTargetStore(
  target: CopyTargetPolicy,
  base: RDSClientConfig = {},
  sts?: STSClient,
): SnapshotStore {
  return new RdsSnapshotStore({ region: target.region, client: copyTargetClient(target, base, sts) });
}

/** The RDS client of one copy target: its region, and for a DR account the role assumed there. */
export function copyTargetClient(
  target: CopyTargetPolicy,
  base: RDSClientConfig = {},
  sts?: STSClient,
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
