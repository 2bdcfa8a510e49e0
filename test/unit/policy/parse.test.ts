import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../lib/core/errors.js';
import { parsePolicyFile } from '../../../lib/core/policy/file.js';
import { findPolicy, getPolicy, validatePolicyFile } from '../../../lib/core/policy/parse.js';
import { unencryptedRule } from '../../../lib/core/policy/schema.js';

const example = readFileSync('lifeboat.example.yml', 'utf8');
const minimal = readFileSync('test/fixtures/policies/valid-minimal.yml', 'utf8');

function problemsOf(text: string): string {
  try {
    parsePolicyFile(text, 'test.yml');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected the policy file to be refused');
}

/** The minimal valid file with one line replaced, so each case shows only its own problem. */
function minimalWith(from: string, to: string): string {
  expect(minimal).toContain(from);
  return minimal.replace(from, to);
}

describe('parsePolicyFile', () => {
  it('accepts the shipped example and fills in defaults', () => {
    const file = parsePolicyFile(example);
    const gold = getPolicy(file, 'gold');

    expect(Object.keys(file.policies)).toEqual(['gold', 'silver']);
    expect(gold.retention).toEqual({ daily: 7, weekly: 4, monthly: 12, yearly: 0 });
    expect(gold.copies).toHaveLength(2);
    expect(gold.copies[1]?.account).toBe('222222222222');
    expect(gold.verify?.rowCountTolerancePercent).toBe(5);
    expect(gold.unencryptedSources).toBe('encrypt');
  });

  it('defaults the retention periods a file leaves out', () => {
    const policy = getPolicy(parsePolicyFile(minimal), 'bronze');

    expect(policy.retention).toEqual({ daily: 3, weekly: 4, monthly: 12, yearly: 0 });
    expect(policy.copies).toEqual([]);
    expect(policy.verify).toBeUndefined();
  });

  it.each([
    [
      'a negative retention',
      'retention: { daily: 3 }',
      'retention: { daily: -1 }',
      'policies.bronze.retention.daily: must be 0 or more',
    ],
    [
      'a fractional retention',
      'retention: { daily: 3 }',
      'retention: { daily: 1.5 }',
      'policies.bronze.retention.daily: must be a whole number of days',
    ],
    [
      'a misspelt retention period',
      'retention: { daily: 3 }',
      'retention: { dayly: 3 }',
      'policies.bronze.retention: unknown key "dayly"',
    ],
    [
      'a schedule that is not EventBridge syntax',
      'schedule: rate(12 hours)',
      'schedule: every 12 hours',
      'policies.bronze.schedule: must be an EventBridge expression',
    ],
    [
      'a cron with five fields',
      'schedule: rate(12 hours)',
      'schedule: "cron(0 3 * * *)"',
      'policies.bronze.schedule: must be an EventBridge expression',
    ],
    [
      'an empty tag selector',
      'select: { tags: { team: payments } }',
      'select: { tags: {} }',
      'policies.bronze.select.tags: must name at least one tag',
    ],
    ['a missing RPO', '    rpoMinutes: 1440\n', '', 'policies.bronze.rpoMinutes:'],
    [
      'a zero RTO',
      'rtoMinutes: 480',
      'rtoMinutes: 0',
      'policies.bronze.rtoMinutes: must be a positive number of minutes',
    ],
    [
      'an unknown time zone',
      'rpoMinutes: 1440',
      'rpoMinutes: 1440\n    timezone: Mars/Olympus',
      'policies.bronze.timezone: must be an IANA time zone',
    ],
    ['an upper-case policy name', 'bronze:', 'Bronze:', 'policies.Bronze: policy names are lower-case'],
    ['the policy name "constructor"', 'bronze:', 'constructor:', 'policies.constructor: is a reserved word'],
    ['the policy name "__proto__"', 'bronze:', '__proto__:', 'policies'],
    ['the policy name "toString"', 'bronze:', 'toString:', 'policies.toString: policy names are lower-case'],
    [
      'an RPO of more than 31 days',
      'rpoMinutes: 1440',
      'rpoMinutes: 44641',
      'policies.bronze.rpoMinutes: must be at most 44640',
    ],
    [
      'an RTO of more than 7 days',
      'rtoMinutes: 480',
      'rtoMinutes: 1e9',
      'policies.bronze.rtoMinutes: must be at most 10080',
    ],
  ])('refuses %s, naming the key', (_case, from, to, expected) => {
    expect(problemsOf(minimalWith(from, to))).toContain(expected);
  });

  it('refuses a DR-account copy without a shareable key, and the default aws/rds key', () => {
    const text = minimalWith(
      'retention: { daily: 3 }',
      'retention: { daily: 3 }\n    copies:\n      - { region: eu-west-1, account: "222222222222", kmsKeyId: alias/aws/rds }',
    );
    const problems = problemsOf(text);

    expect(problems).toContain('policies.bronze.copies.0.shareKmsKeyId: is required when account is set');
    expect(problems).toContain('policies.bronze.copies.0.kmsKeyId: must be a customer-managed key');
  });

  it('refuses an account id given as a number, which YAML would otherwise mangle', () => {
    const text = minimalWith(
      'retention: { daily: 3 }',
      'retention: { daily: 3 }\n    copies:\n      - { region: eu-west-1, account: 022222222222, kmsKeyId: alias/dr, shareKmsKeyId: alias/share }',
    );

    expect(problemsOf(text)).toContain('policies.bronze.copies.0.account:');
  });

  it('refuses a role in another account than the copy target', () => {
    const text = minimalWith(
      'retention: { daily: 3 }',
      'retention: { daily: 3 }\n    copies:\n      - { region: eu-west-1, account: "222222222222", roleArn: "arn:aws:iam::333333333333:role/x", kmsKeyId: alias/dr, shareKmsKeyId: alias/share }',
    );

    expect(problemsOf(text)).toContain(
      'policies.bronze.copies.0.roleArn: must be a role in account 222222222222',
    );
  });

  it('takes an external id for a DR account role, and refuses one without an account or with bad characters', () => {
    const copy = (extra: string) =>
      minimalWith(
        'retention: { daily: 3 }',
        `retention: { daily: 3 }\n    copies:\n      - { region: eu-west-1, kmsKeyId: alias/dr${extra} }`,
      );
    const parsed = parsePolicyFile(
      copy(', account: "222222222222", shareKmsKeyId: alias/share, externalId: lifeboat-prod-7f3a'),
      'test.yml',
    );
    expect(Object.values(parsed.policies)[0]?.copies[0]?.externalId).toBe('lifeboat-prod-7f3a');
    expect(problemsOf(copy(', externalId: lifeboat-prod-7f3a'))).toContain(
      'policies.bronze.copies.0.externalId: only makes sense with account',
    );
    expect(
      problemsOf(copy(', account: "222222222222", shareKmsKeyId: alias/share, externalId: "has spaces"')),
    ).toContain('policies.bronze.copies.0.externalId: must be 2 to 1224');
  });

  it('refuses encrypting the copies of unencrypted Aurora clusters, which RDS cannot do, naming what to choose', () => {
    const problems = problemsOf(
      minimalWith(
        'retention: { daily: 3 }',
        'retention: { daily: 3 }\n    unencryptedSources: { instances: encrypt, clusters: encrypt }',
      ),
    );

    expect(problems).toContain('policies.bronze.unencryptedSources.clusters: cannot be "encrypt"');
    expect(problems).toMatch(/"refuse" or "copy-unencrypted"/);
  });

  it('refuses an unencryptedSources that is none of its forms', () => {
    expect(
      problemsOf(
        minimalWith('retention: { daily: 3 }', 'retention: { daily: 3 }\n    unencryptedSources: allow'),
      ),
    ).toContain('policies.bronze.unencryptedSources: must be "encrypt", "refuse", or {');
  });

  it('reads unencryptedSources per kind, clusters refused unless copied unencrypted on purpose', () => {
    const file = parsePolicyFile(
      minimalWith(
        'retention: { daily: 3 }',
        'retention: { daily: 3 }\n    unencryptedSources: { clusters: copy-unencrypted }',
      ),
    );
    const setting = getPolicy(file, 'bronze').unencryptedSources;

    expect(setting).toEqual({ instances: 'encrypt', clusters: 'copy-unencrypted' });
    expect([unencryptedRule(setting, 'instance'), unencryptedRule(setting, 'cluster')]).toEqual([
      'encrypt',
      'copy-unencrypted',
    ]);
    expect([unencryptedRule('encrypt', 'instance'), unencryptedRule('encrypt', 'cluster')]).toEqual([
      'encrypt',
      'cannot-encrypt',
    ]);
    expect(unencryptedRule('refuse', 'cluster')).toBe('refuse');
  });

  it('reports every problem at once', () => {
    const text = minimalWith('rtoMinutes: 480', 'rtoMinutes: -5').replace('daily: 3', 'daily: -3');
    const problems = problemsOf(text)
      .split('\n')
      .filter((line) => line.startsWith('  - '));

    expect(problems).toHaveLength(2);
  });

  it('refuses YAML that does not parse, with the file named', () => {
    expect(problemsOf('policies:\n  gold: [unclosed')).toMatch(/^test\.yml: not valid YAML/);
  });

  it('refuses duplicate keys, which YAML would otherwise silently merge', () => {
    expect(problemsOf(`${minimal}  bronze:\n    schedule: rate(1 hour)\n`)).toContain('not valid YAML');
  });

  it('refuses a "constructor" policy given as JSON too, where the key is an own property', () => {
    expect(() => validatePolicyFile(JSON.parse(JSON.stringify({ policies: { constructor: {} } })))).toThrow(
      /policies\.constructor: is a reserved word/,
    );
    expect(() => validatePolicyFile(JSON.parse('{"policies":{"__proto__":{}}}'))).toThrow(ConfigError);
  });

  it('finds no policy for a name that only Object.prototype has', () => {
    const file = parsePolicyFile(minimal);
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']) {
      expect(findPolicy(file, name)).toBeUndefined();
      expect(() => getPolicy(file, name)).toThrow(`unknown policy "${name}"`);
    }
  });

  it('refuses a file that is not UTF-8, and a YAML alias bomb, with the file named', () => {
    expect(() => parsePolicyFile(Buffer.from([0x70, 0x6f, 0xc3, 0x28]), 'test.yml')).toThrow(
      'test.yml: not UTF-8 text (invalid byte 0xc3 at offset 2); save it as UTF-8',
    );
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'policies: *c',
    ];
    expect(problemsOf(bomb.join('\n'))).toMatch(/^test\.yml: not a usable YAML file: .*aliases/);
    expect(parsePolicyFile(Buffer.from(minimal, 'utf8')).policies.bronze).toBeDefined();
  });

  it('refuses a file with no policies', () => {
    expect(problemsOf('policies: {}')).toContain('policies: must define at least one policy');
  });

  it('names the policies a file has when asked for an unknown one', () => {
    expect(() => getPolicy(parsePolicyFile(example), 'platinum')).toThrow(
      'unknown policy "platinum"; the policy file defines: gold, silver',
    );
  });
});

describe('verify table keys in a policy file', () => {
  const withVerify = (exclude: string) =>
    minimalWith(
      'retention: { daily: 3 }',
      `retention: { daily: 3 }\n    verify:\n      instanceClass: db.t4g.medium\n      databases: [app]\n      exclude: [${exclude}]\n      expectations: [{ table: 'app/public."a.b"', minRows: 1 }]`,
    );

  it('accepts keys whose identifiers are double-quoted, as fingerprints write them', () => {
    const policy = getPolicy(
      parsePolicyFile(withVerify(`'public."a.b"', '"public.a".b', audit.log_2024`)),
      'bronze',
    );
    expect(policy.verify?.exclude).toEqual(['public."a.b"', '"public.a".b', 'audit.log_2024']);
  });

  it('refuses an ambiguous or malformed key, naming it', () => {
    expect(problemsOf(withVerify('public.a.b'))).toContain(
      'policies.bronze.verify.exclude.0: table "public.a.b" is not one table',
    );
    expect(problemsOf(withVerify(`'public."a'`))).toContain('table "public."a" has an unclosed quote');
  });
});
