import { RDSClient } from '@aws-sdk/client-rds';
import { RdsBackupReplication } from '../../../lib/adapters/aws/rds-backup-replication.js';
import { RdsScratchRestorer } from '../../../lib/adapters/aws/rds-restores.js';
import { RdsSnapshotStore } from '../../../lib/adapters/aws/rds-snapshots.js';
import { RestoreTestDatabases } from '../../../lib/adapters/aws/restore-test-databases.js';
import { rdsClientFor } from '../../../lib/adapters/aws/sts-credentials.js';
import { ConfigError } from '../../../lib/core/errors.js';
import type { PolicyFile } from '../../../lib/core/policy/schema.js';
import { isDrSite } from '../../../lib/core/policy/site.js';
import type { RestoreSite, TargetRef } from '../../../lib/core/use-cases/restore-verify/types.js';
import type { StepAdapter } from '../deps.js';

/** The restore site of a DR target: its region, through the policy's DR role for another account. */
function siteFactory(policies: PolicyFile): (target: TargetRef) => RestoreSite {
  const sites = new Map<string, RestoreSite>();
  return (target) => {
    const cached = sites.get(target.name);
    if (cached) return cached;
    if (!target.region) throw new ConfigError(`target "${target.name}" has no region`);
    const copy = Object.values(policies.policies)
      .flatMap((p) => p.copies)
      .find((c) => c.region === target.region && c.account === target.account);
    if (target.account && !copy?.roleArn) {
      throw new ConfigError(
        `target "${target.name}" has no roleArn in the policy file to reach account ${target.account}`,
      );
    }
    const client = rdsClientFor({
      region: target.region,
      ...(copy?.roleArn ? { roleArn: copy.roleArn } : {}),
      ...(copy?.roleArn && copy.externalId ? { externalId: copy.externalId } : {}),
    });
    const restorer = new RdsScratchRestorer({ client, region: target.region });
    const site = {
      snapshots: new RdsSnapshotStore({ client, region: target.region }),
      restorer,
      tagger: restorer,
      // A point in time at a pointInTime target (this account only) restores the backups replicated there.
      ...(copy?.pointInTime && !target.account
        ? { replication: new RdsBackupReplication({ client, region: target.region }) }
        : {}),
    };
    sites.set(target.name, site);
    return site;
  };
}

/**
 * Snapshots, restores and tags in the primary region, at every DR target, and the databases AWS
 * Backup restore testing restored in this region.
 */
export const rdsSites: StepAdapter = ({ region, policies }) => {
  const rds = new RDSClient({ region });
  const restorer = new RdsScratchRestorer({ client: rds, region });
  return {
    snapshots: new RdsSnapshotStore({ client: rds, region }),
    restorer,
    tagger: restorer,
    // A DR site restores what it holds, with its own roles: it reaches no other region or account.
    siteFor: isDrSite(policies)
      ? (target) => {
          throw new ConfigError(
            `target "${target.name}" is not this DR site's own: a DR site restores only the copies it holds`,
          );
        }
      : siteFactory(policies),
    restoreTestDatabases: new RestoreTestDatabases({ client: rds, region }),
    // A point in time at a DR site restores the automated backups the primary's monitor
    // replicates into this region (copies[].pointInTime, same account), listed here.
    ...(isDrSite(policies) ? { replication: new RdsBackupReplication({ client: rds, region }) } : {}),
  };
};
