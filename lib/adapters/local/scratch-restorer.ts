import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { GuardRefusedError, InvalidInputError, NotFoundError } from '../../core/errors.js';
import type { SourceKind } from '../../core/model.js';
import type { ScratchInstance, ScratchRestoreRequest, ScratchRestorer } from '../../core/ports.js';
import { isScratch, type Tags } from '../../core/tags.js';
import { decryptFile } from './encryption.js';
import { copyTablesIn } from './logical-copy.js';
import {
  handToServer,
  makeServerFolder,
  parseTags,
  quoteIdentifier,
  withClient,
  writeDatabaseTags,
  readDatabaseTags,
  type LocalServer,
} from './server.js';
import { LocalSnapshotStore, type LocalLocation } from './snapshot-store.js';

export interface LocalScratchRestorerOptions {
  server: LocalServer;
  /** The account and region restores run in; a snapshot ARN may name another location. */
  location: LocalLocation;
}

const ARN = /^arn:aws:rds:([a-z0-9-]+):(\d{12}):snapshot:(.+)$/;
const SCRATCH_ID = /^[a-z][a-z0-9-]{0,62}$/;

/**
 * ScratchRestorer on the local PostgreSQL server: a scratch "instance" is a new database loaded from
 * a snapshot folder (decrypted into a staging folder first when the snapshot is encrypted), tagged
 * through its comment like every local instance. The restore is done by the time startRestore
 * returns, so the state machine's wait loop sees `available` on its first look.
 */
export class LocalScratchRestorer implements ScratchRestorer {
  readonly #server: LocalServer;
  readonly #location: LocalLocation;

  constructor(options: LocalScratchRestorerOptions) {
    this.#server = options.server;
    this.#location = options.location;
  }

  async startRestore(request: ScratchRestoreRequest): Promise<ScratchInstance> {
    if (request.kind !== 'instance') {
      throw new InvalidInputError(
        'the local engine restores DB instance snapshots only, not Aurora clusters',
      );
    }
    if (request.pointInTime || !request.snapshotId) {
      throw new InvalidInputError(
        'the local engine restores snapshots only: point-in-time restore needs RDS transaction logs',
      );
    }
    if (!SCRATCH_ID.test(request.scratchId)) {
      throw new InvalidInputError(
        `scratch id "${request.scratchId}" must be lower-case letters, digits and "-"`,
      );
    }
    const { store, id } = this.#storeFor(request.snapshotId);
    const manifest = await store.readManifest('instance', id);
    if (!manifest) throw new NotFoundError(`snapshot ${request.snapshotId} not found`);
    const key = await store.keyFor(manifest);

    await withClient(this.#server, 'postgres', async (client) => {
      if ((await readDatabaseTags(client, request.scratchId)) !== undefined) {
        throw new GuardRefusedError(
          `a database named ${request.scratchId} already exists; a scratch id must be new`,
        );
      }
      await client.query(`CREATE DATABASE ${quoteIdentifier(request.scratchId)}`);
      // Tagged before any data goes in, so a failed restore still leaves a scratch the cleanup may drop.
      await writeDatabaseTags(client, request.scratchId, request.tags);
    });

    const source = store.snapshotFolder(id);
    const staging = join(this.#location.root, '.staging', request.scratchId);
    try {
      if (key) await makeServerFolder(this.#server, staging);
      await withClient(this.#server, request.scratchId, (client) =>
        copyTablesIn(
          client,
          manifest.copy,
          (table) => (key ? join(staging, table.file) : join(source, table.file)),
          {
            before: key
              ? async (table) => {
                  const plain = join(staging, table.file);
                  await decryptFile(key, join(source, table.file), plain);
                  await handToServer(this.#server, plain);
                }
              : undefined,
            after: key ? (table) => rm(join(staging, table.file), { force: true }) : undefined,
          },
        ),
      );
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
    const scratch = await this.describeScratch('instance', request.scratchId);
    if (!scratch)
      throw new NotFoundError(`scratch database ${request.scratchId} vanished during its restore`);
    return scratch;
  }

  async describeScratch(kind: SourceKind, id: string): Promise<ScratchInstance | undefined> {
    if (kind !== 'instance') return undefined;
    return withClient(this.#server, 'postgres', async (client) => {
      const tags = await readDatabaseTags(client, id);
      if (tags === undefined) return undefined;
      return this.#scratch(id, tags);
    });
  }

  /**
   * A login role named after the scratch database, able to read it and nothing else, stands in for
   * the fresh master password RDS sets on a scratch instance.
   */
  async setMasterPassword(scratch: ScratchInstance, password: string): Promise<void> {
    await withClient(this.#server, 'postgres', async (client) => {
      const tags = await readDatabaseTags(client, scratch.id);
      if (tags === undefined) throw new NotFoundError(`scratch database ${scratch.id} not found`);
      if (!isScratch(tags)) {
        throw new GuardRefusedError(
          `refusing to set a password on ${scratch.id}: it is not tagged lifeboat:scratch=true`,
        );
      }
      const role = quoteIdentifier(scratch.id);
      const secret = `'${password.replaceAll("'", "''")}'`;
      const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [scratch.id]);
      await client.query(
        `${exists.rows.length > 0 ? 'ALTER' : 'CREATE'} ROLE ${role} LOGIN PASSWORD ${secret}`,
      );
      await client.query(`GRANT CONNECT ON DATABASE ${role} TO ${role}`);
      await client.query(`GRANT pg_read_all_data TO ${role}`);
    });
  }

  async deleteScratch(kind: SourceKind, id: string): Promise<void> {
    if (kind !== 'instance') throw new NotFoundError(`no Aurora cluster ${id} in the local engine`);
    await withClient(this.#server, 'postgres', async (client) => {
      // The guard reads the database's own tags now: a source database is never dropped.
      const tags = await readDatabaseTags(client, id);
      if (tags === undefined) throw new NotFoundError(`scratch database ${id} not found`);
      if (!isScratch(tags)) {
        throw new GuardRefusedError(
          `refusing to delete database ${id}: it is not tagged lifeboat:scratch=true`,
        );
      }
      await client.query(`DROP DATABASE ${quoteIdentifier(id)} WITH (FORCE)`);
      await client.query(`DROP ROLE IF EXISTS ${quoteIdentifier(id)}`);
    });
  }

  async listScratch(): Promise<ScratchInstance[]> {
    return withClient(this.#server, 'postgres', async (client) => {
      const result = await client.query<{ name: string; comment: string | null }>(
        `SELECT datname AS name, shobj_description(oid, 'pg_database') AS comment FROM pg_database
          WHERE NOT datistemplate ORDER BY datname`,
      );
      return result.rows
        .map((row) => ({ name: row.name, tags: parseTags(row.comment) }))
        .filter((row) => isScratch(row.tags))
        .map((row) => this.#scratch(row.name, row.tags));
    });
  }

  #storeFor(snapshotId: string): { store: LocalSnapshotStore; id: string } {
    const match = ARN.exec(snapshotId);
    const location = match
      ? { root: this.#location.root, region: match[1]!, account: match[2]! }
      : this.#location;
    return {
      store: new LocalSnapshotStore({ server: this.#server, location }),
      id: match ? match[3]! : snapshotId,
    };
  }

  /** The master user is the scratch's own login role, made by setMasterPassword. */
  #scratch(id: string, tags: Tags): ScratchInstance {
    return {
      kind: 'instance',
      id,
      instanceId: id,
      status: 'available',
      engine: 'postgres',
      endpoint: { host: this.#server.host, port: this.#server.port },
      masterUsername: id,
      tags,
    };
  }
}
