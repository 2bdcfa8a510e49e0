// Values serverless.yml derives from the policy file at package time. Validating here means a bad
// policy fails `serverless package` with the key named, before anything reaches CloudFormation.
const { existsSync, readFileSync } = require('node:fs');
const { resolve } = require('node:path');
const tsx = require('tsx/cjs/api');

const { parsePolicyFile } = tsx.require('../lib/core/policy/file.ts', __filename);
const { policyForEnv } = tsx.require('../lib/config/env.ts', __filename);
const { checkHomeRegion } = tsx.require('../lib/core/policy/home-region.ts', __filename);
const { drRoleArn } = tsx.require('../lib/core/naming/dr-role.ts', __filename);
const { targetLabel, verificationDueMinutes } = tsx.require('../lib/core/monitor/recovery.ts', __filename);
const { isDrSite, siteTargetOf, verifyAtTarget } = tsx.require('../lib/core/policy/site.ts', __filename);
const { siteResources } = require('./site-resources.cjs');

// The team's own lifeboat.yml when there is one; the example lets a fresh clone package and test.
function policyPath() {
  const fallback = existsSync(resolve(process.cwd(), 'lifeboat.yml'))
    ? 'lifeboat.yml'
    : 'lifeboat.example.yml';
  return resolve(process.cwd(), process.env.LIFEBOAT_POLICY_FILE || fallback);
}

// Serverless prints a variable source's stack; the problem list is what the operator needs.
function plainError(message) {
  const plain = new Error(message);
  plain.stack = plain.message;
  return plain;
}

function loadPolicyFile() {
  const path = policyPath();
  try {
    // As bytes: the parser refuses a file that is not UTF-8 rather than reading U+FFFD into it.
    return parsePolicyFile(readFileSync(path), path);
  } catch (error) {
    throw plainError(error.code === 'ENOENT' ? `policy file ${path} not found` : error.message);
  }
}

function policyEnv(file) {
  try {
    return policyForEnv(file);
  } catch (error) {
    throw plainError(`${policyPath()}: ${error.message}`);
  }
}

/**
 * What the dashboard (deploy/plugins/dashboard.cjs) draws its lines at, per policy: the RPO and RTO
 * objectives, the copy targets, and how old a verified restore may be before the monitor calls it
 * stale (as lib/core/monitor/recovery.ts does).
 */
function objectivesFor(policies, pointInTimePolicies) {
  return Object.entries(policies).map(([name, p]) => ({
    policy: name,
    rpoMinutes: p.rpoMinutes,
    rtoMinutes: p.rtoMinutes,
    targets: p.copies.map((c) => targetLabel(c)),
    // The targets whose PointInTimeLag this stack's monitor publishes (a DR site: its own).
    pointInTimeTargets: (pointInTimePolicies[name]?.copies ?? [])
      .filter((c) => c.pointInTime)
      .map(targetLabel),
    verifyDueMinutes: verificationDueMinutes(p),
  }));
}

/** One EventBridge schedule per policy, with the scheduled time passed on for idempotent ids. */
function schedulesFor(policies, pick) {
  return Object.entries(policies).flatMap(([name, policy]) => {
    const schedule = pick(policy);
    if (!schedule) return [];
    // EventBridge Scheduler (needed for a time zone) has no input transformer; it substitutes the
    // scheduled time into the input itself.
    const event = schedule.timezone
      ? {
          rate: [schedule.expression],
          method: 'scheduler',
          timezone: schedule.timezone,
          input: { policy: name, time: '<aws.scheduler.scheduled-time>' },
        }
      : {
          rate: [schedule.expression],
          inputTransformer: {
            inputPathsMap: { time: '$.time' },
            inputTemplate: `{"policy":"${name}","time":<time>}`,
          },
        };
    return [{ schedule: event }];
  });
}

