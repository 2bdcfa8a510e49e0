import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../lib/core/errors.js';
import { checkHomeRegion, homeRegionProblems } from '../../../lib/core/policy/home-region.js';
import { validatePolicyFile } from '../../../lib/core/policy/parse.js';
import { goldPolicyFile } from '../../support/policies.js';

const SHARE_KEY = 'arn:aws:kms:us-east-1:111111111111:key/66666666-7777-8888-9999-000000000000';
const EU_SHARE_KEY = 'arn:aws:kms:eu-west-1:111111111111:key/77777777-8888-9999-0000-111111111111';
const DR_KEY = 'arn:aws:kms:eu-west-1:222222222222:key/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const drTarget = { region: 'eu-west-1', account: '222222222222', shareKmsKeyId: SHARE_KEY, kmsKeyId: DR_KEY };

describe('homeRegionProblems', () => {
  it('asks a DR account in another region for a key of this account in that region, naming the key', () => {
    const file = goldPolicyFile({ copies: [drTarget] });

    expect(homeRegionProblems(file, 'us-east-1')).toEqual([
      expect.stringMatching(
        /^policies\.gold\.copies\.0\.targetShareKmsKeyId: is required for a DR account in eu-west-1 while Lifeboat runs in us-east-1: Aurora copies a cluster snapshot across regions and accounts only in two steps/,
      ),
    ]);
    expect(() => checkHomeRegion(file, 'us-east-1')).toThrow(ConfigError);
  });

  it('accepts a DR account in another region with its target share key, and one in the home region without', () => {
    const file = goldPolicyFile({
      copies: [
        { ...drTarget, targetShareKmsKeyId: EU_SHARE_KEY },
        { ...drTarget, region: 'us-east-1', kmsKeyId: 'alias/dr' },
        { region: 'eu-west-1', kmsKeyId: 'alias/eu' },
      ],
    });

    expect(homeRegionProblems(file, 'us-east-1')).toEqual([]);
  });

  it('refuses a source share key of another region, and a target share key where the source one serves', () => {
    const file = goldPolicyFile({
      copies: [{ ...drTarget, region: 'us-east-1', targetShareKmsKeyId: 'alias/x' }],
    });

    expect(homeRegionProblems(file, 'eu-central-1')).toEqual([
      expect.stringMatching(
        /copies\.0\.shareKmsKeyId: is a key in us-east-1, but snapshots are shared from eu-central-1/,
      ),
    ]);
    expect(homeRegionProblems(file, 'us-east-1')).toEqual([
      expect.stringMatching(
        /copies\.0\.targetShareKmsKeyId: only makes sense for a DR account in another region/,
      ),
    ]);
  });
});

describe('targetShareKmsKeyId in the schema', () => {
  const fileWith = (target: object) => ({
    policies: {
      gold: {
        select: { tags: { tier: 'gold' } },
        schedule: 'rate(1 hour)',
        rpoMinutes: 60,
        rtoMinutes: 60,
        retention: { daily: 2 },
        copies: [target],
      },
    },
  });

  it('refuses a key ARN of another region than the target, since KMS keys are regional', () => {
    expect(() => validatePolicyFile(fileWith({ ...drTarget, targetShareKmsKeyId: SHARE_KEY }))).toThrow(
      'policies.gold.copies.0.targetShareKmsKeyId: is a key in us-east-1, but must be one in eu-west-1',
    );
  });

  it('refuses it without account, and the default aws/rds key', () => {
    expect(() =>
      validatePolicyFile(
        fileWith({ region: 'eu-west-1', kmsKeyId: 'alias/eu', targetShareKmsKeyId: EU_SHARE_KEY }),
      ),
    ).toThrow('policies.gold.copies.0.targetShareKmsKeyId: only makes sense with account');
    expect(() => validatePolicyFile(fileWith({ ...drTarget, targetShareKmsKeyId: 'alias/aws/rds' }))).toThrow(
      /targetShareKmsKeyId: must be a customer-managed key/,
    );
  });
});
