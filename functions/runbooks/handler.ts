import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { liveRunbookState } from '../../lib/adapters/aws/runbook-state.js';
import { S3ReportStore } from '../../lib/adapters/aws/s3-reports.js';
import { S3RunbookShelf } from '../../lib/adapters/aws/s3-runbooks.js';
import { policyFromEnv, requireEnv } from '../../lib/config/env.js';
import type { CopyTargetPolicy } from '../../lib/core/policy/schema.js';
import { isDrSite, siteTargetOf } from '../../lib/core/policy/site.js';
import { verifiedDatabase } from '../../lib/core/runbook/verify-event.js';
import { publishRunbooks } from '../../lib/core/use-cases/write-runbooks.js';

const logger = new Logger({ serviceName: 'lifeboat-runbooks' });

const region = requireEnv('AWS_REGION');
const policies = policyFromEnv();
const bucket = requireEnv('LIFEBOAT_REPORTS_BUCKET');
const stateMachineArn = requireEnv('LIFEBOAT_RESTORE_VERIFY_ARN');
const s3 = new S3Client({ region });
const reports = new S3ReportStore({ bucket, client: s3 });
const shelf = new S3RunbookShelf({ bucket, client: s3 });
const home = { region, client: new RDSClient({ region }) };

// One client per region of this account for the container's life.
const clients = new Map<string, RDSClient>();
const site = isDrSite(policies) ? policies.site : undefined;

/**
 * Where the copies of a target are read from. The DR-account role may delete copies, so this
 * read-only function assumes none: a DR account's copies are in its own DR site's runbooks. A DR
 * site reads its own region, where it holds its copies, and nothing else.
 */
function targetClient(target: CopyTargetPolicy): RDSClient | 'home' | { unread: string } {
  if (site) {
    const own = Object.values(policies.policies).some(
      (p) => siteTargetOf(site, p, region)?.target === target,
    );
    return own ? 'home' : { unread: `the DR site in ${region} reads only the copies it holds` };
  }
  if (target.account) {
    return {
      unread: `DR account ${target.account}: the scheduled runbooks assume no role there; see its DR site's runbooks or run lifeboat runbook with its credentials`,
    };
  }
  if (!clients.has(target.region)) clients.set(target.region, new RDSClient({ region: target.region }));
  return clients.get(target.region)!;
}

/**
 * After each restore-verify execution ends (EventBridge, deploy/functions/ops.yml): the runbook of
 * the database it verified and the index, as `runbooks/<db>.md`, `runbooks/<db>.json` and
 * `runbooks/README.md` in the reports bucket. A malformed event fails before anything is read.
 */
export async function runbooks(event: unknown) {
  const run = verifiedDatabase(event, stateMachineArn);
  if ('skip' in run) {
    logger.info('no runbook to write', { execution: run.execution, reason: run.skip });
    return { written: [], skipped: run.skip };
  }
  const now = new Date();
  const state = await liveRunbookState(policies, { home, targetClient });
  const result = await publishRunbooks({
    policies,
    snapshots: state.snapshots,
    backups: state.backups,
    unread: state.unread,
    reports,
    reportsBucket: bucket,
    database: run.database,
    shelf,
    now,
  });
  logger.info('runbooks written', {
    execution: run.execution,
    database: run.database,
    status: run.status,
    written: result.written,
    ...(result.skipped ? { skipped: result.skipped } : {}),
  });
  return result;
}

export const handler = middy(runbooks).use(injectLambdaContext(logger, { resetKeys: true }));
