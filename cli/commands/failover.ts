import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { Option, type Command } from 'commander';
import { RdsFailoverRestorer, RdsRecoverySources } from '../../lib/adapters/aws/rds-failover.js';
import { S3BucketTags } from '../../lib/adapters/aws/s3-bucket-tags.js';
import { S3ReportStore } from '../../lib/adapters/aws/s3-reports.js';
import { SnsNotifier } from '../../lib/adapters/aws/sns-notifier.js';
import { ConfigError, InvalidInputError } from '../../lib/core/errors.js';
import { formatEnd, formatPlan } from '../../lib/core/failover/present.js';
import type { FailoverEnd } from '../../lib/core/failover/record.js';
import { drSiteReportsBucket, parseTarget, requireTargetInFile } from '../../lib/core/failover/target.js';
import { findSiteTopic } from '../../lib/core/failover/topic.js';
import type { FailoverTarget, SourceRequest } from '../../lib/core/failover/types.js';
import { TAG } from '../../lib/core/tags.js';
import { followFailover, prepareFailover, recordFailover } from '../../lib/core/use-cases/fail-over.js';
import { awsClientConfig, withAwsOptions, type AwsOptions } from '../aws-options.js';
import { EXIT } from '../exit.js';
import { readPolicyFile } from '../policy-file.js';
import { pollInterval, wholeNumber } from '../numbers.js';

interface FailoverOptions extends AwsOptions {
  db: string;
  to: string;
  time?: string;
  latest?: boolean;
  snapshot?: string;
  policy?: string;
  name?: string;
  policyFile: string;
  reportsBucket?: string;
  topicArn?: string;
  stage?: string;
  dryRun?: boolean;
  wait?: boolean;
  json?: boolean;
  pollSeconds: string;
  timeoutMinutes: string;
}

export function registerFailover(program: Command): void {
  withAwsOptions(
    program
      .command('failover')
      .description(
        "restore production at a DR target (region or account/region) from its replicated backups or newest verified copy, with the operator's credentials",
      )
      .requiredOption('--db <id>', 'the DB instance or Aurora cluster to bring back')
      .requiredOption('--to <target>', 'a copy target of its policy: eu-west-1 or 222222222222/eu-west-1')
      .addOption(
        new Option('--time <iso>', 'restore the replicated backups to this time').conflicts([
          'latest',
          'snapshot',
        ]),
      )
      .addOption(
        new Option(
          '--latest',
          'the freshest data, verified or not (backups at their latest time, else the newest copy)',
        ).conflicts('snapshot'),
      )
      .option('--snapshot <id>', 'restore this DR copy')
      .option('--policy <name>', "the database's policy (default: the one its copies are tagged with)")
      .option(
        '--name <id>',
        'the new database (default <db>-failover-<yyyymmddthhmm>); the same name again follows it',
      )
      .option('--policy-file <file>', 'policy file', process.env.LIFEBOAT_POLICY_FILE ?? 'lifeboat.yml')
      .option(
        '--reports-bucket <bucket>',
        "the DR site's reports bucket (its ReportsBucketName output) for the failover record (or LIFEBOAT_DR_REPORTS_BUCKET)",
      )
      .option(
        '--topic-arn <arn>',
        "the DR site's notification topic (or LIFEBOAT_DR_TOPIC_ARN; default: the one its reports bucket is tagged with, lifeboat:topic-arn)",
      )
      .option(
        '--stage <stage>',
        "the stage, which names the DR site's reports bucket when the policy file's drSites has one at the target (or LIFEBOAT_STAGE)",
      )
      .option('--dry-run', 'print the source, the data-loss window and the settings; create nothing')
      .option('--wait', 'follow the restore until available; print the endpoint, RTO and RPO')
      .option('--json', 'print the plan and the outcome as JSON (progress goes to stderr)')
      .option('--poll-seconds <n>', 'how often --wait asks RDS', '30')
      .option('--timeout-minutes <n>', 'how long --wait waits at most (exit 1 after)', '240'),
  ).action(async (options: FailoverOptions) => {
    process.exitCode = await failover(options);
  });
}

function sourceRequest(options: FailoverOptions): SourceRequest {
  if (options.snapshot !== undefined) return { mode: 'snapshot', snapshotId: options.snapshot };
  if (options.latest) return { mode: 'latest' };
  if (options.time !== undefined) {
    const time = new Date(options.time);
    if (!/^\d{4}-\d\d-\d\dT/.test(options.time) || Number.isNaN(time.getTime())) {
      throw new InvalidInputError(
        `--time "${options.time}" is not an ISO 8601 time such as 2026-11-24T09:30:00Z`,
      );
    }
    return { mode: 'time', time };
  }
  return { mode: 'best' };
}

