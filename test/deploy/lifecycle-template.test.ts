import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { drRoleArn } from '../../lib/core/naming/dr-role.js';
import { parsePolicyFile } from '../../lib/core/policy/file.js';
import {
  allowsAction as allows,
  listOf as list,
  loadTemplate,
  resourcesOfType,
  statementsOf,
  type CfnResource,
} from '../support/template.js';

const template = loadTemplate();
const policies = parsePolicyFile(readFileSync('lifeboat.example.yml', 'utf8')).policies;

// What loses or exposes a backup: deleting snapshots or databases, sharing a snapshot.
const SNAPSHOT_DESTRUCTIVE = [
  'rds:DeleteDBSnapshot',
  'rds:DeleteDBClusterSnapshot',
  'rds:ModifyDBSnapshotAttribute',
  'rds:ModifyDBClusterSnapshotAttribute',
];
const DATABASE_DESTRUCTIVE = ['rds:DeleteDBInstance', 'rds:DeleteDBCluster'];

function functionLogicalId(target: unknown): string | undefined {
  const getAtt = (target as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
  return getAtt?.[1] === 'Arn' ? getAtt[0] : undefined;
}

describe('packaged template: lifecycle functions', () => {
  const functions = resourcesOfType(template, 'AWS::Lambda::Function');
  const roles = Object.fromEntries(resourcesOfType(template, 'AWS::IAM::Role'));

  it('gives every function a role of its own', () => {
    const roleOf = functions.map(([, fn]) => functionLogicalId(fn.Properties?.Role));
    expect(roleOf.every((role) => role !== undefined && roles[role] !== undefined)).toBe(true);
    expect(new Set(roleOf).size).toBe(functions.length);
    expect(functions.map(([id]) => id)).toEqual(
      expect.arrayContaining(['SnapshotLambdaFunction', 'CopyLambdaFunction']),
    );
  });

  it('lets the snapshot function create and tag snapshots, and neither delete nor share them', () => {
    const actions = statementsOf(roles.SnapshotIamRoleLambdaExecution!).flatMap((s) => list(s.Action));
    expect(actions).toEqual(expect.arrayContaining(['rds:CreateDBSnapshot', 'rds:CreateDBClusterSnapshot']));
    const forbidden = [...SNAPSHOT_DESTRUCTIVE, ...DATABASE_DESTRUCTIVE, 'sts:AssumeRole'];
    expect(forbidden.filter((a) => actions.some((p) => allows(p, a)))).toEqual([]);
  });

  it('lets the copy function assume only the DR roles, and use KMS keys only through RDS but for the topic key', () => {
    const statements = statementsOf(roles.CopyIamRoleLambdaExecution!);
    const assume = statements.filter((s) => list(s.Action).some((a) => allows(a, 'sts:AssumeRole')));
    expect(assume).toHaveLength(1);
    expect(list(assume[0]!.Resource)).toEqual([drRoleArn('222222222222', 'eu-west-1')]);
    // The topic's own key (publishing outcomes) is the one key used directly.
    const kms = statements.filter(
      (s) =>
        list(s.Action).some((a) => a.startsWith('kms:')) &&
        !JSON.stringify(s.Resource).includes('LifeboatTopicKey'),
    );
    expect(kms.length).toBeGreaterThan(0);
    for (const statement of kms) {
      expect(statement.Resource).not.toBe('*');
      expect(statement.Condition?.StringLike?.['kms:ViaService']).toBe('rds.*.amazonaws.com');
    }
  });

  it('keeps every asynchronous failure of snapshot and copy in the failure queue', () => {
    for (const name of ['Snapshot', 'Copy']) {
      const config = template.Resources[`${name}LambdaEvConf`];
      expect(config?.Properties?.DestinationConfig).toEqual({
        OnFailure: { Destination: { 'Fn::GetAtt': ['AsyncFailureQueue', 'Arn'] } },
      });
    }
  });
});

/**
 * A permission's SourceArn names a rule either by GetAtt, or (the framework's eventBridge events) as
 * arn:...:rule/<Name> built with Fn::Join.
 */
function namesRule(sourceArn: unknown, ruleId: string, rule: CfnResource): boolean {
  if (functionLogicalId(sourceArn) === ruleId) return true;
  const name = rule.Properties?.Name;
  return typeof name === 'string' && JSON.stringify(sourceArn).includes(`["rule","${name}"]`);
}

describe('packaged template: schedules and RDS event rules', () => {
  const rules = resourcesOfType(template, 'AWS::Events::Rule');
  const permissions = resourcesOfType(template, 'AWS::Lambda::Permission');
  const targetOf = (rule: CfnResource) =>
    functionLogicalId((rule.Properties?.Targets as Array<{ Arn: unknown }> | undefined)?.[0]?.Arn);

  it('points every rule that targets a function at a function EventBridge may invoke for that rule', () => {
    const functionRules = rules.filter(([, rule]) => targetOf(rule)?.endsWith('LambdaFunction'));
    expect(functionRules.length).toBeGreaterThan(0);
    for (const [ruleId, rule] of functionRules) {
      const fn = targetOf(rule)!;
      expect(template.Resources[fn]?.Type, ruleId).toBe('AWS::Lambda::Function');
      const permitted = permissions.some(
        ([, p]) =>
          functionLogicalId(p.Properties?.FunctionName) === fn &&
          p.Properties?.Principal === 'events.amazonaws.com' &&
          namesRule(p.Properties?.SourceArn, ruleId, rule),
      );
      expect(permitted, `${ruleId} may invoke ${fn}`).toBe(true);
    }
  });

  it('schedules one snapshot run per policy, each naming its policy and passing the scheduled time', () => {
    const inputs: string[] = [];
    for (const [, rule] of rules) {
      if (targetOf(rule) !== 'SnapshotLambdaFunction') continue;
      const target = (rule.Properties?.Targets as Array<{ InputTransformer?: Record<string, unknown> }>)[0]!;
      expect(target.InputTransformer?.InputPathsMap).toEqual({ time: '$.time' });
      inputs.push(String(target.InputTransformer?.InputTemplate));
    }
    for (const [, schedule] of resourcesOfType(template, 'AWS::Scheduler::Schedule')) {
      const target = schedule.Properties?.Target as { Arn: unknown; Input: string };
      if (functionLogicalId(target.Arn) !== 'SnapshotLambdaFunction') continue;
      inputs.push(target.Input);
    }
    const named = inputs.map((input) => /"policy":\s*"([^"]+)"/.exec(input)?.[1]).sort();
    expect(named).toEqual(Object.keys(policies).sort());
    expect(inputs.every((input) => /"time":\s*("<aws\.scheduler\.scheduled-time>"|<time>)/.test(input))).toBe(
      true,
    );
  });

  it('wires the RDS snapshot events of Lifeboat snapshots, and a sweep, to the copy function', () => {
    const copyRules = rules.filter(([, rule]) => targetOf(rule) === 'CopyLambdaFunction').map(([, r]) => r);
    const patterns = copyRules
      .map((rule) => rule.Properties?.EventPattern as Record<string, unknown> | undefined)
      .filter((p) => p !== undefined);
    expect(patterns).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          source: ['aws.rds'],
          'detail-type': ['RDS DB Snapshot Event'],
          detail: expect.objectContaining({ EventID: ['RDS-EVENT-0042', 'RDS-EVENT-0197'] }),
        }),
        expect.objectContaining({
          source: ['aws.rds'],
          'detail-type': ['RDS DB Cluster Snapshot Event'],
          detail: expect.objectContaining({ EventID: ['RDS-EVENT-0075'] }),
        }),
      ]),
    );
    const sweep = copyRules.find((rule) => rule.Properties?.ScheduleExpression !== undefined);
    expect(sweep?.Properties?.ScheduleExpression).toBe('rate(30 minutes)');
    const sweepInput = (sweep?.Properties?.Targets as Array<{ Input: string }>)[0]!.Input;
    expect(JSON.parse(sweepInput)).toEqual({ sweep: true });
  });
});
