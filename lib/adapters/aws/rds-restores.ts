import {
  AddTagsToResourceCommand,
  CreateDBInstanceCommand,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBInstancesCommand,
  ModifyDBClusterCommand,
  ModifyDBInstanceCommand,
  RDSClient,
  RestoreDBClusterFromSnapshotCommand,
  RestoreDBClusterToPointInTimeCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
  RestoreDBInstanceToPointInTimeCommand,
  paginateDescribeDBClusters,
  paginateDescribeDBInstances,
  type DBCluster,
  type DBInstance,
} from '@aws-sdk/client-rds';
import { GuardRefusedError, NotFoundError } from '../../core/errors.js';
import type { Snapshot, SourceKind } from '../../core/model.js';
import type {
  ScratchInstance,
  ScratchRestoreRequest,
  ScratchRestorer,
  SnapshotTagger,
} from '../../core/ports.js';
import { isFailoverResult, isScratch, TAG, type Tags } from '../../core/tags.js';
import { mapRdsError, rdsErrorCode } from './rds-errors.js';
import { tagList, tagsFrom } from './rds-snapshots.js';

export type RdsScratchRestorerOptions = { region: string } & (
  | { client: RDSClient; clientConfig?: never }
  | { client?: never; clientConfig?: ConstructorParameters<typeof RDSClient>[0] }
);

/**
 * ModifyDB* with a new master password, applied now. The caller has checked the database is one
 * Lifeboat may reset; the SDK error, which carries the request parameters and so the password, is
 * replaced by its code.
 */
export async function sendMasterPassword(
  client: RDSClient,
  database: Pick<ScratchInstance, 'kind' | 'id'>,
  password: string,
): Promise<void> {
  try {
    if (database.kind === 'instance') {
      await client.send(
        new ModifyDBInstanceCommand({
          DBInstanceIdentifier: database.id,
          MasterUserPassword: password,
          ApplyImmediately: true,
        }),
      );
    } else {
      await client.send(
        new ModifyDBClusterCommand({
          DBClusterIdentifier: database.id,
          MasterUserPassword: password,
          ApplyImmediately: true,
        }),
      );
    }
  } catch (error) {
    const mapped = mapRdsError(error, `setting the master password of ${database.id}`);
    throw mapped === error
      ? new Error(`setting the master password of ${database.id} failed: ${rdsErrorCode(error)}`)
      : mapped;
  }
}

/** The one instance Lifeboat adds to an Aurora scratch cluster: RDS restores a cluster without any. */
export function auroraInstanceId(clusterId: string): string {
  return `${clusterId}-1`;
}

/** A DB instance as a restore step sees it (also AWS Backup's restored instances). */
export function fromInstance(instance: DBInstance): ScratchInstance {
  return {
    kind: 'instance',
    id: instance.DBInstanceIdentifier ?? '',
    instanceId: instance.DBInstanceIdentifier ?? '',
    status: instance.DBInstanceStatus ?? 'unknown',
    engine: instance.Engine ?? '',
    ...(instance.Endpoint?.Address && instance.Endpoint.Port
      ? { endpoint: { host: instance.Endpoint.Address, port: instance.Endpoint.Port } }
      : {}),
    ...(instance.MasterUsername ? { masterUsername: instance.MasterUsername } : {}),
    ...(instance.PendingModifiedValues?.MasterUserPassword ? { passwordPending: true } : {}),
    tags: tagsFrom(instance.TagList),
  };
}

// RDS Extended Support bills engines past their standard support; a scratch instance lives hours
// and is never upgraded by anyone, so it opts out where the engine has the setting: RDS for MySQL
// and PostgreSQL, Aurora MySQL and PostgreSQL
// (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RestoreDBInstanceFromDBSnapshot.html,
// EngineLifecycleSupport). RDS then upgrades a restore of a version past standard support instead.
const EXTENDED_SUPPORT_ENGINES = new Set(['mysql', 'postgres', 'aurora-mysql', 'aurora-postgresql']);

function withoutExtendedSupport(engine: string | undefined): { EngineLifecycleSupport?: string } {
  return engine && EXTENDED_SUPPORT_ENGINES.has(engine)
    ? { EngineLifecycleSupport: 'open-source-rds-extended-support-disabled' }
    : {};
}

