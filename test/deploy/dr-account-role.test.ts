import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parse, type Tags } from 'yaml';
import { describe, expect, it } from 'vitest';

const TEMPLATE = 'deploy/dr-account-role.yml';

// CloudFormation's short forms (!Ref, !Sub, ...) read as the long forms they stand for.
const intrinsic = (tag: string, name: string, kind: 'scalar' | 'seq') => ({
  tag,
  collection: kind === 'seq' ? ('seq' as const) : undefined,
  resolve: (value: unknown) => ({
    [name]: value instanceof Object && 'toJSON' in value ? (value as { toJSON(): unknown }).toJSON() : value,
  }),
});
const customTags: Tags = [
  intrinsic('!Ref', 'Ref', 'scalar'),
  intrinsic('!Sub', 'Fn::Sub', 'scalar'),
  {
    ...intrinsic('!GetAtt', 'Fn::GetAtt', 'scalar'),
    resolve: (value: unknown) => ({ 'Fn::GetAtt': String(value).split('.') }),
  },
  intrinsic('!If', 'Fn::If', 'seq'),
  intrinsic('!Not', 'Fn::Not', 'seq'),
  intrinsic('!Equals', 'Fn::Equals', 'seq'),
] as Tags;

interface Statement {
  Sid?: string;
  Effect: string;
  Principal?: unknown;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

const template = parse(readFileSync(TEMPLATE, 'utf8'), { customTags }) as {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
};
const role = template.Resources.CopyRole!.Properties as {
  RoleName: string;
  AssumeRolePolicyDocument: { Statement: Statement[] };
  Policies: Array<{ PolicyDocument: { Statement: Statement[] } }>;
};
const statements = role.Policies.flatMap((policy) => policy.PolicyDocument.Statement);
const actionsOf = (statement: Statement) => [statement.Action].flat();

describe('DR account template (deploy/dr-account-role.yml)', () => {
  it('passes cfn-lint', () => {
    expect(() => execFileSync('cfn-lint', [TEMPLATE], { stdio: 'pipe' })).not.toThrow();
  });

  it('makes role lifeboat-dr-copy, assumable only by the given Lifeboat function roles of that account', () => {
    expect(role.RoleName).toBe('lifeboat-dr-copy');
    const [trust, ...others] = role.AssumeRolePolicyDocument.Statement;
    expect(others).toEqual([]);
    expect(trust).toMatchObject({
      Effect: 'Allow',
      Action: 'sts:AssumeRole',
      Principal: { AWS: { Ref: 'LifeboatFunctionRoleArns' } },
    });
    expect(JSON.stringify(trust!.Condition)).toContain('"aws:PrincipalAccount":{"Ref":"LifeboatAccountId"}');
  });

  it('allows no wildcard action and no destructive call without the managed tag condition', () => {
    for (const statement of statements) {
      for (const action of actionsOf(statement)) expect(action).not.toMatch(/(^\*$|:\*$)/);
    }
    const deletes = statements.filter((s) => actionsOf(s).some((action) => /^rds:Delete/.test(action)));
    expect(deletes.flatMap(actionsOf).sort()).toEqual([
      'rds:DeleteDBClusterSnapshot',
      'rds:DeleteDBSnapshot',
    ]);
    for (const statement of deletes) {
      expect(JSON.stringify(statement.Resource)).toMatch(/snapshot:lifeboat-\*"/);
      const tagged = Object.entries(statement.Condition?.StringEquals ?? {});
      expect(tagged).toEqual([
        [expect.stringMatching(/^rds:(cluster-)?snapshot-tag\/lifeboat:managed$/), 'true'],
      ]);
    }
  });

  it('creates copies in the DR account only with the managed tag', () => {
    const creating = statements.filter((s) =>
      JSON.stringify(s.Resource).includes('${AWS::AccountId}:snapshot'),
    );
    const copyInto = creating.filter((s) => actionsOf(s).includes('rds:CopyDBSnapshot'));
    expect(copyInto).toHaveLength(1);
    expect(copyInto[0]!.Condition).toEqual({ StringEquals: { 'aws:RequestTag/lifeboat:managed': 'true' } });
  });

  it('tags, copies into and deletes only snapshots named as Lifeboat names them, in either account', () => {
    const onSnapshots = statements.filter((s) =>
      actionsOf(s).some((action) => /^rds:(Copy|Delete|AddTags)/.test(action)),
    );
    expect(onSnapshots.flatMap(actionsOf)).toContain('rds:AddTagsToResource');
    for (const statement of onSnapshots) {
      const resources = [statement.Resource].flat().map((resource) => JSON.stringify(resource));
      for (const resource of resources) expect(resource).toMatch(/:(cluster-)?snapshot:lifeboat-\*"/);
    }
  });

  it('lets the role hand the keys to RDS through grants only, never use them directly outside RDS', () => {
    const key = template.Resources.CopyKey!.Properties as { KeyPolicy: { Statement: Statement[] } };
    const forRole = key.KeyPolicy.Statement.filter((s) => JSON.stringify(s.Principal).includes('CopyRole'));
    expect(forRole.length).toBeGreaterThan(0);
    for (const statement of forRole) {
      expect(JSON.stringify(statement.Condition)).toMatch(/kms:ViaService|kms:GrantIsForAWSResource/);
    }
    const sourceKeys = statements.filter((s) => JSON.stringify(s.Resource).includes('SourceShareKeyArns'));
    expect(sourceKeys.length).toBeGreaterThan(0);
    for (const statement of sourceKeys) {
      expect(JSON.stringify(statement.Condition)).toMatch(/kms:ViaService|kms:GrantIsForAWSResource/);
    }
  });
});
