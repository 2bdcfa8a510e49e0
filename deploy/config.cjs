// Values serverless.yml derives from the policy file at package time. Validating here means a bad
// policy fails `serverless package` with the key named, before anything reaches CloudFormation.
const { readFileSync } = require('node:fs');
const { resolve } = require('node:path');
const tsx = require('tsx/cjs/api');

const { parsePolicyFile } = tsx.require('../lib/core/policy/parse.ts', __filename);

function policyPath() {
  return resolve(process.cwd(), process.env.LIFEBOAT_POLICY_FILE || 'lifeboat.example.yml');
}

function loadPolicyFile() {
  const path = policyPath();
  try {
    return parsePolicyFile(readFileSync(path, 'utf8'), path);
  } catch (error) {
    // Serverless prints a variable source's stack; the problem list is what the operator needs.
    const plain = new Error(error.code === 'ENOENT' ? `policy file ${path} not found` : error.message);
    plain.stack = plain.message;
    throw plain;
  }
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

module.exports = async () => {
  const file = loadPolicyFile();
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
