import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectionFromUrl, fingerprinterFor } from '../../lib/adapters/db/index.js';
import { TAG } from '../../lib/core/tags.js';
import { startLifeboatOnMoto, type CliProcess, type CliRun } from '../support/cli.js';
import { runMariaDbSql, startMariaDb, type LocalMariaDb } from '../support/mariadb.js';
import { freePort, motoClientConfig, startMoto, type Moto } from '../support/moto.js';
import { runPostgresSql, startPostgres, type LocalPostgres } from '../support/postgres.js';
import { createInstance } from '../support/rds-fixtures.js';
import { makeTestCertificates, type TestCertificates } from '../support/tls.js';

// `lifeboat recover` as an operator runs it, end to end: the real command line against moto
// (RestoreDBInstanceToPointInTime, the scratch tags, ModifyDBInstance for the derived password,
// DeleteDBInstance), the password key in moto's Secrets Manager. moto restores no database, so
// the scratch's endpoint is a local server holding the data as it was (BEFORE), reached through
// the test-only LIFEBOAT_TEST_SCRATCH_ENDPOINT with TLS (the policy's verify.tls: require) as the
// restored master user, whose password the test sets to the one RDS would apply once it sees the
// scratch in moto. The live database (AFTER) is a second local server, damaged.

const SOURCE = 'shop-db';
const DATABASE = 'shop';
const MASTER_USER = 'admin'; // the source's master user (test/support/rds-fixtures.ts)

/** The password RDS is given for a scratch instance, derived here without Lifeboat's code. */
function expectedPassword(key: string, scratchId: string): string {
  return createHmac('sha256', key).update(`instance:${scratchId}`).digest('base64url').slice(0, 40);
}

/** What differs per engine: how the two local servers are started, loaded, damaged and repaired. */
interface EngineSide {
  url(database: string): string;
  /** Runs SQL (several statements) in the database. */
  run(database: string, sql: string): Promise<void>;
  stop(): Promise<void>;
  host: string;
  port: number;
}

interface Engine {
  name: 'postgres' | 'mariadb';
  rdsEngine: { engine: string; engineVersion?: string };
  /** A table's key as --table takes it. */
  table(name: string): string;
  start(certificates: TestCertificates): Promise<{ scratch: EngineSide; live: EngineSide }>;
  /** Creates the restored master user with a password nobody knows yet, allowed to read the data. */
  createMasterUser(scratch: EngineSide): Promise<void>;
  setMasterPassword(scratch: EngineSide, password: string): Promise<void>;
  recreate(side: EngineSide): Promise<void>;
  schema: string;
}

// Players sort before teams: a script in table order would insert a player before its team.
const DAMAGE = `
  DELETE FROM teams WHERE id IN (3, 7);
  UPDATE players SET rating = 0 WHERE id % 50 = 1;
  INSERT INTO players (id, team_id, name, rating) VALUES (1001, 1, 'signed today', 5.5);
`;

/** A local server as the test uses it; `run` is its engine's way to run SQL. */
function side(
  server: LocalPostgres | LocalMariaDb,
  run: (url: string, sql: string) => Promise<void>,
): EngineSide {
  return {
    host: server.host,
    port: server.port,
    url: (database) => server.urlFor(database),
    run: (database, sql) => run(server.urlFor(database), sql),
    stop: () => server.stop(),
  };
}