export function fromCluster(cluster: DBCluster, instance: DBInstance | undefined): ScratchInstance {
  const clusterStatus = cluster.Status ?? 'unknown';
  // The cluster is usable once both it and its instance are available; until the instance exists
  // the scratch is still `creating`.
  const status = clusterStatus !== 'available' ? clusterStatus : (instance?.DBInstanceStatus ?? 'creating');
  return {
    kind: 'cluster',
    id: cluster.DBClusterIdentifier ?? '',
    instanceId: instance?.DBInstanceIdentifier ?? auroraInstanceId(cluster.DBClusterIdentifier ?? ''),
    status,
    engine: cluster.Engine ?? '',
    ...(cluster.Endpoint && cluster.Port ? { endpoint: { host: cluster.Endpoint, port: cluster.Port } } : {}),
    ...(cluster.MasterUsername ? { masterUsername: cluster.MasterUsername } : {}),
    ...(cluster.PendingModifiedValues?.MasterUserPassword ||
    instance?.PendingModifiedValues?.MasterUserPassword
      ? { passwordPending: true }
      : {}),
    tags: tagsFrom(cluster.TagList),
  };
}

/**
 * ScratchRestorer and SnapshotTagger over the RDS API in one region of one account. Scratch
 * instances are private (PubliclyAccessible false), deletable (DeletionProtection false) and
 * tagged lifeboat:scratch=true; deleting or re-keying anything else is refused before the call.
 */
export class RdsScratchRestorer implements ScratchRestorer, SnapshotTagger {
  readonly region: string;
  readonly #client: RDSClient;

  constructor(options: RdsScratchRestorerOptions) {
    this.region = options.region;
    this.#client = options.client ?? new RDSClient({ region: options.region, ...options.clientConfig });
  }

  async startRestore(request: ScratchRestoreRequest): Promise<ScratchInstance> {
    if (!isScratch(request.tags)) {
      throw new GuardRefusedError(
        `refusing to restore ${request.scratchId} without the tag ${TAG.scratch}=true`,
      );
    }
    if (!request.snapshotId && !request.pointInTime) {
      throw new NotFoundError(
        `restore of ${request.scratchId}: neither a snapshot nor a point in time was given`,
      );
    }
    return request.kind === 'instance' ? this.#restoreInstance(request) : this.#restoreCluster(request);
  }

