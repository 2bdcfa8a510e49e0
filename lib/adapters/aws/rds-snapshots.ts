import {
  AddTagsToResourceCommand,
  CopyDBClusterSnapshotCommand,
  CopyDBSnapshotCommand,
  CreateDBClusterSnapshotCommand,
  CreateDBSnapshotCommand,
  DeleteDBClusterSnapshotCommand,
  DeleteDBSnapshotCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBSnapshotsCommand,
  ModifyDBClusterSnapshotAttributeCommand,
  ModifyDBSnapshotAttributeCommand,
  RDSClient,
  paginateDescribeDBClusterSnapshots,
  paginateDescribeDBClusters,
  paginateDescribeDBInstances,
  paginateDescribeDBSnapshots,
  type DBClusterSnapshot,
  type DBSnapshot,
  type Tag,
} from '@aws-sdk/client-rds';
import { GuardRefusedError, InvalidInputError, NotFoundError } from '../../core/errors.js';
import type { DatabaseSource, Snapshot, SourceKind } from '../../core/model.js';
import type { SnapshotStore } from '../../core/ports.js';
import { isManaged, isOwnedSnapshot, SNAPSHOT_PREFIX, TAG, type Tags } from '../../core/tags.js';
import { mapRdsError, rdsErrorCode } from './rds-errors.js';

export type RdsSnapshotStoreOptions = { region: string } & (
  | { client: RDSClient; clientConfig?: never }
  | { client?: never; clientConfig?: ConstructorParameters<typeof RDSClient>[0] }
);

const ACCOUNT_ID = /^\d{12}$/;

export function tagsFrom(list: readonly Tag[] | undefined): Tags {
  const tags: Tags = {};
  for (const { Key, Value } of list ?? []) if (Key !== undefined) tags[Key] = Value ?? '';
  return tags;
}

export function tagList(tags: Tags): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

export function fromDbSnapshot(snapshot: DBSnapshot, region: string): Snapshot {
  return {
    kind: 'instance',
    id: snapshot.DBSnapshotIdentifier ?? '',
    arn: snapshot.DBSnapshotArn ?? '',
    sourceId: snapshot.DBInstanceIdentifier ?? '',
    type: snapshot.SnapshotType ?? 'manual',
    status: snapshot.Status ?? 'unknown',
    ...(snapshot.SnapshotCreateTime ? { createdAt: snapshot.SnapshotCreateTime } : {}),
    encrypted: snapshot.Encrypted === true,
    ...(snapshot.Encrypted && snapshot.KmsKeyId ? { kmsKeyId: snapshot.KmsKeyId } : {}),
    ...(snapshot.Engine ? { engine: snapshot.Engine } : {}),
    region,
    tags: tagsFrom(snapshot.TagList),
    ...(snapshot.PercentProgress !== undefined ? { percentProgress: snapshot.PercentProgress } : {}),
  };
}

export function fromClusterSnapshot(snapshot: DBClusterSnapshot, region: string): Snapshot {
  return {
    kind: 'cluster',
    id: snapshot.DBClusterSnapshotIdentifier ?? '',
    arn: snapshot.DBClusterSnapshotArn ?? '',
    sourceId: snapshot.DBClusterIdentifier ?? '',
    type: snapshot.SnapshotType ?? 'manual',
    status: snapshot.Status ?? 'unknown',
    ...(snapshot.SnapshotCreateTime ? { createdAt: snapshot.SnapshotCreateTime } : {}),
    encrypted: snapshot.StorageEncrypted === true,
    ...(snapshot.StorageEncrypted && snapshot.KmsKeyId ? { kmsKeyId: snapshot.KmsKeyId } : {}),
    ...(snapshot.Engine ? { engine: snapshot.Engine } : {}),
    region,
    tags: tagsFrom(snapshot.TagList),
    ...(snapshot.PercentProgress !== undefined ? { percentProgress: snapshot.PercentProgress } : {}),
  };
}

/**
 * SnapshotStore over the RDS API in one region of one account. Every SDK error that the caller can
 * act on leaves as a Lifeboat error (RetryLaterError, NotFoundError) with the SDK error as `cause`.
 */