/**
 * Prune runs once a day per policy, in UTC (retention counts UTC calendar days), with the policies a
 * few minutes apart so that their listings do not meet RDS's API rate limits together. One rule
 * per policy, not one for all: a failing policy (an unreachable DR account) is retried and reported
 * on its own, and the event has the snapshot function's shape.
 */
function pruneSchedules(policies) {
  let index = 0;
  return schedulesFor(policies, () => {
    const { hour, minute } = pruneTime(index++);
    return { expression: `cron(${minute} ${hour} * * ? *)` };
  });
}

/**
 * When the index-th policy (from 0) is pruned: 04:15 UTC, then 7 minutes apart, into later hours
 * as needed, so any number of policies get distinct times (205 fit in a day).
 */
function pruneTime(index) {
  const minutes = 4 * 60 + 15 + 7 * index;
  return { hour: Math.floor(minutes / 60) % 24, minute: minutes % 60 };
}

/**
 * The DR-account roles Lifeboat assumes (copies[].roleArn). IAM needs at least one resource in a
 * statement, so with no DR account the list names a role in account 000000000000, which cannot exist.
 */
function drRoleArns(policies, file) {
  // A DR site assumes no role anywhere: it works with its own roles, in its own account.
  if (isDrSite(file)) return ['arn:aws:iam::000000000000:role/lifeboat-no-dr-account'];
  const arns = [
    ...new Set(
      Object.values(policies).flatMap((p) =>
        // Without roleArn Lifeboat assumes lifeboat-dr-copy-<region> there (lib/core/naming/dr-role.ts).
        p.copies.map((c) => c.roleArn ?? (c.account ? drRoleArn(c.account, c.region) : undefined)),
      ),
    ),
  ].filter(Boolean);
  return arns.length > 0 ? arns : ['arn:aws:iam::000000000000:role/lifeboat-no-dr-account'];
}

/**
 * RDS resource ARNs of this account in every region the policy names (the deployment's region and
 * each copies[].region), for the IAM statements that act on what Lifeboat owns: snapshots and copies
 * are named `lifeboat-*` (lib/core/naming), scratch instances and clusters `lbs-*`
 * (scratchIdFor). Actions on anything else, or in another region or account, match no statement.
 */
function policyRegionArns(policies, file) {
  // A DR site restores and cleans up in its own region only.
  const drRegions = isDrSite(file)
    ? []
    : [...new Set(Object.values(policies).flatMap((p) => p.copies.map((c) => c.region)))];
  const regions = ['${AWS::Region}', ...drRegions];
  const arn = (region, type, name) => ({
    'Fn::Sub': `arn:\${AWS::Partition}:rds:${region}:\${AWS::AccountId}:${type}:${name}`,
  });
  const each = (types, name) => regions.flatMap((region) => types.map((type) => arn(region, type, name)));
  return {
    managedSnapshots: each(['snapshot', 'cluster-snapshot'], 'lifeboat-*'),
    scratchDatabases: each(['db', 'cluster'], 'lbs-*'),
    // DeleteDBCluster is also authorized on a final snapshot's ARN; scratch has none, named lbs-*.
    scratchFinalSnapshots: each(['cluster-snapshot'], 'lbs-*'),
    // What AWS Backup restore testing restored, in this region (it restores where its plan runs);
    // the ObtainCredentials statement holds the awsbackup-restore-test tag condition.
    restoreTestDatabases: ['db', 'cluster'].map((type) => arn('${AWS::Region}', type, '*')),
    // What a restore reads or names besides the new database: any snapshot or source database (a
    // restore only reads them), and the groups it is placed in.
    restoreSources: each(
      // auto-backup: a pointInTime target's replicated automated backups, a point in time there.
      ['db', 'cluster', 'snapshot', 'cluster-snapshot', 'auto-backup', 'og', 'pg', 'cluster-pg', 'subgrp'],
      '*',
    ),
  };
}

