import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerCredentials } from '../../../lib/adapters/aws/scratch-credentials.js';
import { requireEnv } from '../../../lib/config/env.js';
import type { StepAdapter } from '../deps.js';

/** The scratch instance's master password, derived from the stack's key secret. */
export const scratchPasswords: StepAdapter = ({ region, env }) => ({
  credentials: new SecretsManagerCredentials({
    client: new SecretsManagerClient({ region }),
    passwordKeySecretArn: requireEnv('LIFEBOAT_SCRATCH_PASSWORD_KEY', env),
  }),
});
