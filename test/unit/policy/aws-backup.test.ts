import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../lib/core/errors.js';
import { policyValidatingPlan } from '../../../lib/core/policy/aws-backup.js';
import { validatePolicyFile } from '../../../lib/core/policy/parse.js';

const VERIFY = { instanceClass: 'db.t4g.medium', databases: ['app'] };

function policy(overrides: Record<string, unknown>) {
  return {
    select: { tags: { 'lifeboat:policy': 'gold' } },
    schedule: 'cron(0 */6 * * ? *)',
    rpoMinutes: 360,
    rtoMinutes: 120,
    retention: { daily: 7 },
    verify: VERIFY,
    ...overrides,
  };
}

function problemsOf(file: unknown): string {
  try {
    validatePolicyFile(file, 'test.yml');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected the policy file to be refused');
}

describe('policy awsBackup', () => {
  it('names the restore testing plans and, optionally, selections a policy validates', () => {
    const file = validatePolicyFile({
      policies: {
        gold: policy({
          awsBackup: {
            restoreTesting: [{ plan: 'weekly_rds' }, { plan: 'daily_aurora', selections: ['ledger-sel'] }],
          },
        }),
        silver: policy({ select: { tags: { 'lifeboat:policy': 'silver' } } }),
      },
    });

    expect(policyValidatingPlan(file, 'daily_aurora')).toEqual({
      policy: 'gold',
      entry: { plan: 'daily_aurora', selections: ['ledger-sel'] },
    });
    expect(policyValidatingPlan(file, 'weekly_rds')?.policy).toBe('gold');
    expect(policyValidatingPlan(file, 'monthly_rds')).toBeUndefined();
  });

  it('refuses a plan name AWS Backup could not have, with its key', () => {
    expect(
      problemsOf({ policies: { gold: policy({ awsBackup: { restoreTesting: [{ plan: 'weekly-rds' }] } }) } }),
    ).toContain('policies.gold.awsBackup.restoreTesting.0.plan: must be a restore testing plan name');
  });

  it('refuses a misspelt key rather than validating every plan', () => {
    expect(
      problemsOf({
        policies: { gold: policy({ awsBackup: { restoreTesting: [{ plan: 'weekly', selection: ['a'] }] } }) },
      }),
    ).toContain('policies.gold.awsBackup.restoreTesting.0: unknown key "selection"');
  });

  it('needs the verify settings that say what to fingerprint', () => {
    expect(
      problemsOf({
        policies: {
          gold: policy({ verify: undefined, awsBackup: { restoreTesting: [{ plan: 'weekly' }] } }),
        },
      }),
    ).toContain('policies.gold.awsBackup: needs a verify section');
  });

  it('refuses one plan validated by two policies', () => {
    expect(
      problemsOf({
        policies: {
          gold: policy({ awsBackup: { restoreTesting: [{ plan: 'weekly' }] } }),
          silver: policy({ awsBackup: { restoreTesting: [{ plan: 'weekly' }] } }),
        },
      }),
    ).toContain(
      'policies.silver.awsBackup.restoreTesting.0.plan: restore testing plan "weekly" is already validated by policy "gold"',
    );
  });
});
