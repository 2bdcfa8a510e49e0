import type { RDSClient } from '@aws-sdk/client-rds';
import {
  CreateDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  RestoreDBClusterFromSnapshotCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
  RestoreDBInstanceToPointInTimeCommand,
  paginateDescribeDBClusterSnapshots,
  paginateDescribeDBInstanceAutomatedBackups,
  paginateDescribeDBSnapshots,
  type DBCluster,
  type DBInstance,
} from '@aws-sdk/client-rds';
import { ConfigError, GuardRefusedError, NotFoundError } from '../../core/errors.js';
import type { FailoverRestorer, RecoverySources } from '../../core/failover/ports.js';
import type { DrCopy, FailoverDatabase, FailoverPlan, ReplicatedBackup } from '../../core/failover/types.js';
import type { SourceKind } from '../../core/model.js';
import { isOwnedSnapshot, TAG, type Tags } from '../../core/tags.js';
import { mapRdsError, rdsErrorCode } from './rds-errors.js';
import { tagList, tagsFrom } from './rds-snapshots.js';

export type RdsFailoverOptions = { region: string; client: RDSClient };

/*
 * RDS refusals that mean the failover settings do not fit the target (a subnet group or parameter
 * group that is not there, a class the engine does not offer): the operator fixes the policy, so
 * they are usage errors, and RDS created nothing.
 * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RestoreDBInstanceFromDBSnapshot.html#API_RestoreDBInstanceFromDBSnapshot_Errors
 */
const SETTINGS_REFUSED = new Set([
  'DBSubnetGroupNotFound',
  'DBParameterGroupNotFound',
  'DBClusterParameterGroupNotFound',
  'OptionGroupNotFound',
  'InvalidVPCNetworkState',
  'InvalidSubnet',
  'InvalidParameterCombination',
  'InvalidParameterValue',
  'InvalidRestore',
  'KMSKeyNotAccessible',
  'InsufficientDBInstanceCapacity',
  'StorageTypeNotSupported',
  'DBInstanceAutomatedBackupNotFound',
  'PointInTimeRestoreNotEnabled',
]);

function refused(error: unknown, what: string): unknown {
  const code = rdsErrorCode(error);
  if (code && SETTINGS_REFUSED.has(code)) {
    return new ConfigError(`${what}: RDS refused (${code}: ${(error as Error).message})`, { cause: error });
  }
  return mapRdsError(error, what);
}

/**
 * The replicated automated backups and Lifeboat's DR copies in one region, read with the
 * operator's own credentials: in a regional outage nothing in the source region can be asked.
 */
export class RdsRecoverySources implements RecoverySources {
  readonly region: string;
  readonly #client: RDSClient;

  constructor(options: RdsFailoverOptions) {
    this.region = options.region;
    this.#client = options.client;
  }

