import { InvalidInputError } from '../../core/errors.js';
import type { FailoverRestorer, RecoverySources } from '../../core/failover/ports.js';
import type { DrCopy, FailoverDatabase, FailoverPlan, ReplicatedBackup } from '../../core/failover/types.js';
import type { SourceKind } from '../../core/model.js';
import { isOwnedSnapshot, TAG } from '../../core/tags.js';
import { LocalScratchRestorer } from './scratch-restorer.js';
import type { LocalServer } from './server.js';
import type { LocalLocation, LocalSnapshotStore } from './snapshot-store.js';

/**
 * The DR site's copies in the local engine, for the drill's regional outage. There are no
 * replicated automated backups locally (that needs RDS transaction logs), so a failover restores a
 * copy. A copy's data time is its origin's, as RDS keeps OriginalSnapshotCreateTime on a copy: the
 * local store dates a copy when it is made, so the origin is read from the primary's store.
 */
export class LocalRecoverySources implements RecoverySources {
  readonly region: string;
  readonly #dr: LocalSnapshotStore;
  readonly #origins: LocalSnapshotStore;

  constructor(options: { dr: LocalSnapshotStore; origins: LocalSnapshotStore }) {
    this.#dr = options.dr;
    this.#origins = options.origins;
    this.region = options.dr.region;
  }

  async listReplicatedBackups(): Promise<ReplicatedBackup[]> {
    return [];
  }

  async listCopies(database: string): Promise<DrCopy[]> {
    const copies: DrCopy[] = [];
    for (const s of await this.#dr.listSnapshots({ sourceId: database })) {
      if (!isOwnedSnapshot(s) || !s.createdAt) continue;
      const originId = s.tags[TAG.origin];
      const origin = originId ? await this.#origins.getSnapshot(s.kind, originId) : undefined;
      copies.push({
        kind: s.kind,
        id: s.id,
        arn: s.arn,
        database,
        ...(s.tags[TAG.policy] ? { policy: s.tags[TAG.policy] } : {}),
        status: s.status,
        engine: s.engine ?? 'postgres',
        dataAt: origin?.createdAt ?? s.createdAt,
        ...(s.tags[TAG.verified] ? { verifiedAt: s.tags[TAG.verified] } : {}),
        tags: s.tags,
      });
    }
    return copies;
  }
}

/**
 * The failover database in the local engine: a new database on the local server loaded from the
 * DR copy (the same restore the scratch restorer does), tagged with the failover tags, which every
 * local guard refuses like RDS's do.
 */
export class LocalFailoverRestorer implements FailoverRestorer {
  readonly #restorer: LocalScratchRestorer;

  constructor(options: { server: LocalServer; location: LocalLocation }) {
    this.#restorer = new LocalScratchRestorer(options);
  }

  async start(plan: FailoverPlan): Promise<FailoverDatabase> {
    if (plan.source.type !== 'snapshot' || plan.kind !== 'instance') {
      throw new InvalidInputError('the local engine fails over DB instances from a snapshot copy only');
    }
    const restored = await this.#restorer.startRestore({
      kind: 'instance',
      scratchId: plan.newId,
      snapshotId: plan.source.copy.arn,
      instanceClass: plan.settings.instanceClass,
      securityGroupIds: plan.settings.securityGroups,
      tags: plan.tags,
    });
    return this.#database(restored);
  }

  async describe(kind: SourceKind, id: string): Promise<FailoverDatabase | undefined> {
    const found = await this.#restorer.describeScratch(kind, id);
    return found ? this.#database(found) : undefined;
  }

  #database(restored: Awaited<ReturnType<LocalScratchRestorer['startRestore']>>): FailoverDatabase {
    return {
      kind: 'instance',
      id: restored.id,
      status: restored.status,
      ...(restored.endpoint ? { endpoint: restored.endpoint } : {}),
      tags: restored.tags,
    };
  }
}
