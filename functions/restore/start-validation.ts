import { awsBackupJobs } from './adapters/backup.js';
import { rdsSites } from './adapters/rds.js';
import { restoreStepHandler } from './deps.js';

export const handler = restoreStepHandler('StartValidation', [rdsSites, awsBackupJobs]);