  /**
   * DescribeDBInstanceAutomatedBackups lists the backups replicated into this region with the
   * source's identifier and region; its DBInstanceIdentifier parameter must name an instance that
   * exists here, which the source does not, so the listing is read whole and filtered.
   * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBInstanceAutomatedBackups.html
   */
  async listReplicatedBackups(database: string): Promise<ReplicatedBackup[]> {
    const found: ReplicatedBackup[] = [];
    try {
      for await (const page of paginateDescribeDBInstanceAutomatedBackups({ client: this.#client }, {})) {
        for (const b of page.DBInstanceAutomatedBackups ?? []) {
          if (b.DBInstanceIdentifier !== database || !b.Region || b.Region === this.region) continue;
          found.push({
            arn: b.DBInstanceAutomatedBackupsArn ?? '',
            sourceId: database,
            sourceRegion: b.Region,
            ...(b.DbiResourceId ? { dbiResourceId: b.DbiResourceId } : {}),
            status: b.Status ?? 'unknown',
            engine: b.Engine ?? '',
            ...(b.RestoreWindow?.EarliestTime ? { earliest: b.RestoreWindow.EarliestTime } : {}),
            ...(b.RestoreWindow?.LatestTime ? { latest: b.RestoreWindow.LatestTime } : {}),
          });
        }
      }
    } catch (error) {
      throw mapRdsError(error, `listing automated backups in ${this.region}`);
    }
    return found;
  }

  async listCopies(database: string): Promise<DrCopy[]> {
    const copies: DrCopy[] = [];
    const ofDatabase = (id: string, source: string | undefined, tags: Tags) =>
      isOwnedSnapshot({ id, tags }) && (tags[TAG.source] ?? source) === database;
    try {
      for await (const page of paginateDescribeDBSnapshots(
        { client: this.#client },
        { SnapshotType: 'manual' },
      )) {
        for (const s of page.DBSnapshots ?? []) {
          const tags = tagsFrom(s.TagList);
          const id = s.DBSnapshotIdentifier ?? '';
          // A copy keeps OriginalSnapshotCreateTime; SnapshotCreateTime is when the copy was made.
          const dataAt = s.OriginalSnapshotCreateTime ?? s.SnapshotCreateTime;
          if (!ofDatabase(id, s.DBInstanceIdentifier, tags) || !dataAt) continue;
          copies.push(
            copyOf(
              'instance',
              id,
              s.DBSnapshotArn,
              s.Status,
              s.Engine,
              s.EngineVersion,
              dataAt,
              tags,
              database,
            ),
          );
        }
      }
      for await (const page of paginateDescribeDBClusterSnapshots(
        { client: this.#client },
        { SnapshotType: 'manual' },
      )) {
        for (const s of page.DBClusterSnapshots ?? []) {
          const tags = tagsFrom(s.TagList);
          const id = s.DBClusterSnapshotIdentifier ?? '';
          if (!ofDatabase(id, s.DBClusterIdentifier, tags) || !s.SnapshotCreateTime) continue;
          copies.push(
            copyOf(
              'cluster',
              id,
              s.DBClusterSnapshotArn,
              s.Status,
              s.Engine,
              s.EngineVersion,
              s.SnapshotCreateTime,
              tags,
              database,
            ),
          );
        }
      }
    } catch (error) {
      throw mapRdsError(error, `listing snapshot copies in ${this.region}`);
    }
    return copies;
  }
}

function copyOf(
  kind: SourceKind,
  id: string,
  arn: string | undefined,
  status: string | undefined,
  engine: string | undefined,
  engineVersion: string | undefined,
  dataAt: Date,
  tags: Tags,
  database: string,
): DrCopy {
  return {
    kind,
    id,
    arn: arn ?? '',
    database,
    ...(tags[TAG.policy] ? { policy: tags[TAG.policy] } : {}),
    status: status ?? 'unknown',
    engine: engine ?? '',
    ...(engineVersion ? { engineVersion } : {}),
    dataAt,
    ...(tags[TAG.verified] ? { verifiedAt: tags[TAG.verified] } : {}),
    tags,
  };
}

function fromInstance(instance: DBInstance): FailoverDatabase {
  return {
    kind: 'instance',
    id: instance.DBInstanceIdentifier ?? '',
    status: instance.DBInstanceStatus ?? 'unknown',
    ...(instance.Endpoint?.Address && instance.Endpoint.Port
      ? { endpoint: { host: instance.Endpoint.Address, port: instance.Endpoint.Port } }
      : {}),
    tags: tagsFrom(instance.TagList),
  };
}

/**
 * Creates the failover database in the target region: a DB instance from a DR copy or from the
 * replicated automated backups at a point in time, or an Aurora cluster from a DR copy plus the
 * instances the policy lists. Always private, deletion protection on, tagged lifeboat:failover,
 * which no Lifeboat role may delete, modify or stop (test/deploy/iam-matrix.test.ts).
 */
export class RdsFailoverRestorer implements FailoverRestorer {
  readonly region: string;
  readonly #client: RDSClient;

  constructor(options: RdsFailoverOptions) {
    this.region = options.region;
    this.#client = options.client;
  }

  async start(plan: FailoverPlan): Promise<FailoverDatabase> {
    if (plan.tags[TAG.failover] === undefined || plan.tags[TAG.scratch] !== undefined) {
      throw new GuardRefusedError(`refusing to create ${plan.newId} without its failover tags`);
    }
    return plan.kind === 'instance' ? this.#startInstance(plan) : this.#startCluster(plan);
  }

  async #startInstance(plan: FailoverPlan): Promise<FailoverDatabase> {
    const { settings } = plan;
    const common = {
      DBInstanceClass: settings.instanceClass,
      ...(settings.subnetGroup ? { DBSubnetGroupName: settings.subnetGroup } : {}),
      ...(settings.securityGroups.length > 0 ? { VpcSecurityGroupIds: settings.securityGroups } : {}),
      ...(settings.parameterGroup ? { DBParameterGroupName: settings.parameterGroup } : {}),
      ...(settings.optionGroup ? { OptionGroupName: settings.optionGroup } : {}),
      MultiAZ: settings.multiAz,
      PubliclyAccessible: false,
      DeletionProtection: true,
      CopyTagsToSnapshot: true,
      Tags: tagList(plan.tags),
    };
    try {
      const answer =
        plan.source.type === 'point-in-time'
          ? await this.#client.send(
              new RestoreDBInstanceToPointInTimeCommand({
                SourceDBInstanceAutomatedBackupsArn: plan.source.backup.arn,
                TargetDBInstanceIdentifier: plan.newId,
                RestoreTime: plan.source.time,
                ...common,
              }),
            )
          : await this.#client.send(
              new RestoreDBInstanceFromDBSnapshotCommand({
                DBInstanceIdentifier: plan.newId,
                DBSnapshotIdentifier: plan.source.copy.id,
                ...common,
              }),
            );
      return fromInstance(answer.DBInstance ?? { DBInstanceIdentifier: plan.newId });
    } catch (error) {
      if (rdsErrorCode(error) === 'DBInstanceAlreadyExists') return this.#adopt(plan, error);
      throw refused(error, `restoring ${plan.newId} in ${this.region}`);
    }
  }

  async #startCluster(plan: FailoverPlan): Promise<FailoverDatabase> {
    const { settings, source } = plan;
    if (source.type !== 'snapshot') throw new ConfigError('an Aurora failover restores from a DR copy');
    try {
      await this.#client.send(
        new RestoreDBClusterFromSnapshotCommand({
          DBClusterIdentifier: plan.newId,
          SnapshotIdentifier: source.copy.id,
          Engine: source.copy.engine,
          ...(source.copy.engineVersion ? { EngineVersion: source.copy.engineVersion } : {}),
          ...(settings.subnetGroup ? { DBSubnetGroupName: settings.subnetGroup } : {}),
          ...(settings.securityGroups.length > 0 ? { VpcSecurityGroupIds: settings.securityGroups } : {}),
          ...(settings.parameterGroup ? { DBClusterParameterGroupName: settings.parameterGroup } : {}),
          ...(settings.optionGroup ? { OptionGroupName: settings.optionGroup } : {}),
          DeletionProtection: true,
          CopyTagsToSnapshot: true,
          Tags: tagList(plan.tags),
        }),
      );
    } catch (error) {
      if (rdsErrorCode(error) !== 'DBClusterAlreadyExists') {
        throw refused(error, `restoring cluster ${plan.newId} in ${this.region}`);
      }
      await this.#adopt(plan, error);
    }
    // RDS restores a cluster with no instance: it serves nothing until these exist.
    for (const instance of settings.instances) {
      try {
        await this.#client.send(
          new CreateDBInstanceCommand({
            DBInstanceIdentifier: instance.id,
            DBClusterIdentifier: plan.newId,
            Engine: source.copy.engine,
            DBInstanceClass: instance.instanceClass,
            ...(instance.parameterGroup ? { DBParameterGroupName: instance.parameterGroup } : {}),
            ...(instance.availabilityZone ? { AvailabilityZone: instance.availabilityZone } : {}),
            ...(instance.promotionTier !== undefined ? { PromotionTier: instance.promotionTier } : {}),
            PubliclyAccessible: false,
            Tags: tagList(plan.tags),
          }),
        );
      } catch (error) {
        if (rdsErrorCode(error) !== 'DBInstanceAlreadyExists') {
          throw refused(error, `adding instance ${instance.id} to ${plan.newId}`);
        }
      }
    }
    const created = await this.describe('cluster', plan.newId);
    if (!created) throw new NotFoundError(`cluster ${plan.newId} vanished after its restore`);
    return created;
  }

  /** A rerun (same --name) follows the database its first run created; anything else is refused. */
  async #adopt(plan: FailoverPlan, error: unknown): Promise<FailoverDatabase> {
    const existing = await this.describe(plan.kind, plan.newId);
    if (existing && existing.tags[TAG.failoverOf] === plan.database) return existing;
    throw new GuardRefusedError(
      `${plan.newId} already exists in ${this.region} and is not a failover of ${plan.database}: choose another --name`,
      { cause: error },
    );
  }

  async describe(kind: SourceKind, id: string): Promise<FailoverDatabase | undefined> {
    try {
      if (kind === 'instance') {
        const answer = await this.#client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }));
        const instance = answer.DBInstances?.[0];
        return instance ? fromInstance(instance) : undefined;
      }
      const answer = await this.#client.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }));
      const cluster = answer.DBClusters?.[0];
      return cluster ? await this.#fromCluster(cluster) : undefined;
    } catch (error) {
      const mapped = mapRdsError(error, `describing ${id} in ${this.region}`);
      if (mapped instanceof NotFoundError) return undefined;
      throw mapped;
    }
  }

  async #fromCluster(cluster: DBCluster): Promise<FailoverDatabase> {
    const instances: Array<{ id: string; status: string }> = [];
    const answer = await this.#client.send(
      new DescribeDBInstancesCommand({
        Filters: [{ Name: 'db-cluster-id', Values: [cluster.DBClusterIdentifier ?? ''] }],
      }),
    );
    for (const instance of answer.DBInstances ?? []) {
      instances.push({
        id: instance.DBInstanceIdentifier ?? '',
        status: instance.DBInstanceStatus ?? 'unknown',
      });
    }
    return {
      kind: 'cluster',
      id: cluster.DBClusterIdentifier ?? '',
      status: cluster.Status ?? 'unknown',
      ...(cluster.Endpoint && cluster.Port
        ? { endpoint: { host: cluster.Endpoint, port: cluster.Port } }
        : {}),
      instances: instances.sort((a, b) => a.id.localeCompare(b.id)),
      tags: tagsFrom(cluster.TagList),
    };
  }
}
