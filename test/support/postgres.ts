import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  chmodSync,
  chownSync,
  copyFileSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './moto.js';

export const POSTGRES_BIN = '/usr/lib/postgresql/15/bin';

/** A throwaway PostgreSQL 15 cluster on a free loopback port, owned by one test file or bench. */
export interface LocalPostgres {
  /** postgres://user:password@127.0.0.1:port/postgres */
  url: string;
  host: string;
  port: number;
  user: string;
  password?: string;
  /** The database that always exists: `postgres`. */
  database: string;
  /** The data directory's parent; holds the socket too. */
  dir: string;
  /** URL of another database on the same server. */
  urlFor(database: string): string;
  /**
   * Serves another certificate to the connections opened from now on (reloads the server, which
   * must have been started with `tls`).
   */
  useCertificate(certificate: { certFile: string; keyFile: string }): Promise<void>;
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /** Extra `-c name=value` server settings (e.g. shared_buffers for the bench). */
  settings?: Record<string, string>;
  /**
   * Serve TLS with this certificate (ssl=on). With `required`, TCP connections without TLS are
   * refused (pg_hba.conf `hostssl` only), so any session that gets in is encrypted.
   */
  tls?: { certFile: string; keyFile: string; required?: boolean };
}

function postgresIds(): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}

/**
 * initdb refuses to run as root, so when the tests run as root the cluster belongs to the
 * `postgres` OS user and every server binary runs through runuser.
 */
function asPostgres(command: string, args: string[]): [string, string[]] {
  const isRoot = process.getuid?.() === 0;
  return isRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
}

export async function startPostgres(options: StartPostgresOptions = {}): Promise<LocalPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'lifeboat-pg-'));
  const dataDir = join(dir, 'data');
  const user = 'postgres';
  const password = randomBytes(12).toString('hex');
  const pwfile = join(dir, 'pwfile');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (process.getuid?.() === 0) {
    const { uid, gid } = postgresIds();
    chownSync(dir, uid, gid);
    chownSync(pwfile, uid, gid);
  }

  const [initCommand, initArgs] = asPostgres(join(POSTGRES_BIN, 'initdb'), [
    '-D',
    dataDir,
    '-U',
    user,
    '--pwfile',
    pwfile,
    '--auth-host=scram-sha-256',
    '--auth-local=trust',
    '--encoding=UTF8',
    '--locale=C',
    '--no-sync',
  ]);
  try {
    execFileSync(initCommand, initArgs, { stdio: 'pipe' });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`initdb failed: ${stderr}`, { cause: error });
  }
  rmSync(pwfile);

  // In postgresql.conf rather than `-c`, which would outrank the ALTER SYSTEM of useCertificate.
  let served = 0;
  const installCertificate = (certificate: { certFile: string; keyFile: string }) => {
    served += 1;
    const [certFile, keyFile] = [join(dir, `server-${served}.crt`), join(dir, `server-${served}.key`)];
    copyFileSync(certificate.certFile, certFile);
    copyFileSync(certificate.keyFile, keyFile);
    // PostgreSQL refuses a key file others can read, or one it does not own.
    chmodSync(keyFile, 0o600);
    if (process.getuid?.() === 0) {
      const { uid, gid } = postgresIds();
      chownSync(certFile, uid, gid);
      chownSync(keyFile, uid, gid);
    }
    return { certFile, keyFile };
  };
  if (options.tls) {
    const { certFile, keyFile } = installCertificate(options.tls);
    appendFileSync(
      join(dataDir, 'postgresql.conf'),
      `ssl = on\nssl_cert_file = '${certFile}'\nssl_key_file = '${keyFile}'\n`,
    );
    if (options.tls.required) {
      const hba = join(dataDir, 'pg_hba.conf');
      writeFileSync(hba, readFileSync(hba, 'utf8').replace(/^host\s/gm, 'hostssl '));
    }
  }
  const ssl = options.tls ? { rejectUnauthorized: false } : undefined;

  const port = await freePort();
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: dir,
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    max_connections: '40',
    ...options.settings,
  };
  const serverArgs = ['-D', dataDir, '-p', String(port)];
  for (const [name, value] of Object.entries(settings)) serverArgs.push('-c', `${name}=${value}`);
  const [serverCommand, args] = asPostgres(join(POSTGRES_BIN, 'postgres'), serverArgs);
  const child: ChildProcess = spawn(serverCommand, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const host = '127.0.0.1';
  const urlFor = (database: string) =>
    `postgres://${user}:${password}@${host}:${port}/${encodeURIComponent(database)}`;

  // runuser does not always pass signals on, so stop the postmaster by its own pid.
  const postmasterPid = (): number | undefined => {
    try {
      return Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    } catch {
      return undefined;
    }
  };
  const killServer = (signal: NodeJS.Signals) => {
    const pid = postmasterPid();
    try {
      if (pid) process.kill(pid, signal);
    } catch {
      // already gone
    }
    if (child.exitCode === null) child.kill(signal);
  };
  // A crashed test run must not leave a server, nor its files, behind.
  const onExit = () => {
    killServer('SIGQUIT');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', onExit);
    if (child.exitCode === null && child.signalCode === null) {
      killServer('SIGINT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null && child.signalCode === null) {
        killServer('SIGKILL');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 2_000))]);
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`postgres exited early: ${stderr}`);
    }
    const client = new pg.Client({ host, port, user, password, database: 'postgres', ssl });
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      break;
    } catch {
      await client.end().catch(() => undefined);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`postgres did not answer on ${host}:${port} within 60 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  const useCertificate = async (certificate: { certFile: string; keyFile: string }) => {
    if (!options.tls) throw new Error('useCertificate needs a server started with tls');
    const { certFile, keyFile } = installCertificate(certificate);
    const query = async (sql: string, values: string[] = []) => {
      const client = new pg.Client({ host, port, user, password, database: 'postgres', ssl });
      await client.connect();
      try {
        return (await client.query<Record<string, string>>(sql, values)).rows;
      } finally {
        await client.end();
      }
    };
    await query(`ALTER SYSTEM SET ssl_cert_file = '${certFile}'`);
    await query(`ALTER SYSTEM SET ssl_key_file = '${keyFile}'`);
    await query('SELECT pg_reload_conf()');
    // The reload is asynchronous; a backend forked after it has the new files and TLS context.
    const until = Date.now() + 10_000;
    while ((await query('SHOW ssl_cert_file'))[0]?.ssl_cert_file !== certFile) {
      if (Date.now() > until) throw new Error(`postgres did not load ${certFile}: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  return {
    url: urlFor('postgres'),
    host,
    port,
    user,
    password,
    database: 'postgres',
    dir,
    urlFor,
    useCertificate,
    stop,
  };
}

/** Runs SQL (any number of statements) in the database a URL names, on a connection of its own. */
export async function runPostgresSql(url: string, sql: string): Promise<void> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
