import { executionStarter } from './adapters/sfn.js';
import { restoreStepHandler } from './deps.js';

export const handler = restoreStepHandler('StartDatabaseVerifications', [executionStarter]);
