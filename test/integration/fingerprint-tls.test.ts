import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  rdsEndpointConnections,
  scratchEndpointConnections,
} from '../../lib/adapters/aws/scratch-connections.js';
import { connectMysql, MysqlFingerprinter } from '../../lib/adapters/db/mysql.js';
import { connectPostgres, PostgresFingerprinter } from '../../lib/adapters/db/postgres.js';
import type { DatabaseConnection, Fingerprinter } from '../../lib/core/fingerprint/types.js';
import type { ConnectionResolver, ScratchInstance } from '../../lib/core/ports.js';
import { startMariaDb, type LocalMariaDb } from '../support/mariadb.js';
import { startPostgres, type LocalPostgres } from '../support/postgres.js';
import { makeTestCertificates, type ServerCertificate } from '../support/tls.js';

// Each server's certificate is signed by a throwaway authority no one else trusts, as a scratch
// instance's is signed by RDS's own, and its test user can only get in over TLS (pg_hba hostssl,
// REQUIRE SSL): a fingerprint that succeeds had every one of its sessions encrypted. On top, the
// server is asked about the fingerprinter's own sessions while they are open.

const certificates = makeTestCertificates(mkdtempSync(join(tmpdir(), 'lifeboat-certs-')));
const trustingTestCa = scratchEndpointConnections([certificates.ca]);

/** The server's side of one engine: start, fill, look at sessions, swap certificates. */
interface TlsServer {
  engine: 'postgres' | 'mysql';
  fingerprinter: Fingerprinter;
  start(): Promise<{ host: string; port: number; user: string; password?: string; database: string }>;
  /** Whether the server sees the session `connect` (the fingerprinter's own function) opened as encrypted. */
  sessionEncrypted(connection: DatabaseConnection): Promise<boolean>;
  /**
   * Runs `work` while a lock holds the fingerprinter's sessions open, and returns, for each of
   * them, whether the server sees it encrypted.
   */
  sessionsDuring(work: () => Promise<unknown>): Promise<boolean[]>;
  useCertificate(certificate: ServerCertificate): Promise<void>;
  stop(): Promise<void>;
}