  async #restoreInstance(request: ScratchRestoreRequest): Promise<ScratchInstance> {
    const common = {
      DBInstanceClass: request.instanceClass,
      ...(request.subnetGroup ? { DBSubnetGroupName: request.subnetGroup } : {}),
      ...(request.securityGroupIds.length > 0 ? { VpcSecurityGroupIds: request.securityGroupIds } : {}),
      PubliclyAccessible: false,
      DeletionProtection: false,
      MultiAZ: false,
      AutoMinorVersionUpgrade: false,
      CopyTagsToSnapshot: false,
      // No automated backups of a scratch instance: nothing waits for a first backup, nothing is
      // kept after it is deleted (0 disables them for RDS instances).
      BackupRetentionPeriod: 0,
      ...withoutExtendedSupport(request.engine),
      Tags: tagList(request.tags),
    };
    try {
      const answer = request.pointInTime
        ? await this.#client.send(
            new RestoreDBInstanceToPointInTimeCommand({
              SourceDBInstanceIdentifier: request.pointInTime.sourceId,
              TargetDBInstanceIdentifier: request.scratchId,
              RestoreTime: request.pointInTime.time,
              ...common,
            }),
          )
        : await this.#client.send(
            new RestoreDBInstanceFromDBSnapshotCommand({
              DBInstanceIdentifier: request.scratchId,
              DBSnapshotIdentifier: request.snapshotId,
              ...common,
            }),
          );
      return fromInstance(answer.DBInstance ?? { DBInstanceIdentifier: request.scratchId });
    } catch (error) {
      if (rdsErrorCode(error) === 'DBInstanceAlreadyExists') return this.#adopt(request, error);
      throw mapRdsError(error, `restoring ${request.scratchId}`);
    }
  }

  async #restoreCluster(request: ScratchRestoreRequest): Promise<ScratchInstance> {
    const common = {
      DBClusterIdentifier: request.scratchId,
      ...(request.subnetGroup ? { DBSubnetGroupName: request.subnetGroup } : {}),
      ...(request.securityGroupIds.length > 0 ? { VpcSecurityGroupIds: request.securityGroupIds } : {}),
      DeletionProtection: false,
      CopyTagsToSnapshot: false,
      // Aurora always keeps automated backups: 1 day is its minimum
      // (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RestoreDBClusterFromSnapshot.html,
      // BackupRetentionPeriod: "Must be a value from 1 to 35").
      BackupRetentionPeriod: 1,
      ...withoutExtendedSupport(request.engine),
      Tags: tagList(request.tags),
    };
    let engine: string;
    try {
      if (request.pointInTime) {
        const answer = await this.#client.send(
          new RestoreDBClusterToPointInTimeCommand({
            SourceDBClusterIdentifier: request.pointInTime.sourceId,
            RestoreToTime: request.pointInTime.time,
            ...common,
          }),
        );
        engine = answer.DBCluster?.Engine ?? (await this.#clusterEngine(request.pointInTime.sourceId));
      } else {
        // RestoreDBClusterFromSnapshot requires the engine, which the snapshot records.
        const snapshot = await this.#client.send(
          new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: request.snapshotId }),
        );
        engine = snapshot.DBClusterSnapshots?.[0]?.Engine ?? 'aurora-postgresql';
        await this.#client.send(
          new RestoreDBClusterFromSnapshotCommand({
            SnapshotIdentifier: request.snapshotId,
            Engine: engine,
            ...(snapshot.DBClusterSnapshots?.[0]?.EngineVersion
              ? { EngineVersion: snapshot.DBClusterSnapshots[0].EngineVersion }
              : {}),
            ...common,
          }),
        );
      }
    } catch (error) {
      if (rdsErrorCode(error) !== 'DBClusterAlreadyExists')
        throw mapRdsError(error, `restoring ${request.scratchId}`);
      const existing = await this.#adopt(request, error);
      engine = existing.engine;
    }
    try {
      await this.#client.send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: auroraInstanceId(request.scratchId),
          DBClusterIdentifier: request.scratchId,
          Engine: engine,
          DBInstanceClass: request.instanceClass,
          PubliclyAccessible: false,
          AutoMinorVersionUpgrade: false,
          Tags: tagList(request.tags),
        }),
      );
    } catch (error) {
      if (rdsErrorCode(error) !== 'DBInstanceAlreadyExists')
        throw mapRdsError(error, `adding an instance to ${request.scratchId}`);
    }
    const scratch = await this.describeScratch('cluster', request.scratchId);
    if (!scratch) throw new NotFoundError(`scratch cluster ${request.scratchId} vanished after its restore`);
    return scratch;
  }

  async #clusterEngine(clusterId: string): Promise<string> {
    const answer = await this.#client.send(new DescribeDBClustersCommand({ DBClusterIdentifier: clusterId }));
    return answer.DBClusters?.[0]?.Engine ?? 'aurora-postgresql';
  }

  /**
   * A retried StartRestore finds the scratch its first attempt created: the same execution's tag
   * makes it ours to continue with; anything else with that name is not touched.
   */
  async #adopt(request: ScratchRestoreRequest, error: unknown): Promise<ScratchInstance> {
    const existing = await this.describeScratch(request.kind, request.scratchId);
    if (
      existing &&
      isScratch(existing.tags) &&
      existing.tags[TAG.execution] === request.tags[TAG.execution]
    ) {
      return existing;
    }
    throw new GuardRefusedError(`${request.scratchId} already exists and was not created by this execution`, {
      cause: error,
    });
  }

  async describeScratch(kind: SourceKind, id: string): Promise<ScratchInstance | undefined> {
    try {
      if (kind === 'instance') {
        const answer = await this.#client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }));
        const instance = answer.DBInstances?.[0];
        return instance ? fromInstance(instance) : undefined;
      }
      const answer = await this.#client.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }));
      const cluster = answer.DBClusters?.[0];
      if (!cluster) return undefined;
      const memberId = cluster.DBClusterMembers?.[0]?.DBInstanceIdentifier;
      const instance = memberId ? await this.#instance(memberId) : undefined;
      return fromCluster(cluster, instance);
    } catch (error) {
      const mapped = mapRdsError(error, `describing ${id}`);
      if (mapped instanceof NotFoundError) return undefined;
      throw mapped;
    }
  }

  async #instance(id: string): Promise<DBInstance | undefined> {
    try {
      const answer = await this.#client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }));
      return answer.DBInstances?.[0];
    } catch (error) {
      const mapped = mapRdsError(error, `describing ${id}`);
      if (mapped instanceof NotFoundError) return undefined;
      throw mapped;
    }
  }

  /** Reads the tags from RDS now, not from a caller's copy, and refuses anything not a scratch. */
  async #requireScratch(kind: SourceKind, id: string, action: string): Promise<ScratchInstance> {
    const current = await this.describeScratch(kind, id);
    if (!current) throw new NotFoundError(`${action}: ${kind} ${id} does not exist in ${this.region}`);
    if (isFailoverResult(current.tags)) {
      throw new GuardRefusedError(
        `refusing to ${action} ${kind} ${id}: it is a failover database (${TAG.failover}), production now`,
      );
    }
    if (!isScratch(current.tags)) {
      throw new GuardRefusedError(
        `refusing to ${action} ${kind} ${id}: it is not tagged ${TAG.scratch}=true`,
      );
    }
    return current;
  }

  async setMasterPassword(scratch: ScratchInstance, password: string): Promise<void> {
    await this.#requireScratch(scratch.kind, scratch.id, 'set the master password of');
    await sendMasterPassword(this.#client, scratch, password);
  }

  /** The one delete of scratch instances: guarded by the lifeboat:scratch tag, no final snapshot. */
  async deleteScratch(kind: SourceKind, id: string): Promise<void> {
    await this.#requireScratch(kind, id, 'delete');
    try {
      if (kind === 'cluster') {
        const cluster = (await this.#client.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id })))
          .DBClusters?.[0];
        for (const member of cluster?.DBClusterMembers ?? []) {
          const memberId = member.DBInstanceIdentifier;
          if (!memberId) continue;
          const instance = await this.#instance(memberId);
          if (!instance || instance.DBInstanceStatus === 'deleting') continue;
          if (!isScratch(tagsFrom(instance.TagList))) {
            throw new GuardRefusedError(
              `refusing to delete instance ${memberId} of ${id}: not tagged ${TAG.scratch}=true`,
            );
          }
          await this.#client.send(
            new DeleteDBInstanceCommand({ DBInstanceIdentifier: memberId, SkipFinalSnapshot: true }),
          );
        }
        await this.#client.send(
          new DeleteDBClusterCommand({ DBClusterIdentifier: id, SkipFinalSnapshot: true }),
        );
        return;
      }
      await this.#client.send(
        new DeleteDBInstanceCommand({
          DBInstanceIdentifier: id,
          SkipFinalSnapshot: true,
          DeleteAutomatedBackups: true,
        }),
      );
    } catch (error) {
      if (error instanceof GuardRefusedError) throw error;
      throw mapRdsError(error, `deleting scratch ${kind} ${id}`);
    }
  }

  async listScratch(): Promise<ScratchInstance[]> {
    const found: ScratchInstance[] = [];
    try {
      for await (const page of paginateDescribeDBInstances({ client: this.#client }, {})) {
        for (const instance of page.DBInstances ?? []) {
          // Members of a scratch cluster are reported with their cluster.
          if (!instance.DBClusterIdentifier && isScratch(tagsFrom(instance.TagList)))
            found.push(fromInstance(instance));
        }
      }
      for await (const page of paginateDescribeDBClusters({ client: this.#client }, {})) {
        for (const cluster of page.DBClusters ?? []) {
          if (isScratch(tagsFrom(cluster.TagList))) found.push(fromCluster(cluster, undefined));
        }
      }
    } catch (error) {
      throw mapRdsError(error, `listing scratch instances in ${this.region}`);
    }
    return found;
  }

  /**
   * The one tag restore-verify sets, lifeboat:verified, and only on a snapshot Lifeboat named
   * (`lifeboat-…`, the ARN's own name): IAM limits the keys too, and this refuses before the call.
   */
  async tagSnapshot(snapshot: Pick<Snapshot, 'kind' | 'id' | 'arn'>, tags: Tags): Promise<void> {
    const keys = Object.keys(tags);
    if (keys.length !== 1 || keys[0] !== TAG.verified) {
      throw new GuardRefusedError(`refusing to tag snapshot ${snapshot.id} with ${keys.join(', ')}`);
    }
    if (!snapshot.id.startsWith('lifeboat-') || !snapshot.arn.endsWith(`:${snapshot.id}`)) {
      throw new GuardRefusedError(`refusing to tag snapshot ${snapshot.arn}: Lifeboat did not make it`);
    }
    try {
      await this.#client.send(
        new AddTagsToResourceCommand({ ResourceName: snapshot.arn, Tags: tagList(tags) }),
      );
    } catch (error) {
      throw mapRdsError(error, `tagging snapshot ${snapshot.id}`);
    }
  }
}
