import { BackupClient } from '@aws-sdk/client-backup';
import { BackupRestoreJobs } from '../../../lib/adapters/aws/backup-restore-jobs.js';
import type { StepAdapter } from '../deps.js';

/** AWS Backup's restore jobs in this region, for validating its restore tests. */
export const awsBackupJobs: StepAdapter = ({ region }) => ({
  restoreJobs: new BackupRestoreJobs({ client: new BackupClient({ region }), region }),
});
