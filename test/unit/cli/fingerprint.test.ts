import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresFingerprinter } from '../../../lib/adapters/db/postgres.js';
import { startMariaDb, type LocalMariaDb } from '../../support/mariadb.js';
import { startPostgres, type LocalPostgres } from '../../support/postgres.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function lifeboat(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile('node', ['bin/lifeboat.mjs', ...args], { cwd: process.cwd() }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** One line on stderr starting with "lifeboat:", and no stack frame. */
function expectOneLineError(run: Run, pattern: RegExp) {
  expect(run.code).toBe(2);
  expect(run.stdout).toBe('');
  const lines = run.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^lifeboat: /);
  expect(lines[0]).toMatch(pattern);
  expect(run.stderr).not.toMatch(/\n\s+at /);
}

// Each run starts the CLI in a child process, as an operator would: seconds each on a busy machine.
describe('lifeboat fingerprint and compare', { timeout: 180_000 }, () => {
  let server: LocalPostgres;
  let client: pg.Client;
  let dir: string;

  beforeAll(async () => {
    server = await startPostgres();
    client = new pg.Client(server.url);
    await client.connect();
    await client.query(`CREATE TABLE accounts (id int PRIMARY KEY, owner text, balance numeric(12, 2));
      INSERT INTO accounts SELECT i, 'owner ' || i, i * 10.25 FROM generate_series(1, 100) i;
      CREATE TABLE audit (at timestamptz, note text);
      INSERT INTO audit VALUES ('2024-01-01', 'opened'), (NULL, NULL);`);
    dir = mkdtempSync(join(tmpdir(), 'lifeboat-cli-'));
  });

  afterAll(async () => {
    await client?.end();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints the documented JSON, equal to the library fingerprint', async () => {
    const run = await lifeboat('fingerprint', '--url', server.url, '--json', '--segments', '1');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const printed = JSON.parse(run.stdout);
    expect(printed.engine).toBe('postgres');
    expect(Object.keys(printed.tables).sort()).toEqual(['public.accounts', 'public.audit']);
    expect(printed.tables['public.accounts']).toMatchObject({
      rows: 100,
      checksum: expect.stringMatching(/^[0-9a-f]{16}$/),
      columns: expect.stringMatching(/^[0-9a-f]{16}$/),
    });
    const library = await new PostgresFingerprinter().fingerprint({
      engine: 'postgres',
      host: server.host,
      port: server.port,
      user: server.user,
      password: server.password,
      database: 'postgres',
    });
    expect(printed.tables).toEqual(library.tables);
  });

  it('prints a table for people, honouring --exclude', async () => {
    const run = await lifeboat('fingerprint', '--url', server.url, '--exclude', 'public.audit');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^TABLE\s+ROWS\s+CHECKSUM\s+COLUMNS/);
    expect(run.stdout).toMatch(/public\.accounts\s+100\s+[0-9a-f]{16}/);
    expect(run.stdout).not.toContain('public.audit');
    expect(run.stdout).toContain('1 table, 100 rows (postgres)');
  });

  it('compares: 0 when the same, 1 with the differing table, 0 within a tolerance', async () => {
    const before = join(dir, 'before.json');
    const after = join(dir, 'after.json');
    writeFileSync(before, (await lifeboat('fingerprint', '--url', server.url, '--json')).stdout);

    const same = await lifeboat('compare', before, before);
    expect(same.code).toBe(0);
    expect(same.stdout).toContain('same: 2 tables, 2 identical');

    await client.query(
      "UPDATE accounts SET owner = 'someone else' WHERE id = 42; DELETE FROM audit WHERE at IS NULL",
    );
    writeFileSync(after, (await lifeboat('fingerprint', '--url', server.url, '--json')).stdout);
    const different = await lifeboat('compare', before, after);
    expect(different.code).toBe(1);
    expect(different.stdout).toMatch(/MISMATCH\s+public\.accounts: checksum/);
    expect(different.stdout).toMatch(/MISMATCH\s+public\.audit: checksum .* rows 2 -> 1/);
    expect(different.stdout).toContain('different: 2 tables, 0 identical');

    const [tolerated, strict] = await Promise.all([
      lifeboat('compare', before, after, '--tolerance', '50'),
      lifeboat('compare', before, after, '--tolerance', '10', '--json'),
    ]);
    expect(tolerated.code).toBe(0);
    expect(strict.code).toBe(1);
    expect(JSON.parse(strict.stdout).tables).toEqual([
      expect.objectContaining({ table: 'public.accounts', verdict: 'within-tolerance' }),
      expect.objectContaining({ table: 'public.audit', verdict: 'mismatch' }),
    ]);
  });

  it('names the first differing rows when both databases are live', async () => {
    await client.query('CREATE DATABASE app_a');
    const a = new pg.Client(server.urlFor('app_a'));
    await a.connect();
    await a.query(`CREATE TABLE ledger (id int PRIMARY KEY, memo text);
      INSERT INTO ledger SELECT i, 'entry ' || i FROM generate_series(1, 5000) i;`);
    await a.end();
    await client.query('CREATE DATABASE app_b TEMPLATE app_a');
    const b = new pg.Client(server.urlFor('app_b'));
    await b.connect();
    await b.query(`UPDATE ledger SET memo = 'tampered' WHERE id = 4321`);
    await b.end();
    const files = await Promise.all(
      ['app_a', 'app_b'].map(async (database) => {
        const file = join(dir, `${database}.json`);
        const fingerprint = await new PostgresFingerprinter().fingerprint({
          engine: 'postgres',
          host: server.host,
          port: server.port,
          user: server.user,
          password: server.password,
          database,
        });
        writeFileSync(file, JSON.stringify(fingerprint));
        return file;
      }),
    );

    const run = await lifeboat(
      'compare',
      ...files,
      '--baseline-url',
      server.urlFor('app_a'),
      '--candidate-url',
      server.urlFor('app_b'),
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/MISMATCH\s+public\.ledger: checksum/);
    expect(run.stdout).toContain('first differing keys: 4321');
  });

  it('refuses bad input with exit 2 and one line: files, options, URLs, connections, databases', async () => {
    const notJson = join(dir, 'not.json');
    const notFingerprint = join(dir, 'other.json');
    writeFileSync(notJson, 'hello');
    writeFileSync(
      notFingerprint,
      JSON.stringify({ engine: 'postgres', tables: { 'public.t': { rows: -1 } } }),
    );
    const cases: Array<[string[], RegExp]> = [
      [['compare', notJson, notJson], /not\.json is not JSON/],
      [['compare', notFingerprint, notFingerprint], /tables\.public\.t\.rows/],
      [['compare', join(dir, 'absent.json'), notJson], /cannot read .*ENOENT/],
      [['compare', notJson, notJson, '--tolerance', 'lots'], /--tolerance/],
      [['fingerprint', '--url', 'not a url'], /not a database URL/],
      [['fingerprint', '--url', 'redis://localhost/0'], /unsupported .*"redis"/],
      [
        ['fingerprint', '--url', 'postgres://app:50%off@127.0.0.1:1/app'],
        /^lifeboat: --url: the password in .*bad percent-escape/,
      ],
      [
        ['fingerprint', '--url', 'postgres://app@127.0.0.1:1/sales%zz'],
        /^lifeboat: --url: the database name in .*bad percent-escape/,
      ],
      [
        ['fingerprint', '--url', 'postgres://postgres:secret@127.0.0.1:1/postgres'],
        /cannot connect to PostgreSQL at 127\.0\.0\.1:1.*ECONNREFUSED/,
      ],
      [['fingerprint', '--url', server.urlFor('nowhere')], /database "nowhere" does not exist/],
      [['fingerprint', '--url', server.url, '--segments', '0'], /--segments/],
      [
        ['fingerprint', '--url', server.url, '--table', 'public.accounts', '--table', 'public.nope'],
        /table public\.nope not found in database postgres/,
      ],
      [
        ['fingerprint', '--url', server.url, '--exclude', 'public.a.b'],
        /table "public\.a\.b" is not one table/,
      ],
    ];
    const runs = await Promise.all(cases.map(([args]) => lifeboat(...args)));
    runs.forEach((run, index) => {
      expectOneLineError(run, cases[index]![1]);
      expect(run.stderr).not.toContain(server.password);
    });
  });

  describe('on MariaDB', () => {
    let mariadb: LocalMariaDb;

    beforeAll(async () => {
      mariadb = await startMariaDb();
      const connection = await mysql.createConnection({ uri: mariadb.url, multipleStatements: true });
      await connection.query(`CREATE TABLE orders (id INT PRIMARY KEY, item VARCHAR(20), placed DATETIME);
        INSERT INTO orders VALUES (1, 'rope', '2024-01-01 10:00:00'), (2, '', NULL);`);
      await connection.end();
    });

    afterAll(async () => {
      await mariadb?.stop();
    });

    it('fingerprints a mysql:// URL, and names a missing database', async () => {
      const [run, missing] = await Promise.all([
        lifeboat('fingerprint', '--url', mariadb.url, '--json'),
        lifeboat('fingerprint', '--url', mariadb.urlFor('missing')),
      ]);
      expect(run.code).toBe(0);
      const printed = JSON.parse(run.stdout);
      expect(printed.engine).toBe('mysql');
      expect(printed.tables).toEqual({
        'lifeboat.orders': expect.objectContaining({
          rows: 2,
          key: 'id',
          checksum: expect.stringMatching(/^[0-9a-f]{16}$/),
        }),
      });
      expectOneLineError(missing, /MySQL database "missing" does not exist/);
    });
  });
});
