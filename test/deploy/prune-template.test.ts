import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { parsePolicyFile } from '../../lib/core/policy/file.js';
import { drRoleArnOf } from '../../lib/adapters/aws/target-stores.js';
import { loadTemplate, resourcesOfType, type CfnResource } from '../support/template.js';

const { pruneTime } = createRequire(import.meta.url)('../../deploy/config.cjs') as {
  pruneTime(index: number): { hour: number; minute: number };
};
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

  it('spreads any number of policies 7 minutes apart from 04:15 UTC, each at its own time of day', () => {
    const times = Array.from({ length: 200 }, (_, i) => pruneTime(i));
    const minutesOfDay = times.map(({ hour, minute }) => hour * 60 + minute);

    expect(times.slice(0, 2)).toEqual([
      { hour: 4, minute: 15 },
      { hour: 4, minute: 22 },
    ]);
    expect(times[7]).toEqual({ hour: 5, minute: 4 });
    expect(new Set(minutesOfDay).size).toBe(200);
    for (const [i, time] of times.entries()) {
      expect(time.hour).toBeLessThan(24);
      expect(time.minute).toBeLessThan(60);
      if (i > 0 && minutesOfDay[i]! > minutesOfDay[i - 1]!)
        expect(minutesOfDay[i]! - minutesOfDay[i - 1]!).toBe(7);
    }
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
