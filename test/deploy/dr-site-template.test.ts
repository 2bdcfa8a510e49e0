import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drRoleArn } from '../../lib/core/naming/dr-role.js';
import { drSiteBucketName, reportsReplicationRoleName } from '../../lib/core/naming/dr-site.js';
import { TAG } from '../../lib/core/tags.js';
import {
  decide,
  DR_ACCOUNT,
  HOME,
  rdsArn,
  requestTags,
  resolvedRole,
  resourceTags,
  roleOfFunction,
  type ResolvedRole,
} from '../support/iam.js';
import { denialProbes } from '../support/iam-probes.js';
import {
  allowsAction,
  listOf,
  packageIntoAsync,
  resourcesOfType,
  statementsOf,
  type CfnResource,
  type CfnTemplate,
  type IamStatement,
} from '../support/template.js';

/*
 * The DR site (lifeboat.dr.example.yml) and a primary with two DR sites
 * (test/fixtures/policies/primary-with-dr-sites.yml), each packaged offline as `npm run package`
 * does, then read as CloudFormation: what the DR site leaves out, and the replication that ties the
 * two together, name for name.
 */
const workDir = mkdtempSync(join(tmpdir(), 'lifeboat-dr-site-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

let drSite: CfnTemplate;
let primary: CfnTemplate;
let drRegionSite: CfnTemplate;

async function packaged(name: string, policyFile: string): Promise<CfnTemplate> {
  const out = join(workDir, name);
  const result = await packageIntoAsync(out, { ...process.env, LIFEBOAT_POLICY_FILE: policyFile });
  expect(result.status, result.output).toBe(0);
  // As scripts/package.mjs lints it (W3005: redundant DependsOn in the plugins' generated roles).
  execFileSync(
    'cfn-lint',
    ['--ignore-checks', 'W3005', '--', join(out, 'cloudformation-template-update-stack.json')],
    {
      stdio: 'pipe',
    },
  );
  return result.template!;
}

beforeAll(async () => {
  drSite = await packaged('dr-site', 'lifeboat.dr.example.yml');
  primary = await packaged('primary', 'test/fixtures/policies/primary-with-dr-sites.yml');
  drRegionSite = await packaged('dr-region-site', 'test/fixtures/policies/dr-region-site.yml');
}, 900_000);

const functionsOf = (template: CfnTemplate) =>
  resourcesOfType(template, 'AWS::Lambda::Function').map(([name]) => name.replace(/LambdaFunction$/, ''));

const rolesOf = (template: CfnTemplate) => resourcesOfType(template, 'AWS::IAM::Role');

function property(resource: CfnResource | undefined, ...path: string[]): unknown {
  let value: unknown = resource?.Properties;
  for (const key of path) value = (value as Record<string, unknown> | undefined)?.[key];
  return value;
}

describe('the DR site template (lifeboat.dr.example.yml, packaged with no --region)', () => {
  it('has no snapshot, copy or prune function, nor any schedule of theirs', () => {
    const functions = functionsOf(drSite);

    expect(functions).not.toEqual(expect.arrayContaining(['Snapshot']));
    for (const name of ['Snapshot', 'Copy', 'Prune']) expect(functions).not.toContain(name);
    const targets = JSON.stringify(resourcesOfType(drSite, 'AWS::Events::Rule'));
    expect(targets).not.toMatch(/SnapshotLambdaFunction|CopyLambdaFunction|PruneLambdaFunction/);
    expect(resourcesOfType(drSite, 'AWS::Scheduler::Schedule')).toEqual([]);
  });

  it('has its own topic, chat, reports bucket, monitor (with the janitor) and restore-verify state machine', () => {
    const functions = functionsOf(drSite);

    expect(functions).toEqual(expect.arrayContaining(['Notify', 'Digest', 'Monitor', 'RestoreStartRestore']));
    expect(functions).toEqual(expect.arrayContaining(['RestoreDeleteScratch', 'RestoreCompareWithBaseline']));
    expect(drSite.Resources.LifeboatTopic?.Type).toBe('AWS::SNS::Topic');
    expect(drSite.Resources.ReportsBucket?.Type).toBe('AWS::S3::Bucket');
    expect(resourcesOfType(drSite, 'AWS::StepFunctions::StateMachine')).toHaveLength(1);
  });

  it("is packaged for its own region (site.region) and verifies on the target's schedule", () => {
    const rules = resourcesOfType(drSite, 'AWS::Events::Rule').map(([, rule]) =>
      property(rule, 'ScheduleExpression'),
    );

    expect(rules).toContain('cron(0 5 ? * SUN *)');
    expect(rules).not.toContain('cron(0 3 ? * SUN *)');
    expect(rules).not.toContain('cron(0 */6 * * ? *)');
    // RDS ARNs of what it owns name the stack's region only: no other region's copies or scratch.
    const rdsRegions = (template: CfnTemplate) =>
      new Set(
        [
          ...JSON.stringify(rolesOf(template)).matchAll(
            /arn:\$\{AWS::Partition\}:rds:(\$\{AWS::Region\}|[a-z0-9-]+):/g,
          ),
        ].map((m) => m[1]),
      );
    expect(rdsRegions(drSite)).toEqual(new Set(['${AWS::Region}']));
    // The primary's name its copy targets' region too.
    expect(rdsRegions(primary)).toEqual(new Set(['${AWS::Region}', 'eu-west-1']));
  });

  it('assumes no role in any other account: every sts:AssumeRole names only the impossible placeholder', () => {
    for (const [name, role] of rolesOf(drSite)) {
      for (const statement of statementsOf(role).filter((s) =>
        listOf(s.Action).some((a) => allowsAction(a, 'sts:AssumeRole')),
      )) {
        expect(listOf(statement.Resource as string[]), name).toEqual([
          'arn:aws:iam::000000000000:role/lifeboat-no-dr-account',
        ]);
      }
    }
  });

  it("keeps its reports in a named, versioned bucket under its own key that only the primary's replication role may write replicas to", () => {
    const bucket = drSite.Resources.ReportsBucket!;
    const policy = drSite.Resources.ReportsBucketPolicy!;
    const statements = property(policy, 'PolicyDocument', 'Statement') as Array<Record<string, unknown>>;

    expect(property(bucket, 'BucketName')).toBe(drSiteBucketName('dev', '222222222222', 'eu-west-1'));
    expect(property(bucket, 'VersioningConfiguration')).toEqual({ Status: 'Enabled' });
    expect(property(bucket, 'OwnershipControls')).toEqual({
      Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }],
    });
    expect(JSON.stringify(property(bucket, 'BucketEncryption'))).toContain('ReportsKey');
    const role = `arn:aws:iam::111111111111:role/${reportsReplicationRoleName('dev', 'us-east-1')}`;
    for (const statement of statements) {
      expect(statement.Principal).toEqual({ AWS: 'arn:aws:iam::111111111111:root' });
      expect(statement.Condition).toEqual({ ArnEquals: { 'aws:PrincipalArn': role } });
    }
    expect(statements.flatMap((s) => listOf(s.Action as string[]))).not.toContain('s3:DeleteObject');
    expect(JSON.stringify(statements)).toContain('/reports/*');
  });
});

