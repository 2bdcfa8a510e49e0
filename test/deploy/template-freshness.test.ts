import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { templateIsStale } from '../support/template.js';

const root = mkdtempSync(join(tmpdir(), 'lifeboat-template-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const at = (path: string, seconds: number) => utimesSync(join(root, path), seconds, seconds);

describe('the packaged template the deploy tests read', () => {
  it('is packaged again when missing or older than any file it is built from', () => {
    mkdirSync(join(root, '.serverless'));
    mkdirSync(join(root, 'deploy', 'functions'), { recursive: true });
    writeFileSync(join(root, 'serverless.yml'), 'service: lifeboat\n');
    writeFileSync(join(root, 'deploy', 'functions', 'restore.yml'), '{}\n');
    expect(templateIsStale(root)).toBe(true);

    writeFileSync(join(root, '.serverless', 'cloudformation-template-update-stack.json'), '{}');
    at('serverless.yml', 1_000);
    at('deploy/functions/restore.yml', 1_000);
    at('deploy/functions', 1_000);
    at('deploy', 1_000);
    at('.serverless/cloudformation-template-update-stack.json', 2_000);
    expect(templateIsStale(root)).toBe(false);

    // An IAM statement edited after packaging: the template no longer says what the yml does.
    at('deploy/functions/restore.yml', 3_000);
    expect(templateIsStale(root)).toBe(true);
  });
});
