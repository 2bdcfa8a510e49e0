import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MAX_POLICY_ENV_BYTES, policyForEnv, policyFromEnv, requireEnv } from '../../../lib/config/env.js';
import { ConfigError } from '../../../lib/core/errors.js';
import { parsePolicyFile } from '../../../lib/core/policy/file.js';
import { validatePolicyFile } from '../../../lib/core/policy/parse.js';

describe('requireEnv', () => {
  it('returns a set variable', () => {
    expect(requireEnv('LIFEBOAT_TOPIC_ARN', { LIFEBOAT_TOPIC_ARN: 'arn:aws:sns:us-east-1:1:t' })).toBe(
      'arn:aws:sns:us-east-1:1:t',
    );
  });

  it('names a missing or empty variable', () => {
    expect(() => requireEnv('LIFEBOAT_TOPIC_ARN', {})).toThrow(ConfigError);
    expect(() => requireEnv('LIFEBOAT_TOPIC_ARN', { LIFEBOAT_TOPIC_ARN: '' })).toThrow(
      'environment variable LIFEBOAT_TOPIC_ARN is not set',
    );
  });
});

describe('policyFromEnv', () => {
  it('refuses a copy target in the region the function runs in, of its own account, naming it', () => {
    const file = parsePolicyFile(readFileSync('lifeboat.example.yml', 'utf8'));
    const region = file.policies.gold!.copies[0]!.region;
    const env = { LIFEBOAT_POLICY: JSON.stringify(file) };

    expect(() => policyFromEnv({ ...env, AWS_REGION: region })).toThrow(
      new RegExp(`policies\\.gold\\.copies\\.0\\.region: is ${region}, the region Lifeboat runs in`),
    );
    // Another region, or the same region in a DR account, is a real copy.
    expect(policyFromEnv({ ...env, AWS_REGION: 'us-east-1' })).toEqual(file);
    const inAccount = file.policies.gold!.copies.find((c) => c.account)!;
    expect(() => policyFromEnv({ ...env, AWS_REGION: inAccount.region })).toThrow(/copies\.0\.region/);
    expect(() => policyFromEnv({ ...env, AWS_REGION: inAccount.region })).not.toThrow(/copies\.1\.region/);
  });

  it('reads back the policy that packaging put in LIFEBOAT_POLICY', () => {
    const file = parsePolicyFile(readFileSync('lifeboat.example.yml', 'utf8'));

    expect(policyFromEnv({ LIFEBOAT_POLICY: JSON.stringify(file) })).toEqual(file);
  });

  it('refuses a policy that is not JSON, or is invalid, naming the variable and the key', () => {
    expect(() => policyFromEnv({ LIFEBOAT_POLICY: '{' })).toThrow('LIFEBOAT_POLICY is not valid JSON');
    expect(() => policyFromEnv({ LIFEBOAT_POLICY: JSON.stringify({ policies: { gold: {} } }) })).toThrow(
      /LIFEBOAT_POLICY is invalid:\n.*policies\.gold\.select/,
    );
  });
});

/** `count` policies as different as a platform team's: own tags, schedules, targets and keys. */
function policies(count: number) {
  return validatePolicyFile({
    policies: Object.fromEntries(
      Array.from({ length: count }, (_, i) => [
        `team-${i}`,
        {
          select: { tags: { team: `team-${i}`, backup: ['gold', 'silver', 'bronze'][i % 3]! } },
          schedule: `cron(${i % 60} ${i % 24} * * ? *)`,
          rpoMinutes: 60 * (1 + (i % 24)),
          rtoMinutes: 30 * (1 + (i % 8)),
          retention: { daily: 7 + (i % 7), weekly: 4, monthly: 12 - (i % 6) },
          copies: [
            {
              region: ['eu-west-1', 'us-west-2', 'ap-southeast-2'][i % 3]!,
              kmsKeyId: `arn:aws:kms:eu-west-1:111111111111:key/${String(i).padStart(8, '0')}-2222-3333-4444-555555555555`,
            },
          ],
          verify: {
            schedule: `cron(0 ${i % 24} ? * SUN *)`,
            instanceClass: 'db.t4g.medium',
            databases: ['app'],
          },
        },
      ]),
    ),
  });
}

describe('policyForEnv', () => {
  it('keeps a small policy file as plain JSON, readable in the Lambda console', () => {
    const file = parsePolicyFile(readFileSync('lifeboat.example.yml', 'utf8'));

    expect(policyForEnv(file)).toBe(JSON.stringify(file));
  });

  it('gzips a large one under the limit, and reads it back the same', () => {
    const file = policies(12);
    expect(JSON.stringify(file).length).toBeGreaterThan(MAX_POLICY_ENV_BYTES);

    const value = policyForEnv(file);

    expect(value).toMatch(/^gzip:/);
    expect(value.length).toBeLessThanOrEqual(MAX_POLICY_ENV_BYTES);
    expect(policyFromEnv({ LIFEBOAT_POLICY: value })).toEqual(file);
  });

  it('refuses, at package time, a policy file too large even compressed, with its sizes', () => {
    expect(() => policyForEnv(policies(200))).toThrow(
      /the policy file is \d+ bytes as JSON and \d+ compressed, over the 3072 bytes/,
    );
  });

  it('names a compressed value that is not gzip', () => {
    expect(() => policyFromEnv({ LIFEBOAT_POLICY: 'gzip:bm90IGd6aXA=' })).toThrow(
      'LIFEBOAT_POLICY is not valid gzip and base64',
    );
  });
});
