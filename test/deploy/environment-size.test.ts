import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadTemplate, type CfnTemplate, packageInto, PACKAGING_TIMEOUT_MS } from '../support/template.js';

interface EnvironmentSize {
  function: string;
  bytes: number;
  largest: Array<[string, number]>;
}
const plugin = createRequire(import.meta.url)('../../deploy/plugins/environment-size.cjs') as {
  environmentSizes(template: CfnTemplate, stackName: string): EnvironmentSize[];
  environmentOverflow(template: CfnTemplate, stackName: string, limit?: number): string | null;
  LAMBDA_ENVIRONMENT_LIMIT: number;
};

const workDir = mkdtempSync(join(tmpdir(), 'lifeboat-env-size-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const fn = (variables: Record<string, unknown>) => ({
  Type: 'AWS::Lambda::Function',
  Properties: { Environment: { Variables: variables } },
});

describe("functions' environment at package time", { timeout: PACKAGING_TIMEOUT_MS }, () => {
  it('counts every packaged function, references at their longest, and all of them fit', () => {
    const template = loadTemplate();
    const sizes = plugin.environmentSizes(template, 'lifeboat-dev');
    const functions = Object.entries(template.Resources).filter(
      ([, r]) => r.Type === 'AWS::Lambda::Function',
    );

    expect(sizes.map((s) => s.function).sort()).toEqual(functions.map(([id]) => id).sort());
    for (const size of sizes) expect(size.bytes).toBeLessThanOrEqual(plugin.LAMBDA_ENVIRONMENT_LIMIT);
    // The topic's ARN counts at its longest (a 256-character generated name cut to the stack's).
    const literal = (id: string) =>
      Object.entries(
        (functions.find(([name]) => name === id)![1].Properties as { Environment: { Variables: object } })
          .Environment.Variables,
      )
        .filter(([, value]) => typeof value === 'string')
        .reduce((sum, [name, value]) => sum + name.length + (value as string).length, 0);
    const notify = sizes.find((s) => s.function === 'NotifyLambdaFunction')!;
    expect(notify.bytes).toBeGreaterThan(literal('NotifyLambdaFunction') + 'LIFEBOAT_TOPIC_ARN'.length + 60);
  });

  it('names the function over the limit and its largest variables', () => {
    const template = {
      Resources: {
        Topic: { Type: 'AWS::SNS::Topic' },
        Small: fn({ A: 'x' }),
        Large: fn({ LIFEBOAT_POLICY: 'p'.repeat(4000), LIFEBOAT_TOPIC_ARN: { Ref: 'Topic' } }),
      },
    } as unknown as CfnTemplate;

    const problem = plugin.environmentOverflow(template, 'lifeboat-prod');

    expect(problem).toMatch(
      /Large: up to \d+ bytes \(largest: LIFEBOAT_POLICY 4015, LIFEBOAT_TOPIC_ARN \d+\)/,
    );
    expect(problem).not.toContain('Small');
    expect(plugin.environmentOverflow(template, 'lifeboat-prod', 8192)).toBeNull();
  });

  it('refuses to guess the length of a reference it does not know', () => {
    const template = {
      Resources: { Table: { Type: 'AWS::DynamoDB::Table' }, F: fn({ TABLE: { Ref: 'Table' } }) },
    } as unknown as CfnTemplate;

    expect(() => plugin.environmentSizes(template, 'lifeboat-dev')).toThrow(/Table \(AWS::DynamoDB::Table\)/);
  });

  it('fails serverless package when chat settings push notify over 4 KB, naming it', () => {
    const channels = Array.from(
      { length: 60 },
      (_, i) =>
        `  team-${i}-alerts: { type: slack, webhook: 'secretsmanager:lifeboat/team-${i}-slack-alerts' }`,
    );
    const chatFile = join(workDir, 'chat.yml');
    writeFileSync(
      chatFile,
      [
        'channels:',
        ...channels,
        'routes:',
        `  critical: { channels: [${channels.map((_, i) => `team-${i}-alerts`).join(', ')}] }`,
        '  warning: { channels: [team-0-alerts] }',
        '  info: { channels: [] }',
        '',
      ].join('\n'),
    );
    const result = packageInto(join(workDir, 'out'), { ...process.env, LIFEBOAT_CHAT_FILE: chatFile });
    const output = result.stdout + result.stderr;

    expect(result.status).not.toBe(0);
    expect(output).toMatch(/may exceed Lambda's 4096 bytes/);
    expect(output).toMatch(/NotifyLambdaFunction: up to \d+ bytes \(largest: LIFEBOAT_CHAT/);
  });
});
