import {
  paginateDescribeDBInstanceAutomatedBackups,
  StartDBInstanceAutomatedBackupsReplicationCommand,
  type DBInstanceAutomatedBackup,
  type RDSClient,
} from '@aws-sdk/client-rds';
import type { BackupReplication, ReplicatedBackup } from '../../core/monitor/point-in-time.js';
import { mapRdsError } from './rds-errors.js';

export function fromAutomatedBackup(backup: DBInstanceAutomatedBackup): ReplicatedBackup {
  return {
    arn: backup.DBInstanceAutomatedBackupsArn ?? '',
    sourceArn: backup.DBInstanceArn ?? '',
    status: backup.Status ?? 'unknown',
    ...(backup.RestoreWindow?.EarliestTime ? { earliest: backup.RestoreWindow.EarliestTime } : {}),
    ...(backup.RestoreWindow?.LatestTime ? { latest: backup.RestoreWindow.LatestTime } : {}),
    ...(backup.BackupRetentionPeriod !== undefined ? { retentionDays: backup.BackupRetentionPeriod } : {}),
    ...(backup.Engine ? { engine: backup.Engine } : {}),
  };
}

/**
 * Automated-backup replication into one region of this account, through a client of THAT region.
 * StartDBInstanceAutomatedBackupsReplication is called in the destination region with the source
 * instance's ARN ("Enables replication of automated backups to a different AWS Region",
 * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_StartDBInstanceAutomatedBackupsReplication.html;
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/AutomatedBackups.Replicating.Enable.html:
 * "run the command in the destination Region"), KmsKeyId being a key ARN of the destination region.
 * DescribeDBInstanceAutomatedBackups in the destination region lists the replicated backups with
 * their RestoreWindow and their DBInstanceAutomatedBackupsArn
 * (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBInstanceAutomatedBackups.html).
 */
export class RdsBackupReplication implements BackupReplication {
  readonly region: string;
  readonly #client: RDSClient;

  constructor(options: { region: string; client: RDSClient }) {
    this.region = options.region;
    this.#client = options.client;
  }

  async listReplicated(): Promise<ReplicatedBackup[]> {
    const backups: ReplicatedBackup[] = [];
    try {
      for await (const page of paginateDescribeDBInstanceAutomatedBackups({ client: this.#client }, {})) {
        for (const backup of page.DBInstanceAutomatedBackups ?? []) {
          // The region's own instances' automated backups are listed too; a replicated one's
          // DBInstanceArn is its source's, in another region.
          const sourceRegion = backup.DBInstanceArn?.split(':')[3];
          if (sourceRegion && sourceRegion !== this.region) backups.push(fromAutomatedBackup(backup));
        }
      }
    } catch (error) {
      throw mapRdsError(error, `listing replicated automated backups in ${this.region}`);
    }
    return backups;
  }

  async startReplication(request: { sourceArn: string; retentionDays: number; kmsKeyId: string }) {
    try {
      await this.#client.send(
        new StartDBInstanceAutomatedBackupsReplicationCommand({
          SourceDBInstanceArn: request.sourceArn,
          BackupRetentionPeriod: request.retentionDays,
          KmsKeyId: request.kmsKeyId,
        }),
      );
    } catch (error) {
      throw mapRdsError(
        error,
        `starting the replication of ${request.sourceArn}'s automated backups to ${this.region}`,
      );
    }
  }
}