describe("the reports bucket names its deployment's topic (tag lifeboat:topic-arn, read by `lifeboat failover`)", () => {
  it.each([
    ['the DR site', () => drSite],
    ['the primary', () => primary],
  ])('%s: its reports bucket is tagged with the ARN of its own LifeboatTopic', (_, template) => {
    const tags = property(template().Resources.ReportsBucket, 'Tags') as Array<{
      Key: string;
      Value: unknown;
    }>;

    expect(tags.filter((t) => t.Key === TAG.topicArn)).toEqual([
      { Key: 'lifeboat:topic-arn', Value: { Ref: 'LifeboatTopic' } },
    ]);
    // A Ref of an AWS::SNS::Topic is its ARN (aws-resource-sns-topic.html, Return values).
    expect(template().Resources.LifeboatTopic?.Type).toBe('AWS::SNS::Topic');
  });
});

describe('the primary template with drSites (test/fixtures/policies/primary-with-dr-sites.yml)', () => {
  const replication = () =>
    property(primary.Resources.ReportsBucket, 'ReplicationConfiguration') as {
      Role: unknown;
      Rules: Array<{ Destination: Record<string, unknown>; Filter: unknown; Priority: number }>;
    };

  it("replicates reports/ to each DR site's bucket, in its account, under its reports key", () => {
    const { Rules } = replication();

    expect(property(primary.Resources.ReportsBucket, 'VersioningConfiguration')).toEqual({
      Status: 'Enabled',
    });
    expect(Rules.map((r) => r.Destination.Bucket)).toEqual([
      `arn:aws:s3:::${drSiteBucketName('dev', '222222222222', 'eu-west-1')}`,
      'arn:aws:s3:::dr-reports-of-prod',
    ]);
    expect(Rules.map((r) => r.Destination.Account)).toEqual(['222222222222', '333333333333']);
    expect(Rules.map((r) => r.Filter)).toEqual([{ Prefix: 'reports/' }, { Prefix: 'reports/' }]);
    expect(Rules.map((r) => r.Priority)).toEqual([1, 2]);
    expect(Rules[0]!.Destination.EncryptionConfiguration).toEqual({
      ReplicaKmsKeyID: 'arn:aws:kms:eu-west-1:222222222222:alias/lifeboat-dev-reports',
    });
    // Owner override only where the DR site is in another account than the one deployed to:
    // AccessControlTranslation is for "a cross-account scenario (where source and destination
    // bucket owners are not the same)" (aws-properties-s3-bucket-accesscontroltranslation.html).
    expect(Rules[0]!.Destination.AccessControlTranslation).toEqual({
      'Fn::If': ['ReportsReplicaDrSite1InOtherAccount', { Owner: 'Destination' }, { Ref: 'AWS::NoValue' }],
    });
    expect((primary as { Conditions?: Record<string, unknown> }).Conditions).toMatchObject({
      ReportsReplicaDrSite1InOtherAccount: {
        'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'AWS::AccountId' }, '222222222222'] }],
      },
      ReportsReplicaDrSite2InOtherAccount: {
        'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'AWS::AccountId' }, '333333333333'] }],
      },
    });
  });

  it('replicates with the role the DR site trusts by name, which may only replicate into reports/ there', () => {
    const role = primary.Resources.ReportsReplicationRole!;
    const drPolicy = JSON.stringify(drSite.Resources.ReportsBucketPolicy);

    expect(replication().Role).toEqual({ 'Fn::GetAtt': ['ReportsReplicationRole', 'Arn'] });
    expect(property(role, 'RoleName')).toBe(reportsReplicationRoleName('dev', 'us-east-1'));
    expect(drPolicy).toContain(`role/${String(property(role, 'RoleName'))}`);
    const policy = primary.Resources.ReportsReplicationPolicy!;
    const statements = property(policy, 'PolicyDocument', 'Statement') as IamStatement[];
    expect(property(policy, 'Roles')).toEqual([{ Ref: 'ReportsReplicationRole' }]);
    const writes = statements.filter((s) => listOf(s.Action).includes('s3:ReplicateObject'));
    expect(writes).toHaveLength(1);
    expect(listOf(writes[0]!.Resource as string[])).toEqual([
      `arn:aws:s3:::${drSiteBucketName('dev', '222222222222', 'eu-west-1')}/reports/*`,
      'arn:aws:s3:::dr-reports-of-prod/reports/*',
    ]);
    for (const statement of statements) {
      expect(listOf(statement.Action).some((a) => allowsAction(a, 's3:DeleteObject'))).toBe(false);
      expect(listOf(statement.Action).some((a) => allowsAction(a, 's3:ReplicateDelete'))).toBe(false);
    }
  });

  it('keeps its snapshot, copy and prune functions', () => {
    expect(functionsOf(primary)).toEqual(expect.arrayContaining(['Snapshot', 'Copy', 'Prune']));
  });
});