/** The restore testing plans the policies validate (awsBackup.restoreTesting), by name: AWS Backup appends an id. */
function restoreTestingPlans(policies) {
  return [
    ...new Set(
      Object.values(policies).flatMap((p) =>
        p.awsBackup ? p.awsBackup.restoreTesting.map((e) => e.plan) : [],
      ),
    ),
  ];
}

/**
 * The rule that starts restore-verify on a finished AWS Backup restore test of a plan a policy
 * validates, RDS instances and Aurora clusters only: the documented validation rule
 * (https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing-validation.html), the
 * whole event as the execution input. A plan ARN ends in the name and an id AWS Backup appends.
 */
function restoreTestEvents(policies) {
  const plans = restoreTestingPlans(policies);
  if (plans.length === 0) return [];
  return [
    {
      eventBridge: {
        event: {
          source: ['aws.backup'],
          'detail-type': ['Restore Job State Change'],
          detail: {
            status: ['COMPLETED'],
            resourceType: ['RDS', 'Aurora'],
            restoreTestingPlanArn: plans.flatMap((plan) => [
              { wildcard: `arn:*:backup:*:*:restore-testing-plan:${plan}` },
              { wildcard: `arn:*:backup:*:*:restore-testing-plan:${plan}-*` },
            ]),
          },
        },
      },
    },
  ];
}

function verifySecretArns(policies) {
  const arns = [
    ...new Set(
      Object.values(policies).flatMap((p) => (p.verify && p.verify.secretArn ? [p.verify.secretArn] : [])),
    ),
  ];
  return arns.length > 0
    ? arns
    : ['arn:aws:secretsmanager:us-east-1:000000000000:secret:lifeboat-no-policy-secret'];
}

function verifyVpc() {
  const split = (name) =>
    (process.env[name] || '')
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean);
  const subnetIds = split('LIFEBOAT_VERIFY_SUBNET_IDS');
  const securityGroupIds = split('LIFEBOAT_VERIFY_SECURITY_GROUP_IDS');
  if (subnetIds.length === 0 && securityGroupIds.length === 0) return {};
  if (subnetIds.length === 0 || securityGroupIds.length === 0) {
    throw new Error('set both LIFEBOAT_VERIFY_SUBNET_IDS and LIFEBOAT_VERIFY_SECURITY_GROUP_IDS, or neither');
  }
  return { verifyVpc: { subnetIds, securityGroupIds } };
}

/**
 * The copy and monitor functions run one at a time through reservedConcurrency: 1. Lambda refuses
 * any reservation that would leave the account fewer than 100 unreserved concurrent executions, so
 * an account whose quota is still the new-account 10 cannot deploy it
 * (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html).
 * LIFEBOAT_RESERVED_CONCURRENCY=off at package time leaves it out (README: Deploying).
 */
function reservedConcurrency() {
  const setting = (process.env.LIFEBOAT_RESERVED_CONCURRENCY || '1').trim().toLowerCase();
  if (setting === 'off') return {};
  if (setting !== '1') {
    throw plainError(`LIFEBOAT_RESERVED_CONCURRENCY must be 1 or off, not "${setting}"`);
  }
  return { reservedConcurrency: 1 };
}

/**
 * The keys the replicated automated backups of every `pointInTime` target are encrypted with (its
 * own kmsKeyId, else the target's; key ARNs, validated by the schema). RDS needs the caller of
 * StartDBInstanceAutomatedBackupsReplication to be allowed kms:CreateGrant and kms:DescribeKey on
 * it (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/AutomatedBackups.Replicating.Enable.html).
 * Never empty for IAM: with none, a key in account 000000000000, which cannot exist.
 */
function pointInTimeKeyArns(policies) {
  const arns = [
    ...new Set(
      Object.values(policies).flatMap((p) =>
        p.copies.filter((c) => c.pointInTime).map((c) => c.pointInTime.kmsKeyId || c.kmsKeyId),
      ),
    ),
  ];
  return arns.length > 0 ? arns : ['arn:aws:kms:us-east-1:000000000000:key/lifeboat-no-point-in-time'];
}

