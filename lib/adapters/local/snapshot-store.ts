import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GuardRefusedError, InvalidInputError, NotFoundError } from '../../core/errors.js';
import type { DatabaseSource, Snapshot, SourceKind } from '../../core/model.js';
import type { Clock, SnapshotStore } from '../../core/ports.js';
import { isManaged, type Tags } from '../../core/tags.js';
import { createKeyFile, decryptFile, encryptFile, readKeyFile } from './encryption.js';
import { copyTablesOut, type LogicalCopy } from './logical-copy.js';
import { makeServerFolder, parseTags, withClient, type LocalServer } from './server.js';

/**
 * Where one "account" keeps its snapshots in one "region". Every local store of a drill shares one
 * root, laid out `<root>/<account>/<region>/{snapshots,keys}/`, so a snapshot ARN names its folder
 * and a copy into another account's folder works like RDS's cross-account copy: only if shared.
 */
export interface LocalLocation {
  root: string;
  account: string;
  region: string;
}

/** What a snapshot folder's manifest.json holds. */
export interface SnapshotManifest {
  snapshot: Omit<Snapshot, 'createdAt'> & { createdAt?: string };
  /** The database it was taken from. */
  database: string;
  sharedWith: string[];
  copy: LogicalCopy;
}

/** Called inside the snapshot's transaction, after its MVCC snapshot is exported. */
export type ConsistentPointHook = (point: {
  snapshotId: string;
  database: string;
  /** pg_export_snapshot(): another session may `SET TRANSACTION SNAPSHOT` to it while the copy runs. */
  exportedSnapshot: string;
  consistentAt: string;
}) => Promise<void>;

export interface LocalSnapshotStoreOptions {
  server: LocalServer;
  location: LocalLocation;
  /** Snapshot times come from here, so a drill can compress days into seconds. */
  clock?: Clock;
  /** Lets the drill fingerprint the source in the very MVCC snapshot the copy sees. */
  onConsistentPoint?: ConsistentPointHook;
  /**
   * The key (ARN from createKey) the databases here are encrypted with: like RDS, a snapshot of an
   * encrypted instance is encrypted with the instance's key. Without it, snapshots are plain.
   */
  instanceKeyId?: string;
}

const MANIFEST = 'manifest.json';
const ARN = /^arn:aws:rds:([a-z0-9-]+):(\d{12}):snapshot:([A-Za-z][A-Za-z0-9-]*)$/;

/**
 * SnapshotStore on a PostgreSQL server and a folder: a snapshot is a consistent logical copy of a
 * database (logical-copy.ts), a copy into a store with a key is encrypted at rest (encryption.ts).
 * Only DB instances exist locally; Aurora clusters are refused with a clear error.
 */
export class LocalSnapshotStore implements SnapshotStore {
  readonly region: string;
  readonly #server: LocalServer;
  readonly #location: LocalLocation;
  readonly #clock: Clock;
  readonly #onConsistentPoint: ConsistentPointHook | undefined;
  readonly #instanceKeyId: string | undefined;

  constructor(options: LocalSnapshotStoreOptions) {
    this.region = options.location.region;
    this.#server = options.server;
    this.#location = options.location;
    this.#clock = options.clock ?? (() => new Date());
    this.#onConsistentPoint = options.onConsistentPoint;
    this.#instanceKeyId = options.instanceKeyId;
  }

  get account(): string {
    return this.#location.account;
  }

