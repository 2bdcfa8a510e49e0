#!/usr/bin/env node
// `npm run package`: builds the CloudFormation template and every function's bundle with no AWS
// credentials and no login, then lints the template. Part of `npm test`.
import { spawnSync } from 'node:child_process';

const env = { ...process.env };
// Packaging must not depend on an account: drop whatever credentials the shell has.
for (const name of ['AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'])
  delete env[name];
env.AWS_SDK_LOAD_CONFIG = '0';
env.SLS_TELEMETRY_DISABLED = '1';
env.SLS_NOTIFICATIONS_MODE = 'off';

function run(command, args) {
  const result = spawnSync(command, args, { stdio: 'inherit', env });
  if (result.error) {
    console.error(`${command}: ${result.error.message}`);
    process.exit(2);
  }
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const extra = process.argv.slice(2);
run('npx', ['--no-install', 'serverless', 'package', ...extra]);
// W3005 (redundant DependsOn) is produced by serverless-iam-roles-per-function and the step
// functions plugin in generated roles; it is a style warning about CloudFormation's own ordering,
// not a fault in the template.
run('cfn-lint', ['--ignore-checks', 'W3005', '--', '.serverless/cloudformation-template-update-stack.json']);
console.log('cfn-lint: no errors in .serverless/cloudformation-template-update-stack.json');
