import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../lib/core/errors.js';
import { getPolicy, validatePolicyFile } from '../../../lib/core/policy/parse.js';
import { pointInTimeRefusal, replicaKeyOf } from '../../../lib/core/policy/point-in-time.js';

const DR_KEY = 'arn:aws:kms:eu-west-1:111111111111:key/11111111-2222-3333-4444-555555555555';

function fileWith(target: Record<string, unknown>, policy: Record<string, unknown> = {}) {
  return {
    policies: {
      gold: {
        select: { tags: { 'lifeboat:policy': 'gold' } },
        schedule: 'rate(6 hours)',
        rpoMinutes: 30,
        rtoMinutes: 120,
        retention: {},
        copies: [{ region: 'eu-west-1', kmsKeyId: DR_KEY, ...target }],
        ...policy,
      },
    },
  };
}

function problemsOf(value: unknown): string {
  try {
    validatePolicyFile(value, 'test.yml');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected the policy file to be refused');
}

describe('copies[].pointInTime', () => {
  it("takes the retention and, without a key of its own, replicates under the target's key", () => {
    const gold = getPolicy(validatePolicyFile(fileWith({ pointInTime: { retentionDays: 14 } })), 'gold');
    const target = gold.copies[0]!;

    expect(target.pointInTime).toEqual({ retentionDays: 14 });
    expect(replicaKeyOf({ ...target, pointInTime: target.pointInTime! })).toBe(DR_KEY);
  });

  it('prefers its own key, in the target region', () => {
    const own = 'arn:aws:kms:eu-west-1:111111111111:key/99999999-2222-3333-4444-555555555555';
    const gold = getPolicy(
      validatePolicyFile(fileWith({ pointInTime: { retentionDays: 7, kmsKeyId: own } })),
      'gold',
    );
    const target = gold.copies[0]!;

    expect(replicaKeyOf({ ...target, pointInTime: target.pointInTime! })).toBe(own);
  });

  it.each([
    [0, 'policies.gold.copies.0.pointInTime.retentionDays: must be at least 1 day'],
    [36, 'policies.gold.copies.0.pointInTime.retentionDays: must be at most 35 days'],
    [1.5, 'policies.gold.copies.0.pointInTime.retentionDays: must be a whole number of days from 1 to 35'],
    ['7', 'policies.gold.copies.0.pointInTime.retentionDays: must be a whole number of days from 1 to 35'],
  ])('refuses a retention of %j days', (retentionDays, message) => {
    expect(problemsOf(fileWith({ pointInTime: { retentionDays } }))).toContain(message);
  });

  it('refuses an unknown key, and a missing retention', () => {
    expect(problemsOf(fileWith({ pointInTime: { retentionDays: 7, window: 3 } }))).toContain(
      'policies.gold.copies.0.pointInTime: unknown key "window"',
    );
    expect(problemsOf(fileWith({ pointInTime: {} }))).toContain(
      'policies.gold.copies.0.pointInTime.retentionDays: must be a whole number of days',
    );
  });

  it('refuses a DR-account target, saying to add a same-account target in the DR region instead', () => {
    const message = problemsOf(
      fileWith({
        account: '222222222222',
        shareKmsKeyId: 'arn:aws:kms:us-east-1:111111111111:key/66666666-7777-8888-9999-000000000000',
        pointInTime: { retentionDays: 7 },
      }),
    );

    expect(message).toContain('policies.gold.copies.0.pointInTime: cannot be used with account');
    expect(message).toContain('Add a copy target in the DR region without account, with pointInTime');
    expect(message).toContain('the copy interval');
  });

  it("refuses a key in another region than the target's, and a key that is not an ARN", () => {
    expect(
      problemsOf(
        fileWith({
          pointInTime: {
            retentionDays: 7,
            kmsKeyId: 'arn:aws:kms:us-east-1:111111111111:key/99999999-2222-3333-4444-555555555555',
          },
        }),
      ),
    ).toContain(
      'policies.gold.copies.0.pointInTime.kmsKeyId: the key arn:aws:kms:us-east-1:111111111111:key/99999999-2222-3333-4444-555555555555 is in us-east-1, but must be one in eu-west-1',
    );
    expect(problemsOf(fileWith({ pointInTime: { retentionDays: 7, kmsKeyId: 'alias/dr' } }))).toContain(
      'policies.gold.copies.0.pointInTime.kmsKeyId: must be the ARN of a KMS key',
    );
    // The target's own key may be an alias for snapshot copies, but not for replicated backups.
    expect(problemsOf(fileWith({ kmsKeyId: 'alias/dr', pointInTime: { retentionDays: 7 } }))).toContain(
      "policies.gold.copies.0.pointInTime.kmsKeyId: is required: the target's kmsKeyId (alias/dr) is not a key ARN",
    );
  });

  it('refuses Aurora clusters at run time, naming the global database and cross-region replicas', () => {
    expect(pointInTimeRefusal('instance')).toBeUndefined();
    expect(pointInTimeRefusal('cluster')).toMatch(
      /copy interval.*Aurora global database.*cross-region Aurora read replica/,
    );
  });
});

describe('minimumBackupRetentionDays', () => {
  it('defaults to 7 days', () => {
    expect(getPolicy(validatePolicyFile(fileWith({})), 'gold').minimumBackupRetentionDays).toBe(7);
  });

  it.each([
    [0, 'must be at least 1 day: 0 turns automated backups off'],
    [36, 'must be at most 35 days'],
    [2.5, 'must be a whole number of days from 1 to 35'],
  ])('refuses %j', (days, message) => {
    expect(problemsOf(fileWith({}, { minimumBackupRetentionDays: days }))).toContain(
      `policies.gold.minimumBackupRetentionDays: ${message}`,
    );
  });
});