/*
 * The DR site's roles through the IAM evaluator (as test/deploy/iam-matrix.test.ts does for the
 * primary), deployed in its DR account and region: every call its restore-verify and janitor make on
 * its own scratch instances and copies is allowed; nothing else, anywhere, is.
 */
const SITE = { partition: 'aws', account: DR_ACCOUNT, region: 'eu-west-1' } as const;
const COPY = 'lifeboat-orders-20261124t0945';
const SCRATCH_ID = 'lbs-orders-20261124t0945-a1b2c3';
const SCRATCH_TAGS = {
  'lifeboat:scratch': 'true',
  'lifeboat:expires-at': '2026-11-24T15:45:00.000Z',
  'lifeboat:restored-from': COPY,
  'lifeboat:execution': 'arn:aws:states:eu-west-1:222222222222:execution:lifeboat-dev-restore-verify:gold',
  'lifeboat:source': 'orders',
  'lifeboat:policy': 'gold',
};
const MANAGED = resourceTags({ 'lifeboat:managed': 'true' });
const SCRATCH = resourceTags({ 'lifeboat:scratch': 'true' });
const at = (id: string) => rdsArn.instance(id, SITE.region, SITE.account);
const autoBackup = (region: string, account: string) =>
  `arn:aws:rds:${region}:${account}:auto-backup:ab-orders`;
