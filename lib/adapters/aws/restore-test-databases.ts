import type { RDSClient } from '@aws-sdk/client-rds';
import { DescribeDBClustersCommand, DescribeDBInstancesCommand, type DBInstance } from '@aws-sdk/client-rds';
import { isRestoreTest, RESTORE_TEST_TAG } from '../../core/aws-backup/restore-test-event.js';
import { GuardRefusedError, NotFoundError, VerificationFailedError } from '../../core/errors.js';
import type { SourceKind } from '../../core/model.js';
import type { ScratchInstance, ScratchRestorer } from '../../core/ports.js';
import { mapRdsError } from './rds-errors.js';
import { fromCluster, fromInstance, sendMasterPassword } from './rds-restores.js';

/**
 * The databases AWS Backup restore testing restored, as the restore-verify steps connect to them:
 * described, and given a master password Lifeboat derives (a restore brings back the password of
 * backup time, as for a scratch instance). AWS Backup owns them and deletes them after the
 * validation window, so this restorer restores nothing and deletes nothing: those calls are refused
 * before any request, and the validator's roles have no such rights either.
 */
export class RestoreTestDatabases implements ScratchRestorer {
  readonly region: string;
  readonly #client: RDSClient;

  constructor(options: { client: RDSClient; region: string }) {
    this.region = options.region;
    this.#client = options.client;
  }

  async startRestore(): Promise<ScratchInstance> {
    throw new GuardRefusedError('AWS Backup restored this database: Lifeboat restores nothing for it');
  }

  async deleteScratch(kind: SourceKind, id: string): Promise<void> {
    throw new GuardRefusedError(
      `refusing to delete ${kind} ${id}: AWS Backup restored it and deletes it after its validation window`,
    );
  }

  async listScratch(): Promise<ScratchInstance[]> {
    return [];
  }

  async describeScratch(kind: SourceKind, id: string): Promise<ScratchInstance | undefined> {
    try {
      if (kind === 'instance') {
        const answer = await this.#client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }));
        const instance = answer.DBInstances?.[0];
        return instance ? fromInstance(instance) : undefined;
      }
      const cluster = (await this.#client.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id })))
        .DBClusters?.[0];
      if (!cluster) return undefined;
      const memberId =
        cluster.DBClusterMembers?.find((m) => m.IsClusterWriter)?.DBInstanceIdentifier ??
        cluster.DBClusterMembers?.[0]?.DBInstanceIdentifier;
      if (!memberId && cluster.Status === 'available') {
        // Nothing to connect to, and Lifeboat adds nothing to a cluster AWS Backup owns.
        throw new VerificationFailedError(
          `the restored Aurora cluster ${id} has no DB instance to connect to: let the restore testing selection create one (RestoreMetadataOverrides)`,
        );
      }
      return fromCluster(cluster, memberId ? await this.#instance(memberId) : undefined);
    } catch (error) {
      if (error instanceof VerificationFailedError) throw error;
      const mapped = mapRdsError(error, `describing restored ${kind} ${id}`);
      if (mapped instanceof NotFoundError) return undefined;
      throw mapped;
    }
  }

  async #instance(id: string): Promise<DBInstance | undefined> {
    const answer = await this.#client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }));
    return answer.DBInstances?.[0];
  }

  /**
   * Sets the master password on a database restore testing made, read from RDS now (not from the
   * caller's copy): one without the awsbackup-restore-test tag is someone's database, whose users
   * a reset would lock out.
   */
  async setMasterPassword(scratch: ScratchInstance, password: string): Promise<void> {
    const current = await this.describeScratch(scratch.kind, scratch.id);
    if (!current) throw new NotFoundError(`${scratch.kind} ${scratch.id} does not exist in ${this.region}`);
    if (!isRestoreTest(current.tags)) {
      throw new GuardRefusedError(
        `refusing to set the master password of ${scratch.kind} ${scratch.id}: it is not tagged ${RESTORE_TEST_TAG}`,
      );
    }
    await sendMasterPassword(this.#client, scratch, password);
  }
}
