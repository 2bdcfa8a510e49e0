// Values serverless.yml derives from the policy file at package time. Validating here means a bad
// policy fails `serverless package` with the key named, before anything reaches CloudFormation.
const { readFileSync } = require('node:fs');
const { resolve } = require('node:path');
const tsx = require('tsx/cjs/api');

const { parsePolicyFile } = tsx.require('../lib/core/policy/parse.ts', __filename);

function policyPath(options) {
  return resolve(process.cwd(), options.policy || process.env.LIFEBOAT_POLICY_FILE || 'lifeboat.example.yml');
}

function loadPolicyFile(options) {
  const path = policyPath(options);
  return parsePolicyFile(readFileSync(path, 'utf8'), path);
}

/** One EventBridge schedule per policy, with the scheduled time passed on for idempotent ids. */
function schedulesFor(policies, pick) {
  return Object.entries(policies).flatMap(([name, policy]) => {
    const schedule = pick(policy);
    if (!schedule) return [];
    // EventBridge Scheduler (needed for a time zone) has no input transformer; it substitutes the
    // scheduled time into the input itself.
    const event = schedule.timezone
      ? {
          rate: [schedule.expression],
          method: 'scheduler',
          timezone: schedule.timezone,
          input: { policy: name, time: '<aws.scheduler.scheduled-time>' },
        }
      : {
          rate: [schedule.expression],
          inputTransformer: {
            inputPathsMap: { time: '$.time' },
            inputTemplate: `{"policy":"${name}","time":<time>}`,
          },
        };
    return [{ schedule: event }];
  });
}

module.exports = async ({ options }) => {
  const file = loadPolicyFile(options);
  const policies = file.policies;
  return {
    /** The validated policy, compact, handed to every function in LIFEBOAT_POLICY. */
    policyJson: JSON.stringify(file),
    policyNames: Object.keys(policies),
    snapshotSchedules: schedulesFor(policies, (p) => ({ expression: p.schedule, timezone: p.timezone })),
    drRegions: [...new Set(Object.values(policies).flatMap((p) => p.copies.map((c) => c.region)))],
    drAccounts: [
      ...new Set(Object.values(policies).flatMap((p) => p.copies.map((c) => c.account).filter(Boolean))),
    ],
  };
};