export class RdsSnapshotStore implements SnapshotStore {
  readonly region: string;
  readonly #client: RDSClient;

  constructor(options: RdsSnapshotStoreOptions) {
    this.region = options.region;
    this.#client = options.client ?? new RDSClient({ region: options.region, ...options.clientConfig });
  }

  async listDatabases(): Promise<DatabaseSource[]> {
    const databases: DatabaseSource[] = [];
    try {
      for await (const page of paginateDescribeDBInstances({ client: this.#client }, {})) {
        for (const instance of page.DBInstances ?? []) {
          databases.push({
            kind: 'instance',
            id: instance.DBInstanceIdentifier ?? '',
            arn: instance.DBInstanceArn ?? '',
            engine: instance.Engine ?? '',
            status: instance.DBInstanceStatus ?? 'unknown',
            ...(instance.DBClusterIdentifier ? { clusterId: instance.DBClusterIdentifier } : {}),
            tags: tagsFrom(instance.TagList),
            backup: {
              retentionDays: instance.BackupRetentionPeriod ?? 0,
              deletionProtection: instance.DeletionProtection === true,
              storageEncrypted: instance.StorageEncrypted === true,
              replications: (instance.DBInstanceAutomatedBackupsReplications ?? []).flatMap((r) =>
                r.DBInstanceAutomatedBackupsArn ? [r.DBInstanceAutomatedBackupsArn] : [],
              ),
            },
          });
        }
      }
      for await (const page of paginateDescribeDBClusters({ client: this.#client }, {})) {
        for (const cluster of page.DBClusters ?? []) {
          databases.push({
            kind: 'cluster',
            id: cluster.DBClusterIdentifier ?? '',
            arn: cluster.DBClusterArn ?? '',
            engine: cluster.Engine ?? '',
            status: cluster.Status ?? 'unknown',
            tags: tagsFrom(cluster.TagList),
            backup: {
              retentionDays: cluster.BackupRetentionPeriod ?? 0,
              deletionProtection: cluster.DeletionProtection === true,
              storageEncrypted: cluster.StorageEncrypted === true,
              replications: [],
            },
          });
        }
      }
    } catch (error) {
      throw mapRdsError(error, `listing databases in ${this.region}`);
    }
    return databases;
  }

  async listSnapshots(filter: { kind?: SourceKind; sourceId?: string } = {}): Promise<Snapshot[]> {
    const snapshots: Snapshot[] = [];
    try {
      if (filter.kind !== 'cluster') {
        const input = filter.sourceId ? { DBInstanceIdentifier: filter.sourceId } : {};
        for await (const page of paginateDescribeDBSnapshots({ client: this.#client }, input)) {
          for (const snapshot of page.DBSnapshots ?? [])
            snapshots.push(fromDbSnapshot(snapshot, this.region));
        }
      }
      if (filter.kind !== 'instance') {
        const input = filter.sourceId ? { DBClusterIdentifier: filter.sourceId } : {};
        for await (const page of paginateDescribeDBClusterSnapshots({ client: this.#client }, input)) {
          for (const snapshot of page.DBClusterSnapshots ?? []) {
            snapshots.push(fromClusterSnapshot(snapshot, this.region));
          }
        }
      }
    } catch (error) {
      // A filter naming a database that is gone has no snapshots to list, not an error.
      if (filter.sourceId && mapRdsError(error, '') instanceof NotFoundError) return snapshots;
      throw mapRdsError(error, `listing snapshots in ${this.region}`);
    }
    return snapshots;
  }

  async getSnapshot(kind: SourceKind, id: string): Promise<Snapshot | undefined> {
    try {
      if (kind === 'instance') {
        const answer = await this.#client.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: id }));
        const found = answer.DBSnapshots?.[0];
        return found ? fromDbSnapshot(found, this.region) : undefined;
      }
      const answer = await this.#client.send(
        new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: id }),
      );
      const found = answer.DBClusterSnapshots?.[0];
      return found ? fromClusterSnapshot(found, this.region) : undefined;
    } catch (error) {
      const mapped = mapRdsError(error, `reading ${kind} snapshot ${id} in ${this.region}`);
      if (mapped instanceof NotFoundError) return undefined;
      throw mapped;
    }
  }

  async createSnapshot(request: Parameters<SnapshotStore['createSnapshot']>[0]): Promise<Snapshot> {
    const { source, snapshotId, tags } = request;
    try {
      if (source.kind === 'instance') {
        const answer = await this.#client.send(
          new CreateDBSnapshotCommand({
            DBInstanceIdentifier: source.id,
            DBSnapshotIdentifier: snapshotId,
            Tags: tagList(tags),
          }),
        );
        return fromDbSnapshot(answer.DBSnapshot ?? {}, this.region);
      }
      const answer = await this.#client.send(
        new CreateDBClusterSnapshotCommand({
          DBClusterIdentifier: source.id,
          DBClusterSnapshotIdentifier: snapshotId,
          Tags: tagList(tags),
        }),
      );
      return fromClusterSnapshot(answer.DBClusterSnapshot ?? {}, this.region);
    } catch (error) {
      if (isAlreadyExists(error)) {
        // EventBridge delivers at least once: the same scheduled event finds its own snapshot.
        const existing = await this.getSnapshot(source.kind, snapshotId);
        if (existing && isManaged(existing.tags) && existing.sourceId === source.id) return existing;
        throw new GuardRefusedError(
          `snapshot ${snapshotId} already exists in ${this.region} and is not Lifeboat's snapshot of ${source.id}`,
          { cause: error },
        );
      }
      throw mapRdsError(error, `creating snapshot ${snapshotId} of ${source.kind} ${source.id}`);
    }
  }

  async copySnapshot(request: Parameters<SnapshotStore['copySnapshot']>[0]): Promise<Snapshot> {
    const { kind, sourceArn, sourceRegion, targetId, kmsKeyId, tags } = request;
    // Across regions RDS needs a PreSignedUrl signed for the source region. This SDK version has no
    // SourceRegion input: its RDS middleware signs one itself whenever the source is an ARN of another
    // region (@aws-sdk/middleware-sdk-rds), so the source must be named by ARN. Tags are written
    // explicitly (CopyTags false) so a copy never inherits the source's tier or a stale `verified`.
    if (sourceRegion !== this.region && !sourceArn.startsWith('arn:')) {
      throw new InvalidInputError(
        `copying from ${sourceRegion} into ${this.region} needs the source snapshot's ARN, not "${sourceArn}"`,
      );
    }
    try {
      if (kind === 'instance') {
        const answer = await this.#client.send(
          new CopyDBSnapshotCommand({
            SourceDBSnapshotIdentifier: sourceArn,
            TargetDBSnapshotIdentifier: targetId,
            KmsKeyId: kmsKeyId,
            CopyTags: false,
            Tags: tagList(tags),
          }),
        );
        return fromDbSnapshot(answer.DBSnapshot ?? {}, this.region);
      }
      const answer = await this.#client.send(
        new CopyDBClusterSnapshotCommand({
          SourceDBClusterSnapshotIdentifier: sourceArn,
          TargetDBClusterSnapshotIdentifier: targetId,
          KmsKeyId: kmsKeyId,
          CopyTags: false,
          Tags: tagList(tags),
        }),
      );
      return fromClusterSnapshot(answer.DBClusterSnapshot ?? {}, this.region);
    } catch (error) {
      if (isAlreadyExists(error)) {
        // A copy requested by an earlier event (or sweep) is done or still copying: both count.
        const existing = await this.getSnapshot(kind, targetId);
        if (existing && isManaged(existing.tags)) return existing;
        throw new GuardRefusedError(
          `snapshot ${targetId} already exists in ${this.region} and is not managed by Lifeboat`,
          { cause: error },
        );
      }
      throw mapRdsError(error, `copying ${sourceArn} to ${targetId} in ${this.region}`);
    }
  }

  async shareSnapshot(snapshot: Snapshot, account: string): Promise<void> {
    // Guard beside the call: one named account, never `all` (public), and only Lifeboat's own
    // manual snapshots. IAM holds the same tag condition.
    checkShareAccount(account, snapshot);
    if (!isOwnedSnapshot(snapshot) || snapshot.type !== 'manual') {
      throw new GuardRefusedError(
        `refusing to share snapshot ${snapshot.id}: only manual snapshots named lifeboat-* and tagged lifeboat:managed=true are shared`,
      );
    }
    await this.#modifyRestoreAttribute(snapshot, { ValuesToAdd: [account] });
  }

  async unshareSnapshot(snapshot: Snapshot, account: string): Promise<void> {
    checkShareAccount(account, snapshot);
    await this.#modifyRestoreAttribute(snapshot, { ValuesToRemove: [account] });
  }

  async tagSnapshot(snapshot: Snapshot, tags: Tags): Promise<void> {
    if (!isOwnedSnapshot(snapshot)) {
      throw new GuardRefusedError(
        `refusing to tag snapshot ${snapshot.id}: only snapshots named lifeboat-* and tagged lifeboat:managed=true are tagged`,
      );
    }
    try {
      await this.#client.send(
        new AddTagsToResourceCommand({ ResourceName: snapshot.arn, Tags: tagList(tags) }),
      );
    } catch (error) {
      throw mapRdsError(error, `tagging snapshot ${snapshot.id}`);
    }
  }

