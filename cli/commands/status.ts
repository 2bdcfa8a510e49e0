import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import type { Command } from 'commander';
import { RdsBackupReplication } from '../../lib/adapters/aws/rds-backup-replication.js';
import { RdsSnapshotStore } from '../../lib/adapters/aws/rds-snapshots.js';
import { S3ReportStore } from '../../lib/adapters/aws/s3-reports.js';
import { stsSettingsFrom } from '../../lib/adapters/aws/sts-credentials.js';
import { copyTargetClient, copyTargetStore } from '../../lib/adapters/aws/target-stores.js';
import { ConfigError } from '../../lib/core/errors.js';
import { dashboardUrl } from '../../lib/core/naming/dashboard.js';
import { surveyDrSite } from '../../lib/core/monitor/dr-site.js';
import type { DatabaseRecovery } from '../../lib/core/monitor/recovery.js';
import { surveyRecovery } from '../../lib/core/monitor/run.js';
import { isDrSite } from '../../lib/core/policy/site.js';
import { awsClientConfig, regionOf, withAwsOptions, type AwsOptions } from '../aws-options.js';
import { EXIT } from '../exit.js';
import { readPolicyFile } from '../policy-file.js';

interface StatusOptions extends AwsOptions {
  policy: string;
  reportsBucket?: string;
  json?: boolean;
  now?: string;
  stage: string;
  site?: string;
}

export function registerStatus(program: Command): void {
  withAwsOptions(
    program
      .command('status')
      .description(
        'per database: last snapshot, last copy per target, PITR lag, last verified restore and its RTO, RPO state, posture',
      )
      .option('--policy <file>', 'policy file', process.env.LIFEBOAT_POLICY_FILE ?? 'lifeboat.yml')
      .option(
        '--reports-bucket <bucket>',
        "the stack's reports bucket (output ReportsBucketName), for the last verified restore and its RTO (or LIFEBOAT_REPORTS_BUCKET)",
      )
      .option('--json', 'print {"databases":[...]} as the monitor sees them')
      .option('--now <time>', 'judge ages as of this ISO 8601 time (default: now)')
      .option(
        '--site <primary|dr>',
        "which site's view: dr (the copies a DR site holds, its restores and their RTO) needs the DR site's policy file; default: what the policy file is",
      )
      .option(
        '--stage <stage>',
        'the stage Lifeboat is deployed as, for the dashboard URL (or LIFEBOAT_STAGE)',
        process.env.LIFEBOAT_STAGE ?? 'dev',
      ),
  ).action(async (options: StatusOptions) => {
    process.exitCode = await status(options);
  });
}

/** Exit 1 when any database is past its RPO or RTO or its verification is stale: a failed check. */
async function status(options: StatusOptions): Promise<number> {
  if (!/^[a-zA-Z0-9-]{1,40}$/.test(options.stage)) {
    throw new ConfigError(`--stage "${options.stage}" is not a stage name (letters, digits and -)`);
  }
  if (options.site !== undefined && options.site !== 'primary' && options.site !== 'dr') {
    throw new ConfigError(`--site must be primary or dr, not "${options.site}"`);
  }
  const policies = await readPolicyFile(options.policy);
  const drSite = isDrSite(policies) ? policies : undefined;
  if (options.site === 'dr' && !drSite) {
    throw new ConfigError(
      `--site dr: ${options.policy} is a primary's policy file; pass the DR site's (the one with its site section)`,
    );
  }
  if (options.site === 'primary' && drSite) {
    throw new ConfigError(
      `--site primary: ${options.policy} is a DR site's policy file (it has a site section)`,
    );
  }
  const now = options.now ? new Date(options.now) : new Date();
  if (Number.isNaN(now.getTime())) throw new ConfigError(`--now "${options.now}" is not an ISO 8601 time`);
  // A DR site's view is of its own region, which its policy file names.
  const base = { ...(drSite ? { region: drSite.site.region } : {}), ...awsClientConfig(options) };
  const rds = new RDSClient(base);
  const region = await regionOf(rds);
  const sts = { ...stsSettingsFrom(base), region };
  const bucket = options.reportsBucket ?? process.env.LIFEBOAT_REPORTS_BUCKET;
  const reports = bucket
    ? new S3ReportStore({
        bucket,
        client: new S3Client({ ...base, region, forcePathStyle: !!base.endpoint }),
      })
    : undefined;
  const store = new RdsSnapshotStore({ region, client: rds });

  // A DR site sees the copies it holds and the restores verified here, never the primary's region.
  const recoveries = drSite
    ? await surveyDrSite(
        {
          policies: drSite,
          region,
          store,
          replication: new RdsBackupReplication({ region, client: rds }),
          ...(reports ? { reports } : {}),
        },
        now,
      )
    : await surveyRecovery(
        {
          policies,
          store,
          targetStores: (policy) =>
            policy.copies.map((target) => ({ target, store: copyTargetStore(target, base, sts) })),
          replication: (target) =>
            new RdsBackupReplication({ region: target.region, client: copyTargetClient(target, base, sts) }),
          ...(reports ? { reports } : {}),
        },
        now,
      );

  const dashboard = dashboardUrl(options.stage, region);
  if (options.json) {
    console.log(JSON.stringify({ region, at: now.toISOString(), dashboard, databases: recoveries }, null, 2));
  } else {
    console.log(formatStatus(recoveries, region, now, bucket));
    console.log(`\nDashboard: ${dashboard}`);
  }
  const failing = recoveries.filter(
    (r) => r.rpo.state === 'breach' || r.verification.state === 'stale' || r.rto?.state === 'breach',
  );
  return failing.length > 0 ? EXIT.failed : EXIT.ok;
}