/** A DR account is reached with the operator's own credentials for it: they must be that account's. */
async function checkAccount(target: FailoverTarget, sts: STSClient): Promise<void> {
  if (!target.account) return;
  const identity = await sts.send(new GetCallerIdentityCommand({}));
  if (identity.Account !== target.account) {
    throw new ConfigError(
      `the credentials are of account ${identity.Account}, but --to names account ${target.account}: use a profile of the DR account (--profile)`,
    );
  }
}

async function failover(options: FailoverOptions): Promise<number> {
  // Everything the operator typed is checked before any AWS call.
  const startedAt = new Date();
  const target = parseTarget(options.to);
  const request = sourceRequest(options);
  const pollMs = pollInterval('--poll-seconds', options.pollSeconds);
  const timeoutMs = wholeNumber('--timeout-minutes', options.timeoutMinutes, 1) * 60_000;
  if (options.region && options.region !== target.region) {
    throw new InvalidInputError(`--region ${options.region} is not the region of --to ${options.to}`);
  }
  const policies = await readPolicyFile(options.policyFile);
  requireTargetInFile(policies, target);
  const base = { ...awsClientConfig(options), region: target.region };
  const rds = new RDSClient(base);
  await checkAccount(target, new STSClient(base));

  const plan = await prepareFailover({
    policies,
    database: options.db,
    target,
    ...(options.policy !== undefined ? { policyName: options.policy } : {}),
    request,
    ...(options.name !== undefined ? { name: options.name } : {}),
    sources: new RdsRecoverySources({ region: target.region, client: rds }),
    now: startedAt,
  });
  const say = (line: string) => (options.json ? console.error(line) : console.log(line));
  say(formatPlan(plan));

  const site = drSiteReportsBucket(policies, target, options.stage ?? process.env.LIFEBOAT_STAGE);
  const bucket = options.reportsBucket ?? process.env.LIFEBOAT_DR_REPORTS_BUCKET ?? site.bucket;
  const s3 = new S3Client({ ...base, forcePathStyle: !!base.endpoint });
  // Looked up before the restore starts: a --wait can outlast short-lived operator credentials.
  // A dry run looks too (a read), so the on-call engineer sees where the record and news will go.
  const topic = await findSiteTopic({
    given: options.topicArn ?? process.env.LIFEBOAT_DR_TOPIC_ARN,
    ...(bucket ? { bucket } : {}),
    tags: new S3BucketTags({ client: s3 }),
  });
  if (options.dryRun) {
    say(
      `  record        ${bucket ? `s3://${bucket}/failovers/${plan.database}/` : 'none (no DR site bucket known)'}`,
    );
    say(`  notify        ${topic.topicArn ?? `none: ${topic.reason}`}`);
    if (options.json) console.log(JSON.stringify({ dryRun: true, plan }, null, 2));
    say('Dry run: nothing was created.');
    return EXIT.ok;
  }

  const restorer = new RdsFailoverRestorer({ region: target.region, client: rds });
  const created = await restorer.start(plan);
  say(`Restore started: ${plan.newId} (${created.status}).`);
  const clock = () => new Date();
  const end: FailoverEnd = options.wait
    ? await followFailover({
        restorer,
        plan,
        pollMs,
        timeoutMs,
        clock,
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        onProgress: (status) => say(`${clock().toISOString().slice(11, 19)}  ${status}`),
      })
    : { state: 'started', database: created, at: clock().toISOString() };

  const recorded = await recordFailover({
    plan,
    end,
    ...(bucket ? { records: new S3ReportStore({ bucket, client: s3 }) } : {}),
    ...(topic.topicArn
      ? { notifier: new SnsNotifier({ topicArn: topic.topicArn, client: new SNSClient(base) }) }
      : {}),
  });
  say(formatEnd(plan, end));
  if (recorded.recordKey) say(`Record: s3://${bucket}/${recorded.recordKey}`);
  if (!bucket) {
    say(
      site.site
        ? "No failover record stored: pass --stage (the DR site's bucket is named by it) or --reports-bucket."
        : "No failover record stored: pass --reports-bucket (the DR site's ReportsBucketName output).",
    );
  }
  if (topic.topicArn === undefined) say(topic.why);
  else if (topic.from === 'bucket') {
    say(`Notification to ${topic.topicArn} (tag ${TAG.topicArn} of the DR site's bucket ${bucket}).`);
  }
  for (const problem of recorded.problems) console.error(`lifeboat: ${problem}`);
  if (options.json) console.log(JSON.stringify({ plan, end, record: recorded.record }, null, 2));
  return end.state === 'available' || end.state === 'started' ? EXIT.ok : EXIT.failed;
}