  async #modifyRestoreAttribute(
    snapshot: Snapshot,
    change: { ValuesToAdd: string[] } | { ValuesToRemove: string[] },
  ): Promise<void> {
    try {
      if (snapshot.kind === 'instance') {
        await this.#client.send(
          new ModifyDBSnapshotAttributeCommand({
            DBSnapshotIdentifier: snapshot.id,
            AttributeName: 'restore',
            ...change,
          }),
        );
      } else {
        await this.#client.send(
          new ModifyDBClusterSnapshotAttributeCommand({
            DBClusterSnapshotIdentifier: snapshot.id,
            AttributeName: 'restore',
            ...change,
          }),
        );
      }
    } catch (error) {
      throw mapRdsError(error, `changing who may restore snapshot ${snapshot.id}`);
    }
  }

  async deleteSnapshot(snapshot: Snapshot, guard?: { failedCopy: true }): Promise<void> {
    // The guard reads the snapshot's tags from RDS now, not from the caller's copy, so a stale or
    // hand-built Snapshot cannot delete what Lifeboat does not own.
    const current = await this.getSnapshot(snapshot.kind, snapshot.id);
    if (!current)
      throw new NotFoundError(`${snapshot.kind} snapshot ${snapshot.id} not found in ${this.region}`);
    if (!isOwnedSnapshot(current) || current.type !== 'manual') {
      const problems = [
        ...(current.type === 'manual' ? [] : [current.type]),
        ...(current.id.startsWith(SNAPSHOT_PREFIX) ? [] : ['not named lifeboat-*']),
        ...(isManaged(current.tags) ? [] : ['not tagged lifeboat:managed=true']),
      ];
      throw new GuardRefusedError(`refusing to delete snapshot ${snapshot.id}: it is ${problems.join(', ')}`);
    }
    if (guard?.failedCopy) {
      const problems = [
        ...(current.tags[TAG.copyOf] !== undefined ? [] : ['not a copy (no lifeboat:copy-of)']),
        ...(current.status === 'failed' ? [] : [`${current.status}, not failed`]),
      ];
      if (problems.length > 0) {
        throw new GuardRefusedError(
          `refusing to delete snapshot ${snapshot.id} as a failed copy: ${problems.join(', ')}`,
        );
      }
    }
    try {
      if (snapshot.kind === 'instance') {
        await this.#client.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: snapshot.id }));
      } else {
        await this.#client.send(
          new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: snapshot.id }),
        );
      }
    } catch (error) {
      throw mapRdsError(error, `deleting snapshot ${snapshot.id} in ${this.region}`);
    }
  }
}

function isAlreadyExists(error: unknown): boolean {
  const code = rdsErrorCode(error);
  return code === 'DBSnapshotAlreadyExists' || code === 'DBClusterSnapshotAlreadyExists';
}

function checkShareAccount(account: string, snapshot: Snapshot): void {
  if (!ACCOUNT_ID.test(account)) {
    throw new GuardRefusedError(
      `refusing to change sharing of snapshot ${snapshot.id} with "${account}": only a 12-digit account id, never "all"`,
    );
  }
}