const SITE_AUTO_BACKUP = autoBackup(SITE.region, SITE.account);

function siteRole(fn: string): ResolvedRole {
  const id = resourcesOfType(drSite, 'AWS::Lambda::Function')
    .map(([name]) => name)
    .find((name) => name.toLowerCase() === `${fn}LambdaFunction`.toLowerCase());
  if (!id) throw new Error(`no function ${fn} in the DR site template`);
  return resolvedRole(drSite, roleOfFunction(drSite, id), { deployment: SITE });
}

type Row = [fn: string, action: string, resource: string, context?: Record<string, string | string[]>];

const SITE_ALLOWED: Row[] = [
  ['restoreResolveSnapshot', 'rds:DescribeDBSnapshots', rdsArn.snapshot(COPY, SITE.region, SITE.account)],
  ['restoreStartRestore', 'rds:RestoreDBInstanceFromDBSnapshot', at(SCRATCH_ID), requestTags(SCRATCH_TAGS)],
  [
    'restoreStartRestore',
    'rds:RestoreDBInstanceFromDBSnapshot',
    rdsArn.snapshot(COPY, SITE.region, SITE.account),
    requestTags(SCRATCH_TAGS),
  ],
  ['restoreStartRestore', 'rds:AddTagsToResource', at(SCRATCH_ID), requestTags(SCRATCH_TAGS)],
  ['restoreObtainCredentials', 'rds:ModifyDBInstance', at(SCRATCH_ID), SCRATCH],
  [
    'restoreMarkSnapshotVerified',
    'rds:AddTagsToResource',
    rdsArn.snapshot(COPY, SITE.region, SITE.account),
    { ...MANAGED, ...requestTags({ 'lifeboat:verified': '2026-11-24T11:00:00.000Z' }) },
  ],
  ['restoreDeleteScratch', 'rds:DeleteDBInstance', at(SCRATCH_ID), SCRATCH],
  // The DR site's janitor: its monitor deletes its own expired scratch instances.
  ['monitor', 'rds:DeleteDBInstance', at(SCRATCH_ID), SCRATCH],
  ['monitor', 'rds:DeleteDBCluster', rdsArn.cluster(SCRATCH_ID, SITE.region, SITE.account), SCRATCH],
  // Its monitor lists the automated backups replicated into its region for their lag (read only:
  // the denial rows below keep it from starting or stopping a replication).
  ['monitor', 'rds:DescribeDBInstanceAutomatedBackups', SITE_AUTO_BACKUP],
  // A point in time from the automated backups replicated into its region (a DR site in a DR
  // region of the primary's account, copies[].pointInTime): the statements are the same for any
  // DR site, so this one's roles stand for it. ValidateInput and ResolveSnapshot list them; the
  // restore reads them and creates the lbs-* scratch instance, tagged as StartRestore tags it.
  ['restoreValidateInput', 'rds:DescribeDBInstanceAutomatedBackups', SITE_AUTO_BACKUP],
  ['restoreResolveSnapshot', 'rds:DescribeDBInstanceAutomatedBackups', SITE_AUTO_BACKUP],
  ['restoreStartRestore', 'rds:RestoreDBInstanceToPointInTime', SITE_AUTO_BACKUP, requestTags(SCRATCH_TAGS)],
  ['restoreStartRestore', 'rds:RestoreDBInstanceToPointInTime', at(SCRATCH_ID), requestTags(SCRATCH_TAGS)],
  // The primary's replicated report, the baseline of an exact comparison.
  [
    'restoreCompareWithBaseline',
    's3:GetObject',
    'arn:aws:s3:::lifeboat-reportsbucket/reports/orders/20261124T094500Z.json',
  ],
  ['monitor', 's3:GetObject', 'arn:aws:s3:::lifeboat-reportsbucket/reports/orders/20261124T094500Z.json'],
  // Its runbooks, of the copies it holds, after each of its restore-verify runs.
  ['runbooks', 'rds:DescribeDBSnapshots', rdsArn.snapshot(COPY, SITE.region, SITE.account)],
  ['runbooks', 's3:GetObject', 'arn:aws:s3:::lifeboat-reportsbucket/reports/orders/20261124T094500Z.json'],
  ['runbooks', 's3:PutObject', 'arn:aws:s3:::lifeboat-reportsbucket/runbooks/orders.md'],
];

