import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drSiteBucketName, reportsReplicationRoleName } from '../../lib/core/naming/dr-site.js';
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
}, 600_000);

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
    expect(Rules[0]!.Destination.AccessControlTranslation).toEqual({ Owner: 'Destination' });
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