  /** The folder standing in for this account's snapshot storage in this region. */
  get folder(): string {
    return locationFolder(this.#location);
  }

  /** A new customer-managed "KMS key": a key file in this account and region. Returns its ARN. */
  async createKey(): Promise<string> {
    const id = randomUUID();
    await createKeyFile(keyFile(this.#location, id));
    return `arn:aws:kms:${this.region}:${this.account}:key/${id}`;
  }

  async listDatabases(): Promise<DatabaseSource[]> {
    return withClient(this.#server, 'postgres', async (client) => {
      const result = await client.query<{ name: string; comment: string | null }>(
        `SELECT datname AS name, shobj_description(oid, 'pg_database') AS comment FROM pg_database
          WHERE NOT datistemplate AND datname <> 'postgres' ORDER BY datname`,
      );
      return result.rows.map((row) => this.#source(row.name, parseTags(row.comment)));
    });
  }

  async listSnapshots(filter: { kind?: SourceKind; sourceId?: string } = {}): Promise<Snapshot[]> {
    if (filter.kind === 'cluster') return [];
    let names: string[];
    try {
      names = await readdir(join(this.folder, 'snapshots'));
    } catch {
      return [];
    }
    const snapshots: Snapshot[] = [];
    for (const name of names.sort()) {
      if (name.endsWith('.partial')) continue;
      const manifest = await readManifest(join(this.folder, 'snapshots', name));
      if (!manifest) continue;
      const snapshot = toSnapshot(manifest);
      if (filter.sourceId === undefined || snapshot.sourceId === filter.sourceId) snapshots.push(snapshot);
    }
    return snapshots;
  }

  async getSnapshot(kind: SourceKind, id: string): Promise<Snapshot | undefined> {
    const manifest = await this.readManifest(kind, id);
    return manifest && toSnapshot(manifest);
  }

  /** The manifest of one of this store's snapshots (the restorer reads the table list from it). */
  async readManifest(kind: SourceKind, idOrArn: string): Promise<SnapshotManifest | undefined> {
    if (kind === 'cluster') return undefined;
    const id = ARN.exec(idOrArn)?.[3] ?? idOrArn;
    return readManifest(this.snapshotFolder(id));
  }

  snapshotFolder(id: string): string {
    if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(id)) throw new InvalidInputError(`"${id}" is not a snapshot id`);
    return join(this.folder, 'snapshots', id);
  }

  /** The key that decrypts this snapshot's files, or undefined if they are plain. */
  async keyFor(manifest: SnapshotManifest): Promise<Buffer | undefined> {
    if (!manifest.snapshot.encrypted || !manifest.snapshot.kmsKeyId) return undefined;
    return readKeyFile(keyFile(this.#location, keyIdOf(manifest.snapshot.kmsKeyId)));
  }

  async createSnapshot(request: {
    source: DatabaseSource;
    snapshotId: string;
    tags: Tags;
  }): Promise<Snapshot> {
    const { source, snapshotId, tags } = request;
    if (source.kind !== 'instance') {
      throw new InvalidInputError(`the local engine has DB instances only, not Aurora cluster ${source.id}`);
    }
    const existing = await this.getSnapshot('instance', snapshotId);
    if (existing) {
      // The same scheduled run finds its own snapshot, as with RDS's DBSnapshotAlreadyExists.
      if (isManaged(existing.tags) && existing.sourceId === source.id) return existing;
      throw new GuardRefusedError(
        `snapshot ${snapshotId} already exists in ${this.region} and is not Lifeboat's snapshot of ${source.id}`,
      );
    }
    const folder = this.snapshotFolder(snapshotId);
    const partial = `${folder}.partial`;
    await rm(partial, { recursive: true, force: true });
    await mkdir(join(this.folder, 'snapshots'), { recursive: true });
    await makeServerFolder(this.#server, partial);
    const createdAt = this.#clock();
    const manifest = await withClient(this.#server, source.id, async (client) => {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      try {
        const exported = await client.query<{ id: string; at: Date }>(
          'SELECT pg_export_snapshot() AS id, transaction_timestamp() AS at',
        );
        const point = exported.rows[0]!;
        const consistentPoint = this.#onConsistentPoint?.({
          snapshotId,
          database: source.id,
          exportedSnapshot: point.id,
          consistentAt: point.at.toISOString(),
        });
        const [copy] = await Promise.all([copyTablesOut(client, partial), consistentPoint]);
        return this.#manifest(source, snapshotId, tags, createdAt, copy);
      } finally {
        await client.query('COMMIT').catch(() => undefined);
      }
    });
    if (this.#instanceKeyId) {
      const key = await readKeyFile(keyFile(this.#location, keyIdOf(this.#instanceKeyId)));
      for (const table of manifest.copy.tables) {
        const plain = join(partial, `${table.file}.plain`);
        await rename(join(partial, table.file), plain);
        await encryptFile(key, plain, join(partial, table.file));
        await rm(plain);
      }
      manifest.snapshot.encrypted = true;
      manifest.snapshot.kmsKeyId = this.#instanceKeyId;
    }
    await writeManifest(partial, manifest);
    await rename(partial, folder);
    return toSnapshot(manifest);
  }

  async copySnapshot(request: {
    kind: SourceKind;
    sourceArn: string;
    sourceRegion: string;
    targetId: string;
    kmsKeyId?: string;
    tags: Tags;
  }): Promise<Snapshot> {
    const { kind, sourceArn, targetId, kmsKeyId, tags } = request;
    if (kind !== 'instance') throw new InvalidInputError('the local engine has DB instance snapshots only');
    if (kmsKeyId === undefined) throw new InvalidInputError('the local engine makes encrypted copies only');
    const match = ARN.exec(sourceArn);
    if (!match) throw new InvalidInputError(`"${sourceArn}" is not a DB snapshot ARN`);
    const [, region, account, sourceId] = match as unknown as [string, string, string, string];
    const sourceStore = new LocalSnapshotStore({
      server: this.#server,
      location: { root: this.#location.root, account, region },
    });
    const source = await sourceStore.readManifest('instance', sourceId);
    // RDS answers DBSnapshotNotFound for a snapshot in another account that is not shared with us.
    if (!source || (account !== this.account && !source.sharedWith.includes(this.account))) {
      throw new NotFoundError(`snapshot ${sourceArn} not found or not shared with account ${this.account}`);
    }
    const existing = await this.getSnapshot('instance', targetId);
    if (existing) {
      if (isManaged(existing.tags)) return existing;
      throw new GuardRefusedError(
        `snapshot ${targetId} already exists in ${this.region} and is not managed by Lifeboat`,
      );
    }
    const key = await readKeyFile(keyFile(this.#location, keyIdOf(kmsKeyId)));
    const sourceKey = await sourceStore.keyFor(source);
    const from = sourceStore.snapshotFolder(sourceId);
    const folder = this.snapshotFolder(targetId);
    const partial = `${folder}.partial`;
    await rm(partial, { recursive: true, force: true });
    await mkdir(partial, { recursive: true, mode: 0o700 });
    for (const table of source.copy.tables) {
      const plain = join(partial, `${table.file}.plain`);
      if (sourceKey) await decryptFile(sourceKey, join(from, table.file), plain);
      await encryptFile(key, sourceKey ? plain : join(from, table.file), join(partial, table.file));
      await rm(plain, { force: true });
    }
    const manifest: SnapshotManifest = {
      snapshot: {
        ...source.snapshot,
        id: targetId,
        arn: snapshotArn(this.#location, targetId),
        type: 'manual',
        status: 'available',
        createdAt: this.#clock().toISOString(),
        encrypted: true,
        kmsKeyId,
        region: this.region,
        tags,
      },
      database: source.database,
      sharedWith: [],
      copy: source.copy,
    };
    await writeManifest(partial, manifest);
    await rename(partial, folder);
    return toSnapshot(manifest);
  }

  async shareSnapshot(snapshot: Snapshot, account: string): Promise<void> {
    if (!/^\d{12}$/.test(account)) {
      throw new GuardRefusedError(
        `refusing to share snapshot ${snapshot.id} with "${account}": only a 12-digit account id`,
      );
    }
    const manifest = await this.#require(snapshot);
    if (!isManaged(manifest.snapshot.tags) || manifest.snapshot.type !== 'manual') {
      throw new GuardRefusedError(
        `refusing to share snapshot ${snapshot.id}: it is not tagged lifeboat:managed=true`,
      );
    }
    manifest.sharedWith = [...new Set([...manifest.sharedWith, account])];
    await writeManifest(this.snapshotFolder(snapshot.id), manifest);
  }

  async unshareSnapshot(snapshot: Snapshot, account: string): Promise<void> {
    const manifest = await this.#require(snapshot);
    manifest.sharedWith = manifest.sharedWith.filter((other) => other !== account);
    await writeManifest(this.snapshotFolder(snapshot.id), manifest);
  }

  async deleteSnapshot(snapshot: Snapshot, guard?: { failedCopy: true }): Promise<void> {
    // The guard reads the tags from the snapshot's own manifest, never from the caller's copy.
    const manifest = await this.#require(snapshot);
    if (!isManaged(manifest.snapshot.tags) || manifest.snapshot.type !== 'manual') {
      throw new GuardRefusedError(
        `refusing to delete snapshot ${snapshot.id}: it is not a manual snapshot tagged lifeboat:managed=true`,
      );
    }
    // The local engine's copies never fail: nothing it holds is a failed copy.
    if (guard?.failedCopy && manifest.snapshot.status !== 'failed') {
      throw new GuardRefusedError(
        `refusing to delete snapshot ${snapshot.id} as a failed copy: it is not failed`,
      );
    }
    await rm(this.snapshotFolder(snapshot.id), { recursive: true, force: true });
  }

  /** Sets tags on a snapshot (AddTagsToResource), as the restore-verify marks a verified one. */
  async tagSnapshot(snapshot: Pick<Snapshot, 'kind' | 'id'>, tags: Tags): Promise<void> {
    const manifest = await this.#require(snapshot);
    manifest.snapshot.tags = { ...manifest.snapshot.tags, ...tags };
    await writeManifest(this.snapshotFolder(snapshot.id), manifest);
  }

  async #require(snapshot: Pick<Snapshot, 'kind' | 'id'>): Promise<SnapshotManifest> {
    const manifest = await this.readManifest(snapshot.kind, snapshot.id);
    if (!manifest)
      throw new NotFoundError(`${snapshot.kind} snapshot ${snapshot.id} not found in ${this.region}`);
    return manifest;
  }

  #source(database: string, tags: Tags): DatabaseSource {
    return {
      kind: 'instance',
      id: database,
      arn: `arn:aws:rds:${this.region}:${this.account}:db:${database}`,
      engine: 'postgres',
      status: 'available',
      tags,
    };
  }

  #manifest(
    source: DatabaseSource,
    snapshotId: string,
    tags: Tags,
    createdAt: Date,
    copy: LogicalCopy,
  ): SnapshotManifest {
    return {
      snapshot: {
        kind: 'instance',
        id: snapshotId,
        arn: snapshotArn(this.#location, snapshotId),
        sourceId: source.id,
        type: 'manual',
        status: 'available',
        createdAt: createdAt.toISOString(),
        encrypted: false,
        engine: 'postgres',
        region: this.region,
        tags,
      },
      database: source.id,
      sharedWith: [],
      copy,
    };
  }
}

export function locationFolder(location: LocalLocation): string {
  return join(location.root, location.account, location.region);
}

function snapshotArn(location: LocalLocation, id: string): string {
  return `arn:aws:rds:${location.region}:${location.account}:snapshot:${id}`;
}

function keyIdOf(kmsKeyId: string): string {
  const id = kmsKeyId.split('/').pop() ?? '';
  if (!/^[0-9a-f-]{36}$/.test(id))
    throw new NotFoundError(`KMS key ${kmsKeyId} not found in the local engine`);
  return id;
}

function keyFile(location: LocalLocation, id: string): string {
  return join(locationFolder(location), 'keys', `${id}.key`);
}

async function readManifest(folder: string): Promise<SnapshotManifest | undefined> {
  try {
    return JSON.parse(await readFile(join(folder, MANIFEST), 'utf8')) as SnapshotManifest;
  } catch {
    return undefined;
  }
}

async function writeManifest(folder: string, manifest: SnapshotManifest): Promise<void> {
  const temporary = join(folder, `${MANIFEST}.tmp`);
  await writeFile(temporary, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
  await rename(temporary, join(folder, MANIFEST));
}

function toSnapshot(manifest: SnapshotManifest): Snapshot {
  const { createdAt, ...rest } = manifest.snapshot;
  return { ...rest, ...(createdAt ? { createdAt: new Date(createdAt) } : {}) };
}
