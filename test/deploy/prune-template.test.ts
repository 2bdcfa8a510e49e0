import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePolicyFile } from '../../lib/core/policy/file.js';
import { drRoleArnOf } from '../../lib/adapters/aws/target-stores.js';
import { loadTemplate, resourcesOfType, type CfnResource } from '../support/template.js';

const template = loadTemplate();
const policies = parsePolicyFile(readFileSync('lifeboat.example.yml', 'utf8')).policies;

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
const statements = (role: CfnResource) =>
  ((role.Properties?.Policies ?? []) as Array<{ PolicyDocument: { Statement: Statement[] } }>).flatMap(
    (p) => p.PolicyDocument.Statement,
  );

describe('packaged template: prune function', () => {
  const role = template.Resources.PruneIamRoleLambdaExecution!;

  // What prune may delete, and that it may delete nothing else: test/deploy/iam-matrix.test.ts.
  it('assumes only the DR accounts’ roles: those the policy file names, else lifeboat-dr-copy there', () => {
    const assume = statements(role).filter((s) => list(s.Action).includes('sts:AssumeRole'));
    const named = Object.values(policies).flatMap((p) => p.copies.flatMap((c) => drRoleArnOf(c) ?? []));
    expect(assume).toHaveLength(1);
    expect(list(assume[0]!.Resource)).toEqual([...new Set(named)]);
  });

  it('runs once a day per policy, at different minutes, with the policy and the scheduled time', () => {
    const rules = resourcesOfType(template, 'AWS::Events::Rule').filter(([, rule]) =>
      JSON.stringify(rule.Properties?.Targets).includes('"PruneLambdaFunction"'),
    );
    const events = rules.map(([, rule]) => {
      const target = (rule.Properties?.Targets as Array<{ InputTransformer: Record<string, unknown> }>)[0]!;
      expect(target.InputTransformer.InputPathsMap).toEqual({ time: '$.time' });
      const policy = /"policy":"([^"]+)"/.exec(String(target.InputTransformer.InputTemplate))?.[1];
      return { policy, expression: String(rule.Properties?.ScheduleExpression) };
    });
    expect(events.map((e) => e.policy).sort()).toEqual(Object.keys(policies).sort());
    for (const { expression } of events) expect(expression).toMatch(/^cron\(\d+ 4 \* \* \? \*\)$/);
    expect(new Set(events.map((e) => e.expression)).size).toBe(events.length);
  });

  it('keeps a failed run in the failure queue', () => {
    expect(template.Resources.PruneLambdaEvConf?.Properties?.DestinationConfig).toEqual({
      OnFailure: { Destination: { 'Fn::GetAtt': ['AsyncFailureQueue', 'Arn'] } },
    });
  });
});
