import { chown, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import pg from 'pg';
import type { Tags } from '../../core/tags.js';

/**
 * The PostgreSQL server the local engine runs on: each of its databases plays an RDS instance.
 * The user must be a superuser (server-side COPY, CREATE/DROP DATABASE, roles for scratch logins).
 */
export interface LocalServer {
  host: string;
  port: number;
  user: string;
  password: string;
  /**
   * The OS user the server runs as, when it is not this process's user (as root, PostgreSQL runs
   * as `postgres`): folders the server writes snapshot files into are handed to it.
   */
  fileOwner?: { uid: number; gid: number };
}

export async function connect(server: LocalServer, database: string): Promise<pg.Client> {
  const client = new pg.Client({
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
    database,
    application_name: 'lifeboat-local-engine',
  });
  // A server stopped under an idle connection (Ctrl-C, the end of a drill) is not a crash.
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

export async function withClient<T>(
  server: LocalServer,
  database: string,
  use: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = await connect(server, database);
  try {
    return await use(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A folder the server's OS user can write to and read from. */
export async function makeServerFolder(server: LocalServer, path: string): Promise<void> {
  // Parents keep the default mode so the server's OS user can reach the folder.
  await mkdir(dirname(path), { recursive: true });
  await mkdir(path, { recursive: true, mode: 0o700 });
  if (server.fileOwner) await chown(path, server.fileOwner.uid, server.fileOwner.gid);
}

export async function handToServer(server: LocalServer, path: string): Promise<void> {
  if (server.fileOwner) await chown(path, server.fileOwner.uid, server.fileOwner.gid);
}

/**
 * A local "instance" keeps its tags in its database comment, as JSON: RDS keeps tags beside the
 * resource too, and the guards on delete read them from there, never from the caller.
 */
export async function readDatabaseTags(client: pg.ClientBase, database: string): Promise<Tags | undefined> {
  const result = await client.query<{ comment: string | null }>(
    `SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1`,
    [database],
  );
  if (result.rows.length === 0) return undefined;
  return parseTags(result.rows[0]!.comment);
}

export async function writeDatabaseTags(client: pg.ClientBase, database: string, tags: Tags): Promise<void> {
  const comment = JSON.stringify(tags).replaceAll("'", "''");
  await client.query(`COMMENT ON DATABASE ${quoteIdentifier(database)} IS '${comment}'`);
}

export function parseTags(comment: string | null): Tags {
  if (!comment) return {};
  try {
    const value: unknown = JSON.parse(comment);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
    return Object.fromEntries(
      Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
    );
  } catch {
    // A comment written by someone else is not tags.
    return {};
  }
}

export const quoteIdentifier = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;
