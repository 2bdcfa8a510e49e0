import { resolve } from 'node:path';
import { LocalReportStore } from '../../lib/adapters/local/report-store.js';
import type { RestoreVerifyDeps } from '../../lib/core/use-cases/restore-verify/types.js';
import { DATABASE, DR, POLICY, type DrillWorld } from './context.js';
import { demoDrSitePolicy } from './demo-policy.js';
import { verifyRun, type RestoreVerifySetup, type VerifyRun } from './restore-verify.js';

/**
 * The DR site's view: its own restore-verify machine, in the DR account with its own ports and its
 * own reports folder, restores the encrypted DR copy (damaged first by --corrupt) and holds it to
 * the primary's report of the same snapshot. A local folder stands in for the DR site's bucket;
 * the primary's reports are copied into it as S3 replication would put them.
 */
/** The DR site's reports folder, standing in for its bucket: replicated reports, its own, failovers. */
export function drSiteReports(primary: LocalReportStore): LocalReportStore {
  return new LocalReportStore(resolve(primary.folder, 'dr-site'));
}

export async function verifyDrCopy(
  world: DrillWorld,
  setup: RestoreVerifySetup,
  drCopyId: string,
): Promise<VerifyRun> {
  const { reports, deps, dr } = setup;
  const siteReports = drSiteReports(reports);
  for (const key of await reports.list(`reports/${DATABASE}/`)) {
    await siteReports.put(key, await reports.get(key));
  }
  const { siteFor: _primaryOnly, ...shared } = deps;
  const site: RestoreVerifyDeps = {
    ...shared,
    policies: demoDrSitePolicy(deps.policies),
    ...dr,
    reports: siteReports,
    account: DR.account,
    region: DR.region,
  };
  return verifyRun(
    world,
    { ...setup, reports: siteReports, deps: site },
    {
      title: `DR site ${DR.account}/${DR.region}: restore-verify the encrypted DR copy ${drCopyId} against the primary's replicated report${world.options.corrupt ? ' (--corrupt: damaged after restore)' : ''}`,
      input: { source: DATABASE, policy: POLICY, snapshot: drCopyId },
    },
  );
}
