import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadTemplate, type CfnTemplate, packageInto, PACKAGING_TIMEOUT_MS } from '../support/template.js';

const workDir = mkdtempSync(join(tmpdir(), 'lifeboat-concurrency-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

function packageWith(setting: string) {
  const out = join(workDir, `out-${setting}`);
  const result = packageInto(out, { ...process.env, LIFEBOAT_RESERVED_CONCURRENCY: setting });
  return {
    result,
    template: () =>
      JSON.parse(readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8')) as CfnTemplate,
  };
}

const reserved = (template: CfnTemplate, fn: string) =>
  template.Resources[fn]!.Properties?.ReservedConcurrentExecutions;

describe('reserved concurrency of copy, monitor and runbooks', { timeout: PACKAGING_TIMEOUT_MS }, () => {
  it('is 1 by default, so two runs never meet on one snapshot', () => {
    const template = loadTemplate();
    expect(reserved(template, 'CopyLambdaFunction')).toBe(1);
    expect(reserved(template, 'MonitorLambdaFunction')).toBe(1);
    expect(reserved(template, 'RunbooksLambdaFunction')).toBe(1);
  });

  // Lambda refuses a reservation that leaves fewer than 100 unreserved concurrent executions
  // (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html).
  it('is left out with LIFEBOAT_RESERVED_CONCURRENCY=off, for accounts at a low concurrency quota', () => {
    const { result, template } = packageWith('off');
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(reserved(template(), 'CopyLambdaFunction')).toBeUndefined();
    expect(reserved(template(), 'MonitorLambdaFunction')).toBeUndefined();
    expect(reserved(template(), 'RunbooksLambdaFunction')).toBeUndefined();
  });

  it('refuses any other value, naming the variable, before building anything', () => {
    const { result } = packageWith('2');
    expect(result.status).not.toBe(0);
    expect(result.stdout + result.stderr).toContain(
      'LIFEBOAT_RESERVED_CONCURRENCY must be 1 or off, not "2"',
    );
  });
});
