import { SFNClient } from '@aws-sdk/client-sfn';
import { SfnVerificationStarter } from '../../../lib/adapters/aws/sfn-starter.js';
import { requireEnv } from '../../../lib/config/env.js';
import type { StepAdapter } from '../deps.js';

/** One child execution per database of a scheduled policy run. */
export const executionStarter: StepAdapter = ({ region, env }) => ({
  starter: new SfnVerificationStarter(
    new SFNClient({ region }),
    requireEnv('LIFEBOAT_RESTORE_VERIFY_ARN', env),
  ),
});
