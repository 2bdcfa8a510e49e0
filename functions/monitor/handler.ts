import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { RdsAccountQuotas } from '../../lib/adapters/aws/rds-account-quotas.js';
import { RdsBackupReplication } from '../../lib/adapters/aws/rds-backup-replication.js';
import { RdsScratchRestorer } from '../../lib/adapters/aws/rds-restores.js';
import { RdsSnapshotStore } from '../../lib/adapters/aws/rds-snapshots.js';
import { S3ReportStore } from '../../lib/adapters/aws/s3-reports.js';
import { SnsNotifier } from '../../lib/adapters/aws/sns-notifier.js';
import { copyTargetClient } from '../../lib/adapters/aws/target-stores.js';
import { policyFromEnv, requireEnv } from '../../lib/config/env.js';
import { LifeboatError } from '../../lib/core/errors.js';
import { drSiteMonitoring } from '../../lib/core/monitor/dr-site.js';
import { recoveryMetrics } from '../../lib/core/monitor/metrics.js';
import type { BackupReplication, PointInTimeTarget } from '../../lib/core/monitor/point-in-time.js';
import { runMonitor, type QuotaReader } from '../../lib/core/monitor/run.js';
import { targetLabel } from '../../lib/core/monitor/recovery.js';
import type { CopyTargetPolicy, Policy } from '../../lib/core/policy/schema.js';
import { isDrSite } from '../../lib/core/policy/site.js';
import type { SnapshotStore } from '../../lib/core/ports.js';

const logger = new Logger({ serviceName: 'lifeboat-monitor' });
const metrics = new Metrics({ namespace: 'Lifeboat', serviceName: 'lifeboat-monitor' });

const region = requireEnv('AWS_REGION');
const policies = policyFromEnv();
const rds = new RDSClient({ region });
const sts = { region };
// One client per copy target for the container's life; DR-account clients renew their AssumeRole
// credentials themselves.
const targets = new Map<string, { store: SnapshotStore; quotas: QuotaReader }>();
function atTarget(target: CopyTargetPolicy): { store: SnapshotStore; quotas: QuotaReader } {
  const label = targetLabel(target);
  if (!targets.has(label)) {
    const client = copyTargetClient(target, {}, sts);
    targets.set(label, {
      store: new RdsSnapshotStore({ region: target.region, client }),
      quotas: new RdsAccountQuotas({ client }),
    });
  }
  return targets.get(label)!;
}

// `pointInTime` targets are in this account (the policy refuses others): a client of the target's
// region, where the replication is started and listed.
const replications = new Map<string, BackupReplication>();
function replicationAt(target: PointInTimeTarget): BackupReplication {
  const label = targetLabel(target);
  if (!replications.has(label)) {
    replications.set(
      label,
      new RdsBackupReplication({ region: target.region, client: copyTargetClient(target, {}, sts) }),
    );
  }
  return replications.get(label)!;
}

// Restore-verify also runs at the copy targets in this account's other regions (`target: <region>`),
// and its scratch instances there expire like any other: the janitor covers every such region. A
// DR account verifies its copies with its own DR site (the DR role has no restore rights there).
// A DR site runs only in its own region and account, with its own roles: no copy target to reach.
const drSite = isDrSite(policies) ? policies : undefined;
const scratchSites = drSite
  ? []
  : [
      ...new Map(
        Object.values(policies.policies)
          .filter((policy) => policy.verify)
          .flatMap((policy) => policy.copies)
          .filter((target) => !target.account)
          .map((target) => [targetLabel(target), target] as const),
      ).values(),
    ].map((target) => ({
      where: { region: target.region },
      scratch: new RdsScratchRestorer({ region: target.region, client: copyTargetClient(target, {}, sts) }),
    }));

/*
 * What the monitor has already announced lives in `state/monitor.json` in the reports bucket, not
 * in tags on the databases: tagging would need write access to every team's databases (and shows
 * up as drift in their Terraform plans), while the bucket is Lifeboat's own, encrypted and
 * versioned, so every state change can be looked at afterwards. The function runs with a reserved
 * concurrency of 1 (deploy/functions/ops.yml), so two runs never race on the object.
 */
const store = new RdsSnapshotStore({ region, client: rds });
const reports = new S3ReportStore({
  bucket: requireEnv('LIFEBOAT_REPORTS_BUCKET'),
  client: new S3Client({ region }),
});
const ports = {
  policies,
  store,
  targetStores: (policy: Policy) => policy.copies.map((target) => ({ target, ...atTarget(target) })),
  replication: replicationAt,
  reports,
  scratch: new RdsScratchRestorer({ region, client: rds }),
  scratchSites,
  quotas: new RdsAccountQuotas({ client: rds }),
  notifier: new SnsNotifier({
    topicArn: requireEnv('LIFEBOAT_TOPIC_ARN'),
    client: new SNSClient({ region }),
  }),
  logger,
  // A DR site assumes no DR role and reaches no other region: its copies are its own, here.
  // Its replicated automated backups are listed with its own region's client, never started there.
  ...(drSite
    ? drSiteMonitoring({
        policies: drSite,
        region,
        store,
        reports,
        replication: new RdsBackupReplication({ region, client: rds }),
      })
    : {}),
};

/**
 * Every 15 minutes (EventBridge): RPO, verification freshness, expired scratch, the snapshot quota
 * here and at every copy target, automated-backup replication to every `pointInTime` target (at a
 * DR site: its lag there, listed only).
 */
export async function monitor(_event: unknown, context: Context) {
  // The account is the fifth field of the function's own ARN; no STS call needed.
  const account = context.invokedFunctionArn?.split(':')[4];
  const run = await runMonitor({ ...ports, where: { region, ...(account ? { account } : {}) } }, new Date());

  for (const metric of recoveryMetrics(run.recoveries)) {
    metrics
      .singleMetric()
      .addDimensions(metric.dimensions)
      .addMetric(metric.name, MetricUnit[metric.unit], metric.value);
  }
  metrics.addMetric('OpenProblems', MetricUnit.Count, run.open.length);
  logger.info('monitor run', {
    databases: run.recoveries.length,
    breaches: run.recoveries.filter((recovery) => recovery.rpo.state === 'breach').map((r) => r.database),
    notified: run.notified,
    open: run.open,
    scratchDeleted: run.scratchDeleted,
  });
  if (run.errors.length > 0) {
    // Failing the invocation raises the function's Errors alarm; what did run is already done.
    logger.error('monitor run incomplete', { errors: run.errors });
    throw new LifeboatError(
      `monitor run incomplete: ${run.errors.map((e) => `${e.step}: ${e.error}`).join('; ')}`,
    );
  }
  return {
    databases: run.recoveries.length,
    notified: run.notified,
    open: run.open,
    scratchDeleted: run.scratchDeleted,
  };
}

export const handler = middy(monitor)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