/** `35 min`, `7 h`, `3 d`: how long ago, at a glance. */
export function formatAge(minutes: number): string {
  if (minutes < 120) return `${minutes} min`;
  if (minutes < 72 * 60) return `${Math.round(minutes / 60)} h`;
  return `${Math.round(minutes / (24 * 60))} d`;
}

function when(at: string, ageMinutes: number): string {
  return `${at.replace(/:\d{2}\.\d{3}Z$/, 'Z')} (${formatAge(ageMinutes)} ago)`;
}

/** The people's view of the survey: one block per database, problems first in each block. */
export function formatStatus(
  recoveries: DatabaseRecovery[],
  region: string,
  now: Date,
  bucket?: string,
): string {
  if (recoveries.length === 0) return `No database in ${region} is selected by the policy file.`;
  const lines = [`Lifeboat status in ${region} at ${now.toISOString()}`];
  for (const recovery of recoveries) {
    const rpo =
      recovery.rpo.state === 'ok'
        ? `ok (objective ${recovery.rpo.objectiveMinutes} min)`
        : `BREACH (objective ${recovery.rpo.objectiveMinutes} min): ${recovery.rpo.reasons.join('; ')}`;
    lines.push(
      '',
      `${recovery.database}  ${recovery.kind}, policy ${recovery.policy}`,
      `  RPO            ${rpo}`,
    );
    // A DR site's picture has an RTO state and no snapshot of its own: it holds copies only.
    if (recovery.rto) {
      const rto = recovery.rto.state === 'breach' ? 'BREACH' : recovery.rto.state;
      lines.push(
        `  RTO            ${rto} (objective ${recovery.rto.objectiveMinutes} min, last restore verified here)`,
      );
    } else {
      lines.push(
        `  snapshot       ${recovery.snapshot ? `${recovery.snapshot.id}  ${when(recovery.snapshot.createdAt, recovery.snapshot.ageMinutes)}` : 'none'}`,
      );
    }
    // Targets are regions or account/region pairs: the column is as wide as the longest, so a long
    // target never runs into its value.
    const targetWidth = Math.max(
      9,
      ...recovery.copies.map((c) => c.target.length),
      ...(recovery.pointInTime ?? []).map((p) => p.target.length),
    );
    for (const copy of recovery.copies) {
      const text = copy.error
        ? `cannot be read: ${copy.error}`
        : copy.newest
          ? `${copy.newest.id}  ${when(copy.newest.createdAt, copy.newest.ageMinutes)}`
          : 'none';
      lines.push(`  copy ${copy.target.padEnd(targetWidth)} ${text}`);
    }
    for (const replicated of recovery.pointInTime ?? []) {
      const text =
        replicated.lagMinutes !== null && replicated.latestRestorableTime
          ? `restorable to ${when(replicated.latestRestorableTime, replicated.lagMinutes)}`
          : `${replicated.state.toUpperCase()}${replicated.detail ? `: ${replicated.detail}` : ''}`;
      lines.push(`  pitr ${replicated.target.padEnd(targetWidth)} ${text}`);
    }
    const { verification } = recovery;
    const last = verification.last
      ? `${when(verification.last.at, verification.last.ageMinutes)}, RTO ${verification.last.rtoMinutes ?? '?'} min`
      : 'never';
    const state =
      verification.state === 'not-scheduled'
        ? 'no verify schedule'
        : verification.state === 'stale'
          ? `STALE (due within ${formatAge(verification.dueWithinMinutes!)})`
          : 'fresh';
    lines.push(`  verified       ${last}  [${state}]`);
    for (const finding of recovery.posture ?? []) {
      lines.push(`  posture        ${finding.summary}`, `                 what to do: ${finding.action}`);
    }
  }
  if (!bucket)
    lines.push('', 'Pass --reports-bucket (or LIFEBOAT_REPORTS_BUCKET) to read RTOs from the reports.');
  return lines.join('\n');
}
