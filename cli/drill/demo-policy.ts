import { validatePolicyFile } from '../../lib/core/policy/parse.js';
import type { PolicyFile } from '../../lib/core/policy/schema.js';
import { DATABASE, DR, POLICY, PRIMARY } from './context.js';

/**
 * The demo policy, validated by the same schema as a real policy file. Keys are made per drill, so
 * the policy is built here rather than read from a file.
 */
export function demoPolicy(shareKeyArn: string, drKeyArn: string): PolicyFile {
  return validatePolicyFile(
    {
      policies: {
        [POLICY]: {
          select: { tags: { 'lifeboat:policy': POLICY } },
          schedule: 'cron(0 */6 * * ? *)',
          rpoMinutes: 360,
          rtoMinutes: 30,
          retention: { daily: 3, weekly: 2, monthly: 1, yearly: 0 },
          copies: [
            {
              region: DR.region,
              account: DR.account,
              roleArn: `arn:aws:iam::${DR.account}:role/lifeboat-dr-copy`,
              kmsKeyId: drKeyArn,
              shareKmsKeyId: shareKeyArn,
              retention: { daily: 2, weekly: 1, monthly: 0, yearly: 0 },
              // The regional-outage phase fails over here (the local engine ignores the class).
              failover: { instanceClass: 'db.t4g.medium' },
            },
          ],
          verify: {
            instanceClass: 'db.t4g.medium',
            databases: [DATABASE],
            // A restore of the same snapshot must match exactly; no tolerance needed.
            rowCountTolerancePercent: 0,
          },
        },
      },
    },
    'the drill policy',
  );
}

/**
 * The policy file of the drill's DR site (in the stand-in DR account): the demo policy with its
 * `site` section and the target's own verify settings (lib/core/policy/site.ts).
 */
export function demoDrSitePolicy(policies: PolicyFile): PolicyFile {
  const policy = policies.policies[POLICY]!;
  return validatePolicyFile(
    {
      site: { kind: 'dr', region: DR.region, account: DR.account, primary: PRIMARY },
      policies: {
        [POLICY]: {
          ...policy,
          copies: policy.copies.map((copy) => ({
            ...copy,
            verify: { subnetGroup: 'lifeboat-dr-scratch', instanceClass: 'db.t4g.medium' },
          })),
        },
      },
    },
    'the drill DR site policy',
  );
}
