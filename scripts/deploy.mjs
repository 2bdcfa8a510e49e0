#!/usr/bin/env node
// `npm run deploy -- --stage prod`: deploys with the operator's own policy file. The example file
// names made-up accounts and keys, so a deploy never falls back to it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { basename } from 'node:path';

const policyFile =
  process.env.LIFEBOAT_POLICY_FILE ?? (existsSync('lifeboat.yml') ? 'lifeboat.yml' : undefined);
if (!policyFile || basename(policyFile) === 'lifeboat.example.yml') {
  console.error(
    'npm run deploy: no policy file. Copy lifeboat.example.yml to lifeboat.yml and edit it, ' +
      'or set LIFEBOAT_POLICY_FILE to yours.',
  );
  process.exit(2);
}
const result = spawnSync('npx', ['--no-install', 'serverless', 'deploy', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, LIFEBOAT_POLICY_FILE: policyFile },
});
process.exit(result.status ?? 1);