describe('the DR site roles: every call of its restore-verify and janitor is allowed', () => {
  it.each(SITE_ALLOWED.map((row) => [`${row[0]}: ${row[1]} on ${row[2]}`, row] as const))(
    '%s',
    async (_, row) => {
      const [fn, action, resource, context] = row;
      const decision = await decide(siteRole(fn), { action, resource, ...(context ? { context } : {}) });
      expect(decision.error).toBeUndefined();
      expect(decision.result).toBe('Allowed');
    },
  );
});

describe('the DR site roles: nothing outside its own scratch instances and copies', () => {
  const probes = denialProbes({
    accounts: [SITE.account, HOME.account, '333333333333'],
    regions: [SITE.region],
    // The primary's own region: a DR site never acts there, in any account.
    otherRegion: HOME.region,
  });
  // Tags given at creation are authorized like tags on an untagged resource (iam-matrix.test.ts):
  // StartRestore may tag an untagged lbs-* database in its own region as scratch.
  const tagOnCreate = (role: ResolvedRole, probe: (typeof probes)[number]) =>
    role.logicalId === siteRole('restoreStartRestore').logicalId &&
    probe.what === 'tag' &&
    probe.target.case === 'Lifeboat name, no tags' &&
    ['db', 'cluster'].includes(probe.target.kind) &&
    probe.target.account === SITE.account &&
    probe.target.region === SITE.region;

  it('every role refuses every probe, restores nothing in the primary region and assumes no DR role', async () => {
    const allowed: string[] = [];
    const elsewhere = [
      { action: 'sts:AssumeRole', resource: drRoleArn(SITE.account, SITE.region) },
      { action: 'sts:AssumeRole', resource: drRoleArn('333333333333', SITE.region) },
      {
        action: 'rds:RestoreDBInstanceFromDBSnapshot',
        resource: rdsArn.instance(SCRATCH_ID),
        context: requestTags(SCRATCH_TAGS),
      },
      { action: 'rds:DeleteDBInstance', resource: rdsArn.instance(SCRATCH_ID), context: SCRATCH },
      {
        action: 'rds:CopyDBSnapshot',
        resource: rdsArn.snapshot(COPY, SITE.region, SITE.account),
        context: MANAGED,
      },
      { action: 'rds:CreateDBSnapshot', resource: at('orders') },
      // Point in time: only from the backups replicated into its own region and account, only
      // into its own region; it never deletes them nor starts or stops their replication.
      ...[autoBackup(HOME.region, SITE.account), autoBackup(SITE.region, '333333333333')].map((resource) => ({
        action: 'rds:RestoreDBInstanceToPointInTime',
        resource,
        context: requestTags(SCRATCH_TAGS),
      })),
      {
        action: 'rds:RestoreDBInstanceToPointInTime',
        resource: rdsArn.instance(SCRATCH_ID),
        context: requestTags(SCRATCH_TAGS),
      },
      { action: 'rds:DeleteDBInstanceAutomatedBackup', resource: SITE_AUTO_BACKUP },
      { action: 'rds:StopDBInstanceAutomatedBackupsReplication', resource: at('orders') },
      // Replication is started by the primary's monitor for its own instances, never by a DR site.
      { action: 'rds:StartDBInstanceAutomatedBackupsReplication', resource: at('orders') },
    ];
    const ids = rolesOf(drSite).map(([id]) => id);
    expect(ids.length).toBeGreaterThan(10);
    for (const id of ids) {
      const role = resolvedRole(drSite, id, { deployment: SITE });
      for (const probe of probes) {
        const decision = await decide(role, probe.request);
        expect(decision.error, probe.label).toBeUndefined();
        if (decision.result === 'Allowed' && !tagOnCreate(role, probe)) allowed.push(`${id}: ${probe.label}`);
      }
      for (const request of elsewhere) {
        if ((await decide(role, request)).result === 'Allowed') {
          allowed.push(`${id}: ${request.action} ${request.resource}`);
        }
      }
    }
    expect(allowed).toEqual([]);
  }, 300_000);
});

