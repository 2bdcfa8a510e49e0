import type { RDSClientConfig } from '@aws-sdk/client-rds';
import type { STSClient } from '@aws-sdk/client-sts';
import { ConfigError } from '../../core/errors.js';
import type { Snapshot } from '../../core/model.js';
import type { SnapshotStore } from '../../core/ports.js';
import type { CopyTargetPolicy } from '../../core/policy/schema.js';
import { RdsSnapshotStore } from './rds-snapshots.js';
import { rdsClientFor } from './sts-credentials.js';

/**
 * The snapshot store of one copy target: the target's region, and for a DR account the role
 * Lifeboat assumes there. `base` carries shared client settings (a test endpoint, a profile).
 */
export function copyTargetStore(
  target: CopyTargetPolicy,
  base: RDSClientConfig = {},
  sts?: STSClient,
): SnapshotStore {
  if (target.account && !target.roleArn) {
    // Without a role the source account's own credentials would list the source account's
    // snapshots in that region, not the DR account's: better to say so than to prune the wrong ones.
    return new UnreachableStore(
      target.region,
      `copy target ${target.region} account ${target.account} has no roleArn to reach it`,
    );
  }
  const client = rdsClientFor({
    region: target.region,
    base,
    ...(target.roleArn ? { roleArn: target.roleArn } : {}),
    ...(sts ? { sts } : {}),
  });
  return new RdsSnapshotStore({ region: target.region, client });
}

/** A store that cannot be reached; every call fails with the reason. */
class UnreachableStore implements SnapshotStore {
  constructor(
    readonly region: string,
    readonly reason: string,
  ) {}

  listDatabases = () => this.#fail();
  listSnapshots = () => this.#fail();
  getSnapshot = () => this.#fail();
  createSnapshot = (): Promise<Snapshot> => this.#fail();
  copySnapshot = (): Promise<Snapshot> => this.#fail();
  shareSnapshot = () => this.#fail();
  unshareSnapshot = () => this.#fail();
  deleteSnapshot = () => this.#fail();

  async #fail(): Promise<never> {
    throw new ConfigError(this.reason);
  }
}
