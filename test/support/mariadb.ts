import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { freePort } from './moto.js';

/** A throwaway MariaDB server on a free loopback port, owned by one test file. */
export interface LocalMariaDb {
  /** mysql://user:password@127.0.0.1:port/lifeboat */
  url: string;
  host: string;
  port: number;
  user: string;
  password?: string;
  /** An empty database created at start: `lifeboat`. */
  database: string;
  dir: string;
  urlFor(database: string): string;
  /**
   * Serves another certificate to the connections opened from now on (FLUSH SSL; the server must
   * have been started with `tls`).
   */
  useCertificate(certificate: { certFile: string; keyFile: string }): Promise<void>;
  stop(): Promise<void>;
}

export interface StartMariaDbOptions {
  settings?: Record<string, string>;
  /**
   * Serve TLS with this certificate (--ssl-cert, --ssl-key, --ssl-ca). With `required`, the test
   * user is created `REQUIRE SSL`, so any session it opens is encrypted.
   */
  tls?: { certFile: string; keyFile: string; caFile: string; required?: boolean };
}

/**
 * Installs a fresh data directory, starts mariadbd on loopback only, and creates a password user
 * for TCP clients (root keeps socket-only access, as on a packaged server). `settings` are server
 * options (`{ 'innodb-buffer-pool-size': '1G' }`) given after the defaults, so they win.
 */
export async function startMariaDb(options: StartMariaDbOptions = {}): Promise<LocalMariaDb> {
  const dir = mkdtempSync(join(tmpdir(), 'lifeboat-mariadb-'));
  const dataDir = join(dir, 'data');
  const socket = join(dir, 'mariadb.sock');
  try {
    execFileSync(
      'mariadb-install-db',
      [
        '--no-defaults',
        '--user=root',
        `--datadir=${dataDir}`,
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
      ],
      { stdio: 'pipe' },
    );
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`mariadb-install-db failed: ${stderr}`, { cause: error });
  }

  // Fixed paths, so that useCertificate can overwrite them and FLUSH SSL reads them again.
  const [certFile, keyFile] = [join(dir, 'server.crt'), join(dir, 'server.key')];
  const installCertificate = (certificate: { certFile: string; keyFile: string }) => {
    copyFileSync(certificate.certFile, certFile);
    copyFileSync(certificate.keyFile, keyFile);
  };
  const tlsArgs: string[] = [];
  if (options.tls) {
    installCertificate(options.tls);
    tlsArgs.push(`--ssl-cert=${certFile}`, `--ssl-key=${keyFile}`, `--ssl-ca=${options.tls.caFile}`);
  }

  const port = await freePort();
  const child: ChildProcess = spawn(
    'mariadbd',
    [
      '--no-defaults',
      '--user=root',
      `--datadir=${dataDir}`,
      `--socket=${socket}`,
      `--pid-file=${join(dir, 'mariadb.pid')}`,
      '--bind-address=127.0.0.1',
      `--port=${port}`,
      '--skip-name-resolve',
      '--skip-log-bin',
      '--innodb-buffer-pool-size=64M',
      '--innodb-log-file-size=16M',
      '--innodb-flush-log-at-trx-commit=0',
      '--innodb-doublewrite=0',
      '--character-set-server=utf8mb4',
      '--collation-server=utf8mb4_bin',
      ...tlsArgs,
      ...Object.entries(options.settings ?? {}).map(([name, value]) => `--${name}=${value}`),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const onExit = () => child.kill('SIGKILL');
  process.once('exit', onExit);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', onExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 2_000))]);
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const host = '127.0.0.1';
  const user = 'lifeboat';
  const password = randomBytes(12).toString('hex');
  const database = 'lifeboat';
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`mariadbd exited early: ${stderr}`);
    }
    try {
      const root = await mysql.createConnection({ socketPath: socket, user: 'root' });
      try {
        const requireSsl = options.tls?.required ? ' REQUIRE SSL' : '';
        await root.query(`CREATE USER '${user}'@'127.0.0.1' IDENTIFIED BY '${password}'${requireSsl}`);
        await root.query(`GRANT ALL PRIVILEGES ON *.* TO '${user}'@'127.0.0.1' WITH GRANT OPTION`);
        await root.query(`CREATE DATABASE ${database}`);
      } finally {
        await root.end();
      }
      break;
    } catch (error) {
      if (
        (error as { code?: string }).code !== 'ENOENT' &&
        (error as { code?: string }).code !== 'ECONNREFUSED'
      ) {
        await stop();
        throw error;
      }
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`mariadbd did not answer on ${socket} within 60 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  const urlFor = (name: string) => `mysql://${user}:${password}@${host}:${port}/${encodeURIComponent(name)}`;
  const useCertificate = async (certificate: { certFile: string; keyFile: string }) => {
    if (!options.tls) throw new Error('useCertificate needs a server started with tls');
    installCertificate(certificate);
    const root = await mysql.createConnection({ socketPath: socket, user: 'root' });
    try {
      await root.query('FLUSH SSL');
    } finally {
      await root.end();
    }
  };
  return { url: urlFor(database), host, port, user, password, database, dir, urlFor, useCertificate, stop };
}

/** Runs SQL (any number of statements) in the database a URL names, on a connection of its own. */
export async function runMariaDbSql(url: string, sql: string): Promise<void> {
  const client = await mysql.createConnection({ uri: url, multipleStatements: true });
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