/*
 * A DR site in a DR region of the primary's account (test/fixtures/policies/dr-region-site.yml),
 * where automated backups are replicated (gold's target there has pointInTime): its monitor
 * watches their lag with an alarm of its own, lists them, and cannot start or stop a replication
 * in this account, which the primary's monitor does.
 */
describe('a DR site in a DR region of the primary account, with pointInTime', () => {
  const REGION_SITE = { partition: 'aws', account: HOME.account, region: 'eu-west-1' } as const;
  const monitorRole = () => {
    const id = resourcesOfType(drRegionSite, 'AWS::Lambda::Function')
      .map(([name]) => name)
      .find((name) => name === 'MonitorLambdaFunction')!;
    return resolvedRole(drRegionSite, roleOfFunction(drRegionSite, id), { deployment: REGION_SITE });
  };

  it("has the PointInTimeLag alarm of its own target only, at the policy's RPO, to its own topic", () => {
    const alarms = resourcesOfType(drRegionSite, 'AWS::CloudWatch::Alarm').filter(
      ([, alarm]) => property(alarm, 'MetricName') === 'PointInTimeLag',
    );

    expect(alarms.map(([id]) => id)).toEqual(['PointInTimeLagGoldeuwest1Alarm']);
    const [, alarm] = alarms[0]!;
    expect(property(alarm, 'Dimensions')).toEqual([
      { Name: 'Policy', Value: 'gold' },
      { Name: 'Target', Value: 'eu-west-1' },
    ]);
    expect(property(alarm, 'Threshold')).toBe(30 * 60);
    expect(property(alarm, 'AlarmActions')).toEqual([{ Ref: 'LifeboatTopic' }]);
    // Its dashboard draws the lag it publishes; the DR account site (no replication) draws none.
    const dashboardOf = (template: CfnTemplate) =>
      JSON.stringify(resourcesOfType(template, 'AWS::CloudWatch::Dashboard')[0]![1]);
    expect(dashboardOf(drRegionSite)).toMatch(/MetricName=\W*PointInTimeLag\W+Policy=\W*gold/);
    expect(dashboardOf(drSite)).not.toContain('PointInTimeLag');
  });

  it('lets its monitor list the replicated automated backups, and never start or stop their replication', async () => {
    const role = monitorRole();
    const list = await decide(role, {
      action: 'rds:DescribeDBInstanceAutomatedBackups',
      resource: autoBackup(REGION_SITE.region, REGION_SITE.account),
    });
    expect(list.result).toBe('Allowed');

    const denied: string[] = [];
    for (const action of [
      'rds:StartDBInstanceAutomatedBackupsReplication',
      'rds:StopDBInstanceAutomatedBackupsReplication',
    ]) {
      // The primary's instance, and an instance of the site's own region.
      for (const resource of [
        rdsArn.instance('orders', HOME.region, HOME.account),
        rdsArn.instance('orders', REGION_SITE.region, REGION_SITE.account),
      ]) {
        if ((await decide(role, { action, resource })).result !== 'Allowed')
          denied.push(`${action} ${resource}`);
      }
    }
    expect(denied).toHaveLength(4);
    for (const key of [
      'arn:aws:kms:eu-west-1:111111111111:key/11111111-2222-3333-4444-555555555555',
      'arn:aws:kms:eu-central-1:111111111111:key/22222222-3333-4444-5555-666666666666',
    ]) {
      const grant = await decide(role, {
        action: 'kms:CreateGrant',
        resource: key,
        context: { 'kms:GrantIsForAWSResource': 'true' },
      });
      expect(grant.result, key).not.toBe('Allowed');
    }
  });
});
