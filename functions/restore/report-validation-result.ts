import { awsBackupJobs } from './adapters/backup.js';
import { restoreStepHandler } from './deps.js';

export const handler = restoreStepHandler('ReportValidationResult', [awsBackupJobs]);