/** Polls `look` until `blocked` says the fingerprint is waiting on the lock, or `work` settled. */
async function whileBlocked<T>(
  work: () => Promise<unknown>,
  look: () => Promise<T[]>,
  blocked: (rows: T[]) => boolean,
  release: () => Promise<void>,
): Promise<T[]> {
  let settled = false;
  const run = work().finally(() => {
    settled = true;
  });
  run.catch(() => undefined);
  let rows: T[] = [];
  try {
    const until = Date.now() + 20_000;
    while (!settled && Date.now() < until) {
      rows = await look();
      if (blocked(rows)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await release();
  }
  await run;
  if (settled && !blocked(rows)) throw new Error('the fingerprint never waited on the lock');
  return rows;
}

function postgresServer(): TlsServer {
  let server: LocalPostgres;
  const admin = () =>
    new pg.Client({ host: server.dir, port: server.port, user: server.user, database: server.database });
  return {
    engine: 'postgres',
    fingerprinter: new PostgresFingerprinter(),
    async start() {
      server = await startPostgres({ tls: { ...certificates.right, required: true } });
      const client = admin();
      await client.connect();
      await client.query(
        'CREATE TABLE orders AS SELECT g AS id, md5(g::text) AS note FROM generate_series(1, 100) g',
      );
      await client.end();
      return server;
    },
    async sessionEncrypted(connection) {
      const client = await connectPostgres(connection);
      try {
        const { rows } = await client.query<{ ssl: boolean }>(
          'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
        );
        return rows[0]?.ssl === true;
      } finally {
        await client.end();
      }
    },
    async sessionsDuring(work) {
      const observer = admin();
      await observer.connect();
      await observer.query('BEGIN');
      await observer.query('LOCK TABLE public.orders IN ACCESS EXCLUSIVE MODE');
      const rows = await whileBlocked(
        work,
        async () => {
          // A transaction sees activity as of its first look unless told to look again.
          await observer.query('SELECT pg_stat_clear_snapshot()');
          const { rows } = await observer.query<{ ssl: boolean; wait_event_type: string | null }>(
            `SELECT s.ssl, a.wait_event_type FROM pg_stat_activity a JOIN pg_stat_ssl s ON s.pid = a.pid
              WHERE a.application_name = 'lifeboat-fingerprint'`,
          );
          return rows;
        },
        (sessions) => sessions.some((s) => s.wait_event_type === 'Lock'),
        async () => {
          await observer.query('COMMIT');
          await observer.end();
        },
      );
      return rows.map((s) => s.ssl);
    },
    useCertificate: (certificate) => server.useCertificate(certificate),
    stop: async () => server?.stop(),
  };
}

function mariaDbServer(): TlsServer {
  let server: LocalMariaDb;
  const admin = () =>
    mysql.createConnection({
      socketPath: join(server.dir, 'mariadb.sock'),
      user: 'root',
      database: server.database,
    });
  return {
    engine: 'mysql',
    fingerprinter: new MysqlFingerprinter(),
    async start() {
      server = await startMariaDb({
        // For the TLS state of other sessions (performance_schema.status_by_thread).
        settings: { 'performance-schema': 'ON' },
        tls: { ...certificates.right, caFile: certificates.caFile, required: true },
      });
      const root = await admin();
      await root.query(`CREATE TABLE ${server.database}.orders (id INT PRIMARY KEY, note TEXT)`);
      await root.query(`INSERT INTO ${server.database}.orders SELECT seq, md5(seq) FROM seq_1_to_100`);
      await root.end();
      return server;
    },
    async sessionEncrypted(connection) {
      const client = await connectMysql(connection);
      try {
        const [rows] = await client.query<mysql.RowDataPacket[]>("SHOW SESSION STATUS LIKE 'Ssl_cipher'");
        return String(rows[0]?.Value ?? '') !== '';
      } finally {
        await client.end();
      }
    },
    async sessionsDuring(work) {
      // The session holding LOCK TABLES may read no other table, so another one looks.
      const [locker, observer] = [await admin(), await admin()];
      await locker.query('LOCK TABLES orders WRITE');
      const rows = await whileBlocked(
        work,
        async () =>
          (
            await observer.query<mysql.RowDataPacket[]>(
              `SELECT s.VARIABLE_VALUE AS cipher, p.STATE AS state
                 FROM performance_schema.threads t
                 JOIN performance_schema.status_by_thread s
                   ON s.THREAD_ID = t.THREAD_ID AND s.VARIABLE_NAME = 'Ssl_cipher'
                 JOIN information_schema.PROCESSLIST p ON p.ID = t.PROCESSLIST_ID
                WHERE t.PROCESSLIST_USER = ?`,
              [server.user],
            )
          )[0],
        (sessions) => sessions.some((s) => /lock/i.test(String(s.state ?? ''))),
        async () => {
          await locker.query('UNLOCK TABLES');
          await Promise.all([locker.end(), observer.end()]);
        },
      );
      return rows.map((s) => String(s.cipher ?? '') !== '');
    },
    useCertificate: (certificate) => server.useCertificate(certificate),
    stop: async () => server?.stop(),
  };
}

const NAMES = { postgres: 'PostgreSQL', mysql: 'MySQL' } as const;

describe.each([postgresServer(), mariaDbServer()])('TLS to the $engine being fingerprinted', (server) => {
  let scratch: ScratchInstance;
  const credentials = { user: '', password: '' };
  let database: string;

  beforeAll(async () => {
    const started = await server.start();
    scratch = {
      kind: 'instance',
      id: 'lbs-tls-1',
      instanceId: 'lbs-tls-1',
      status: 'available',
      engine: server.engine,
      endpoint: { host: started.host, port: started.port },
      tags: {},
    };
    credentials.user = started.user;
    credentials.password = started.password ?? '';
    database = started.database;
  }, 120_000);

  afterAll(async () => {
    await server.stop();
  });

  const connect = (resolver: ConnectionResolver, tls: 'require' | 'verify-full') =>
    resolver.connectionFor(scratch, credentials, database, { tls }) as DatabaseConnection;

  /** Fingerprints through the same path as a restore-verify run, and reports what the server saw. */
  const fingerprintSeen = async (connection: DatabaseConnection) => {
    let rows: number | undefined;
    const sessions = await server.sessionsDuring(async () => {
      const fingerprint = await server.fingerprinter.fingerprint(connection);
      rows = Object.values(fingerprint.tables)[0]?.rows;
    });
    return { sessions, rows };
  };

  it('with verify.tls: require, every session of the fingerprint is encrypted in the server’s view', async () => {
    const connection = connect(trustingTestCa, 'require');

    await expect(server.sessionEncrypted(connection)).resolves.toBe(true);
    const seen = await fingerprintSeen(connection);
    expect(seen.rows).toBe(100);
    expect(seen.sessions.length).toBeGreaterThan(0);
    expect(seen.sessions.every(Boolean)).toBe(true);
  });

  it('with verify-full, a certificate for the host signed by the authority handed in is accepted, encrypted', async () => {
    const connection = connect(trustingTestCa, 'verify-full');

    await expect(server.sessionEncrypted(connection)).resolves.toBe(true);
    const seen = await fingerprintSeen(connection);
    expect(seen.rows).toBe(100);
    expect(seen.sessions.length).toBeGreaterThan(0);
    expect(seen.sessions.every(Boolean)).toBe(true);
  });

  it('with verify-full, refuses a certificate for another name, naming the host', async () => {
    await server.useCertificate(certificates.wrongName);
    try {
      await expect(
        server.fingerprinter.listTables(connect(trustingTestCa, 'verify-full')),
      ).rejects.toMatchObject({
        name: 'ConfigError',
        message: expect.stringMatching(
          new RegExp(
            `^cannot connect to ${NAMES[server.engine]} at 127\\.0\\.0\\.1:\\d+.*: the server's certificate is not for 127\\.0\\.0\\.1 \\(it is for DNS:db\\.elsewhere\\.invalid\\)`,
          ),
        ),
      });
      // require does not check the name: still encrypted.
      await expect(server.sessionEncrypted(connect(trustingTestCa, 'require'))).resolves.toBe(true);
    } finally {
      await server.useCertificate(certificates.right);
    }
  });

  it('with verify-full, refuses a certificate signed by an authority it was not handed', async () => {
    await server.useCertificate(certificates.otherCa);
    const notTrusted = new RegExp(
      `^cannot connect to ${NAMES[server.engine]} at 127\\.0\\.0\\.1:\\d+.*: the server's certificate is not signed by an authority verify-full trusts`,
    );
    try {
      await expect(
        server.fingerprinter.listTables(connect(trustingTestCa, 'verify-full')),
      ).rejects.toMatchObject({
        name: 'ConfigError',
        message: expect.stringMatching(notTrusted),
      });
    } finally {
      await server.useCertificate(certificates.right);
    }
    // Nor does the production resolver, with the RDS authorities, trust the test CA.
    await expect(
      server.fingerprinter.listTables(connect(rdsEndpointConnections, 'verify-full')),
    ).rejects.toMatchObject({
      name: 'ConfigError',
      message: expect.stringMatching(notTrusted),
    });
  });
});

afterAll(() => {
  rmSync(certificates.dir, { recursive: true, force: true });
});