const ENGINES: Engine[] = [
  {
    name: 'postgres',
    rdsEngine: { engine: 'postgres' },
    table: (name) => `public.${name}`,
    async start(certificates) {
      const [scratch, live] = await Promise.all([
        startPostgres({ tls: certificates.right }),
        startPostgres(),
      ]);
      return { scratch: side(scratch, runPostgresSql), live: side(live, runPostgresSql) };
    },
    async createMasterUser(scratch) {
      await scratch.run(
        'postgres',
        `CREATE ROLE ${MASTER_USER} LOGIN PASSWORD '${randomBytes(16).toString('hex')}' IN ROLE pg_read_all_data`,
      );
    },
    async setMasterPassword(scratch, password) {
      await scratch.run('postgres', `ALTER ROLE ${MASTER_USER} PASSWORD '${password}'`);
    },
    async recreate(side) {
      await side.run('postgres', `DROP DATABASE IF EXISTS ${DATABASE}`);
      await side.run('postgres', `CREATE DATABASE ${DATABASE}`);
      await side.run(DATABASE, this.schema);
    },
    schema: `
      CREATE TABLE teams (id bigint PRIMARY KEY, name text NOT NULL UNIQUE);
      CREATE TABLE players (id bigint PRIMARY KEY, team_id bigint NOT NULL REFERENCES teams ON DELETE CASCADE,
        name text, rating numeric(6,2));
      INSERT INTO teams SELECT g, 'team ' || g FROM generate_series(1, 20) g;
      INSERT INTO players SELECT g, 1 + g % 20, 'player ' || g, g % 97 + 0.25 FROM generate_series(1, 400) g;
    `,
  },
  {
    name: 'mariadb',
    rdsEngine: { engine: 'mariadb', engineVersion: '10.11.9' },
    table: (name) => `${DATABASE}.${name}`,
    async start(certificates) {
      const [scratch, live] = await Promise.all([
        startMariaDb({ tls: { ...certificates.right, caFile: certificates.caFile } }),
        startMariaDb(),
      ]);
      return { scratch: side(scratch, runMariaDbSql), live: side(live, runMariaDbSql) };
    },
    async createMasterUser(scratch) {
      const password = randomBytes(16).toString('hex');
      await scratch.run(
        'lifeboat',
        `CREATE USER '${MASTER_USER}'@'127.0.0.1' IDENTIFIED BY '${password}' REQUIRE SSL;
         GRANT SELECT ON ${DATABASE}.* TO '${MASTER_USER}'@'127.0.0.1'`,
      );
    },
    async setMasterPassword(scratch, password) {
      await scratch.run('lifeboat', `ALTER USER '${MASTER_USER}'@'127.0.0.1' IDENTIFIED BY '${password}'`);
    },
    async recreate(side) {
      await side.run('lifeboat', `DROP DATABASE IF EXISTS ${DATABASE}; CREATE DATABASE ${DATABASE}`);
      await side.run(DATABASE, this.schema);
    },
    schema: `
      CREATE TABLE teams (id bigint PRIMARY KEY, name varchar(40) NOT NULL UNIQUE) ENGINE=InnoDB;
      CREATE TABLE players (id bigint PRIMARY KEY, team_id bigint NOT NULL, name varchar(40), rating decimal(6,2),
        FOREIGN KEY (team_id) REFERENCES teams (id) ON DELETE CASCADE) ENGINE=InnoDB;
      INSERT INTO teams SELECT seq, CONCAT('team ', seq) FROM seq_1_to_20;
      INSERT INTO players SELECT seq, 1 + seq % 20, CONCAT('player ', seq), seq % 97 + 0.25 FROM seq_1_to_400;
    `,
  },
];

let moto: Moto;
let rds: RDSClient;
let dir: string;
let certificates: TestCertificates;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lifeboat-recover-e2e-'));
  certificates = makeTestCertificates(dir);
  moto = await startMoto();
  rds = new RDSClient(motoClientConfig(moto));
}, 60_000);

