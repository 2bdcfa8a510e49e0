import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const workDir = mkdtempSync(join(tmpdir(), 'lifeboat-package-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

function packageWith(policyText: string) {
  const policyFile = join(workDir, 'policy.yml');
  writeFileSync(policyFile, policyText);
  const env: NodeJS.ProcessEnv = { ...process.env, LIFEBOAT_POLICY_FILE: policyFile };
  delete env.AWS_PROFILE;
  return spawnSync('npx', ['--no-install', 'serverless', 'package', '--package', join(workDir, 'out')], {
    env,
    encoding: 'utf8',
  });
}

describe('serverless package', () => {
  it('fails on an invalid policy file, naming the key, before building anything', () => {
    const result = packageWith(
      [
        'policies:',
        '  gold:',
        '    select: { tags: { tier: gold } }',
        '    schedule: rate(1 hour)',
        '    rpoMinutes: 60',
        '    rtoMinutes: 60',
        '    retention: { daily: -2 }',
        '',
      ].join('\n'),
    );
    const output = result.stdout + result.stderr;

    expect(result.status).not.toBe(0);
    expect(output).toContain('policies.gold.retention.daily: must be 0 or more');
    expect(output).not.toMatch(/\n\s+at /);
  });

  it('fails on a policy file that does not exist, naming it', () => {
    const env = { ...process.env, LIFEBOAT_POLICY_FILE: join(workDir, 'missing.yml') };
    const result = spawnSync(
      'npx',
      ['--no-install', 'serverless', 'package', '--package', join(workDir, 'out2')],
      {
        env,
        encoding: 'utf8',
      },
    );

    expect(result.status).not.toBe(0);
    expect(result.stdout + result.stderr).toContain(`policy file ${join(workDir, 'missing.yml')} not found`);
  });
});