/**
 * The instances whose automated-backup replication the monitor may start: this account's and
 * region's when a policy has a `pointInTime` target, else none (a DR site, or a primary with no
 * such target, never needs the right). `--` is never in an RDS identifier, so the placeholder names
 * no instance.
 */
function pointInTimeSources(policies) {
  const any = Object.values(policies).some((p) => p.copies.some((c) => c.pointInTime));
  const id = any ? '*' : 'lifeboat--no-point-in-time';
  return [{ 'Fn::Sub': `arn:\${AWS::Partition}:rds:\${AWS::Region}:\${AWS::AccountId}:db:${id}` }];
}

/**
 * One alarm per policy and `pointInTime` target on the largest PointInTimeLag the monitor publishes
 * for them (lib/core/monitor/metrics.ts): over the policy's RPO for a monitor period it goes to
 * the topic, like every other alarm. No data (no replication running yet) is not a breach here:
 * the monitor's own checks say why the replication is not running. A DR site's monitor publishes
 * the lag of its own target only (lib/core/monitor/dr-site.ts), so its alarms are of that target.
 */
function pointInTimeAlarms(file, region) {
  const policies = isDrSite(file) ? siteOwnTargets(file, region) : file.policies;
  const status = isDrSite(file) ? 'lifeboat status --site dr' : 'lifeboat status';
  const resources = {};
  for (const [name, policy] of Object.entries(policies)) {
    for (const target of policy.copies) {
      if (!target.pointInTime) continue;
      const id = `PointInTimeLag${name.replace(/(^|-)([a-z0-9])/g, (_, _dash, c) => c.toUpperCase())}${target.region.replace(/-/g, '')}Alarm`;
      resources[id] = {
        Type: 'AWS::CloudWatch::Alarm',
        Properties: {
          AlarmDescription: `Point-in-time restores of policy ${name} in ${target.region} are more than ${policy.rpoMinutes} min (its rpoMinutes) behind. Run ${status} for the databases and their replicated latest restorable time.`,
          Namespace: 'Lifeboat',
          MetricName: 'PointInTimeLag',
          Dimensions: [
            { Name: 'Policy', Value: name },
            { Name: 'Target', Value: target.region },
          ],
          Statistic: 'Maximum',
          Period: 900,
          EvaluationPeriods: 1,
          Threshold: policy.rpoMinutes * 60,
          ComparisonOperator: 'GreaterThanThreshold',
          TreatMissingData: 'notBreaching',
          AlarmActions: [{ Ref: 'LifeboatTopic' }],
          OKActions: [{ Ref: 'LifeboatTopic' }],
        },
      };
    }
  }
  return { Resources: resources };
}

/** A DR site's policies with only the copy target it holds (checkHomeRegion made sure there is one). */
function siteOwnTargets(file, region) {
  return Object.fromEntries(
    Object.entries(file.policies).map(([name, policy]) => {
      const found = siteTargetOf(file.site, policy, region);
      return [name, { ...policy, copies: found ? [found.target] : [] }];
    }),
  );
}

/** The stage the stack is packaged for (serverless.yml provider.stage, `--stage`). */
async function stageOf(variables) {
  if (variables && variables.options && variables.options.stage) return variables.options.stage;
  if (variables && variables.resolveVariable) return variables.resolveVariable('self:provider.stage');
  return 'dev';
}

/**
 * The verify schedule of each policy: the policy's own at the primary; at a DR site, that of the
 * site's copy target (copies[].verify.schedule, else the policy's).
 */
function verifySchedulesFor(file, region) {
  return schedulesFor(file.policies, (p) => {
    if (!p.verify) return undefined;
    const verify = isDrSite(file)
      ? verifyAtTarget(p.verify, siteTargetOf(file.site, p, region).target)
      : p.verify;
    return verify.schedule ? { expression: verify.schedule, timezone: verify.timezone } : undefined;
  });
}