afterAll(async () => {
  await moto?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Scratch instances moto lists (tagged lifeboat:scratch=true), with their status. */
async function scratchInstances(): Promise<Array<{ id: string; status: string }>> {
  const instances = (await rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? [];
  return instances
    .filter((i) => (i.TagList ?? []).some((t) => t.Key === TAG.scratch && t.Value === 'true'))
    .map((i) => ({ id: i.DBInstanceIdentifier!, status: i.DBInstanceStatus! }));
}

describe.each(ENGINES)('lifeboat recover on moto, $name', (engine) => {
  let scratch: EngineSide;
  let live: EngineSide;
  let policyFile: string;
  let passwordKeyArn: string;
  let passwordKey: string;

  beforeAll(async () => {
    ({ scratch, live } = await engine.start(certificates));
    await engine.recreate(scratch);
    await engine.createMasterUser(scratch);
    policyFile = join(dir, `lifeboat-${engine.name}.yml`);
    writeFileSync(
      policyFile,
      [
        'policies:',
        '  gold:',
        '    select: { tags: { "lifeboat:policy": gold } }',
        '    schedule: "cron(0 */6 * * ? *)"',
        '    rpoMinutes: 360',
        '    rtoMinutes: 120',
        '    retention: { daily: 7 }',
        '    verify:',
        '      instanceClass: db.t4g.medium',
        '      securityGroupIds: [sg-0123456789abcdef0]',
        `      databases: [${DATABASE}]`,
        // A local server has no RDS certificate: encrypted, not checked, as a policy may say.
        '      tls: require',
        '',
      ].join('\n'),
    );
  }, 120_000);

  afterAll(async () => {
    await Promise.all([scratch?.stop(), live?.stop()]);
  });

  beforeEach(async () => {
    await moto.reset();
    await createInstance(
      rds,
      SOURCE,
      { 'lifeboat:policy': 'gold' },
      { ...engine.rdsEngine, backupRetentionDays: 7 },
    );
    passwordKey = randomBytes(32).toString('hex');
    const secret = await new SecretsManagerClient(motoClientConfig(moto)).send(
      new CreateSecretCommand({ Name: 'lifeboat-dev-scratch-password-key', SecretString: passwordKey }),
    );
    passwordKeyArn = secret.ARN!;
    await engine.recreate(live);
    await live.run(DATABASE, DAMAGE);
  });

  /**
   * Runs `lifeboat recover` while standing in for RDS's engine: once moto lists the scratch, its
   * master user takes the password RDS would apply (unless `password: false`, when every login is
   * refused and recover keeps waiting). `meanwhile` gets the process as it runs.
   */
  async function recover(
    args: string[],
    options: { password?: boolean; meanwhile?: (run: CliProcess) => Promise<void> } = {},
  ): Promise<CliRun & { scratchId: string | undefined }> {
    let scratchId: string | undefined;
    let done = false;
    const applying = (async () => {
      while (!done && !scratchId) {
        const [found] = await scratchInstances();
        if (found) {
          scratchId = found.id;
          if (options.password !== false)
            await engine.setMasterPassword(scratch, expectedPassword(passwordKey, found.id));
        } else await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const started = startLifeboatOnMoto(
      moto.endpoint,
      [
        'recover',
        '--db',
        SOURCE,
        '--time',
        new Date(Date.now() - 60_000).toISOString(),
        '--policy',
        policyFile,
        '--password-key-secret',
        passwordKeyArn,
        '--poll-seconds',
        '1',
        '--region',
        'us-east-1',
        ...args,
      ],
      { LIFEBOAT_TEST_SCRATCH_ENDPOINT: `${scratch.host}:${scratch.port}`, LIFEBOAT_LIVE_URL: '' },
    );
    await options.meanwhile?.(started);
    const run = await started.done;
    done = true;
    await applying;
    return { ...run, scratchId };
  }

  async function fingerprints(url: string) {
    const connection = connectionFromUrl(url, 'test');
    const taken = await fingerprinterFor(connection.engine).fingerprint(connection, {
      databases: [],
      tables: [],
      exclude: [],
      segments: 1,
    });
    return taken.tables;
  }

  it('restores the point in time, diffs it against the live database, writes the repair script and report, deletes the scratch', async () => {
    const [sql, report] = [join(dir, `${engine.name}-repair.sql`), join(dir, `${engine.name}-report.json`)];
    const before = await fingerprints(scratch.url(DATABASE));
    expect(await fingerprints(live.url(DATABASE))).not.toEqual(before);

    const run = await recover([
      '--live-url',
      live.url(DATABASE),
      '--sql',
      sql,
      '--report',
      report,
      '--delete-inserted',
    ]);

    expect(run.code, run.stderr).toBe(1);
    const id = run.scratchId!;
    expect(id).toMatch(/^lbs-shop-db-/);
    // Each step on its own line, as it happens; the scratch deleted before the report is printed.
    const steps = run.stderr.trim().split('\n');
    expect(steps).toEqual([
      expect.stringMatching(new RegExp(`^restoring ${SOURCE} as of .+Z into scratch ${id} \\.\\.\\.$`)),
      expect.stringMatching(new RegExp(`^scratch ${id} is available after \\d+\\.\\d s$`)),
      'diffing the scratch (BEFORE) against the live database (AFTER) ...',
      `cleanup: ${id} is being deleted (no final snapshot)`,
      `Repair script written to ${sql}; Lifeboat does not run it.`,
    ]);
    expect(run.stdout).toMatch(/teams: 2 deleted, 0 inserted, 0 changed/);
    expect(run.stdout).toMatch(/players: 40 deleted, 1 inserted, 8 changed/);
    expect(await scratchInstances()).toEqual([]);
    const written = JSON.parse(readFileSync(report, 'utf8')) as {
      recovery: { scratch: { id: string }; cleanup: { deleted: boolean } };
    };
    expect(written.recovery.scratch.id).toBe(id);
    expect(written.recovery.cleanup.deleted).toBe(true);

    await live.run(DATABASE, readFileSync(sql, 'utf8'));

    expect(await fingerprints(live.url(DATABASE))).toEqual(before);
  }, 120_000);

  it('keeps the scratch with --keep, to expire as every scratch does', async () => {
    const run = await recover(['--live-url', live.url(DATABASE), '--table', engine.table('teams'), '--keep']);

    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain(`cleanup: kept on request: ${run.scratchId}`);
    expect(await scratchInstances()).toEqual([{ id: run.scratchId, status: 'available' }]);
  }, 120_000);

  it('exits 2 with one line when the diff fails, and still deletes the scratch', async () => {
    const closed = await freePort();
    const url = live.url(DATABASE).replace(/:\d+\//, `:${closed}/`);

    const run = await recover(['--live-url', url, '--sql', join(dir, 'never.sql')]);

    expect(run.code).toBe(2);
    const lines = run.stderr.trim().split('\n');
    expect(lines.filter((line) => line.startsWith('lifeboat:'))).toEqual([
      expect.stringMatching(
        new RegExp(`^lifeboat: cannot connect to (PostgreSQL|MySQL) at 127.0.0.1:${closed}`),
      ),
    ]);
    expect(lines.at(-1)).toMatch(/^lifeboat: /);
    expect(lines.at(-2)).toBe(`cleanup: ${run.scratchId} is being deleted (no final snapshot)`);
    expect(await scratchInstances()).toEqual([]);
  }, 120_000);

  it('deletes the scratch when interrupted while it waits (Ctrl-C), and exits 130', async () => {
    const run = await recover(['--live-url', live.url(DATABASE)], {
      // The scratch never takes its password: recover waits, looking again each second.
      password: false,
      async meanwhile({ child, stderrSoFar }) {
        const deadline = Date.now() + 60_000;
        while (!stderrSoFar().includes('diffing the scratch') && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 100));
        child.kill('SIGINT');
      },
    });

    expect(run.code, run.stderr).toBe(130);
    const lines = run.stderr.trim().split('\n');
    expect(lines.slice(-2)).toEqual([
      'SIGINT: stopping; the scratch is deleted first (SIGINT again leaves it to expire)',
      `cleanup: ${run.scratchId} is being deleted (no final snapshot)`,
    ]);
    expect(run.stdout).toBe('');
    expect(await scratchInstances()).toEqual([]);
  }, 120_000);
});
