import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { policyFromEnv, requireEnv } from '../../../lib/config/env.js';
import { ConfigError } from '../../../lib/core/errors.js';
import { parsePolicyFile } from '../../../lib/core/policy/file.js';

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