/**
 * The region the stack is packaged for: `--region`, else a DR site's own region (its policy file's
 * site.region), else us-east-1. serverless.yml's provider.region defaults to this value, so it is
 * not read back from there.
 */
function homeRegion(variables, file) {
  if (variables && variables.options && variables.options.region) return variables.options.region;
  return isDrSite(file) ? file.site.region : 'us-east-1';
}

module.exports = async (variables) => {
  const file = loadPolicyFile();
  const region = homeRegion(variables, file);
  try {
    checkHomeRegion(file, region, policyPath());
  } catch (error) {
    throw plainError(error.message);
  }
  const policies = file.policies;
  const site = isDrSite(file);
  const stage = await stageOf(variables);
  const verifySchedules = verifySchedulesFor(file, region);
  const plans = restoreTestingPlans(policies);
  return {
    /** "dr" for a DR site (its policy file's `site` section), else "primary". */
    site: site ? 'dr' : 'primary',
    /** provider.region when no --region is given. */
    region,
    /**
     * The function files serverless.yml includes: a DR site takes no snapshots, copies and prunes
     * nothing (the primary does, into it), so it has no snapshot, copy or prune function.
     */
    functionFiles: {
      lifecycle: site ? 'none.yml' : 'lifecycle.yml',
      prune: site ? 'none.yml' : 'prune.yml',
    },
    /** Report replication to the DR sites (primary), or the DR site's receiving bucket. */
    siteResources: siteResources(file, { stage, region }),
    /** The validated policy handed to every function in LIFEBOAT_POLICY (gzipped when large). */
    policyJson: policyEnv(file),
    policyNames: Object.keys(policies),
    objectives: objectivesFor(policies, isDrSite(file) ? siteOwnTargets(file, region) : policies),
    snapshotSchedules: schedulesFor(policies, (p) => ({ expression: p.schedule, timezone: p.timezone })),
    drRegions: [...new Set(Object.values(policies).flatMap((p) => p.copies.map((c) => c.region)))],
    drAccounts: [
      ...new Set(Object.values(policies).flatMap((p) => p.copies.map((c) => c.account).filter(Boolean))),
    ],
    pruneSchedules: pruneSchedules(policies),
    /** Restore-verify runs per policy with `verify.schedule`; the machine expands a policy into its databases. */
    verifySchedules,
    /** Everything that starts restore-verify: the verify schedules, and finished AWS Backup restore tests. */
    restoreVerifyEvents: [...verifySchedules, ...restoreTestEvents(policies)],
    /** The policies' master-credential secrets the restore-verify steps may read (never empty for IAM). */
    verifySecretArns: verifySecretArns(policies),
    /**
     * Subnets and a security group for the fingerprint function, which connects to the scratch
     * instance inside its VPC: LIFEBOAT_VERIFY_SUBNET_IDS and LIFEBOAT_VERIFY_SECURITY_GROUP_IDS
     * (comma-separated) at package time. Unset, the function runs outside any VPC.
     */
    ...verifyVpc(),
    ...reservedConcurrency(),
    drRoleArns: drRoleArns(policies, file),
    /** RDS ARNs of what Lifeboat owns, in every region the policy names (IAM statements). */
    arns: {
      ...policyRegionArns(policies, file),
      // IAM needs a resource: with no plan validated, one that cannot exist.
      restoreTestingPlans: (plans.length > 0 ? plans : ['lifeboat-none']).map((plan) => ({
        'Fn::Sub': `arn:\${AWS::Partition}:backup:\${AWS::Region}:\${AWS::AccountId}:restore-testing-plan:${plan}-*`,
      })),
    },
    pointInTimeAlarms: pointInTimeAlarms(file, region),
    pointInTimeKeyArns: pointInTimeKeyArns(isDrSite(file) ? {} : policies),
    pointInTimeSources: pointInTimeSources(isDrSite(file) ? {} : policies),
  };
};

module.exports.pruneTime = pruneTime;
