import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { policyFromEnv } from '../../lib/config/env.js';
import { afterAll, describe, expect, it } from 'vitest';
import { packageInto } from '../support/template.js';

const workDir = mkdtempSync(join(tmpdir(), 'lifeboat-package-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

function packageWith(policyText: string) {
  const policyFile = join(workDir, 'policy.yml');
  writeFileSync(policyFile, policyText);
  return packageInto(join(workDir, 'out'), { ...process.env, LIFEBOAT_POLICY_FILE: policyFile });
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

  it('fails on encrypting the copies of unencrypted Aurora clusters, which RDS cannot do, before building anything', () => {
    const result = packageWith(
      [
        'policies:',
        '  gold:',
        '    select: { tags: { tier: gold } }',
        '    schedule: rate(1 hour)',
        '    rpoMinutes: 60',
        '    rtoMinutes: 60',
        '    retention: { daily: 2 }',
        '    unencryptedSources: { clusters: encrypt }',
        '',
      ].join('\n'),
    );
    const output = result.stdout + result.stderr;

    expect(result.status).not.toBe(0);
    expect(output).toContain('policies.gold.unencryptedSources.clusters: cannot be "encrypt"');
  });

  it('fails on copies that cannot work from the home region (a DR account without a key there, a copy to itself), before building anything', () => {
    const result = packageWith(
      [
        'policies:',
        '  gold:',
        '    select: { tags: { tier: gold } }',
        '    schedule: rate(1 hour)',
        '    rpoMinutes: 60',
        '    rtoMinutes: 60',
        '    retention: { daily: 2 }',
        '    copies:',
        '      - region: eu-west-1',
        '        account: "222222222222"',
        '        shareKmsKeyId: arn:aws:kms:us-east-1:111111111111:key/66666666-7777-8888-9999-000000000000',
        '        kmsKeyId: arn:aws:kms:eu-west-1:222222222222:key/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
        '      - region: us-east-1',
        '        kmsKeyId: alias/lifeboat-copies',
        '',
      ].join('\n'),
    );
    const output = result.stdout + result.stderr;

    expect(result.status).not.toBe(0);
    expect(output).toContain(
      'policies.gold.copies.0.targetShareKmsKeyId: is required for a DR account in eu-west-1 while Lifeboat runs in us-east-1',
    );
    expect(output).toContain(
      'policies.gold.copies.1.region: is us-east-1, the region Lifeboat runs in, in the same account',
    );
    expect(output).not.toMatch(/\n\s+at /);
  });

  it('fails on a policy file that does not exist, naming it', () => {
    const result = packageInto(join(workDir, 'out2'), {
      ...process.env,
      LIFEBOAT_POLICY_FILE: join(workDir, 'missing.yml'),
    });

    expect(result.status).not.toBe(0);
    expect(result.stdout + result.stderr).toContain(`policy file ${join(workDir, 'missing.yml')} not found`);
  });

  /** A policy file (JSON is YAML) of `count` policies, each with its own key: hard to compress. */
  function manyPolicies(count: number): string {
    const policy = (i: number) => ({
      select: { tags: { team: `team-${i}` } },
      schedule: 'rate(1 day)',
      rpoMinutes: 1440,
      rtoMinutes: 120,
      retention: { daily: 7 },
      copies: [{ region: 'eu-west-1', kmsKeyId: randomUUID() }],
    });
    return JSON.stringify({
      policies: Object.fromEntries(Array.from({ length: count }, (_, i) => [`team-${i}`, policy(i)])),
    });
  }

  it('hands a large policy file to the functions gzipped, and refuses one too large even so', async () => {
    const policyFile = join(workDir, 'many.yml');
    const config = async (count: number) => {
      writeFileSync(policyFile, manyPolicies(count));
      process.env.LIFEBOAT_POLICY_FILE = policyFile;
      try {
        const load = createRequire(import.meta.url)('../../deploy/config.cjs') as () => Promise<{
          policyJson: string;
        }>;
        return await load();
      } finally {
        delete process.env.LIFEBOAT_POLICY_FILE;
      }
    };

    const { policyJson } = await config(12);
    expect(policyJson).toMatch(/^gzip:/);
    expect(Object.keys(policyFromEnv({ LIFEBOAT_POLICY: policyJson }).policies)).toHaveLength(12);

    const result = packageWith(manyPolicies(200));
    expect(result.status).not.toBe(0);
    expect(result.stdout + result.stderr).toMatch(/\d+ compressed, over the 3072 bytes/);
    expect(result.stdout + result.stderr).not.toMatch(/\n\s+at /);
  });
});
