import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDiffSides } from '../../lib/adapters/db/diff.js';
import { connectionFromUrl, fingerprinterFor } from '../../lib/adapters/db/index.js';
import { repairScriptFor } from '../../lib/core/diff/repair-engines.js';
import { diffDatabases } from '../../lib/core/use-cases/diff-databases.js';
import { runMariaDbSql, startMariaDb } from '../support/mariadb.js';
import { runPostgresSql, startPostgres } from '../support/postgres.js';

// Repair scripts across foreign keys, run on real servers: the rows a bad statement took from
// tables linked by foreign keys are put back in an order the engine accepts. The names are chosen
// so that the referencing table sorts first: a script in table order would fail.

interface Server {
  /** A new empty database holding `sql`; its URL. */
  database(name: string, sql: string): Promise<string>;
  run(url: string, sql: string): Promise<void>;
  stop(): Promise<void>;
}

interface Engine {
  name: string;
  start(): Promise<Server>;
  /** Parent `teams`, child `players` (ON DELETE CASCADE). */
  cascade: string;
  /** Parent `users`, child `accounts` (plain foreign key: a parent with children cannot go). */
  plain: string;
  /** `items` and `boxes` reference each other; `staff` references itself. */
  cycle: string;
  /** Deletes rows of the cycle, which takes the checks out of the way. */
  cycleDamage: string;
  deferred: RegExp;
}

/** A started server, its databases made through its own `run`. */
async function startServer(
  starting: Promise<{ url: string; urlFor(name: string): string; stop(): Promise<void> }>,
  run: (url: string, sql: string) => Promise<void>,
): Promise<Server> {
  const server = await starting;
  return {
    async database(name, sql) {
      await run(server.url, `CREATE DATABASE ${name}`);
      await run(server.urlFor(name), sql);
      return server.urlFor(name);
    },
    run,
    stop: () => server.stop(),
  };
}

const rows = (count: number, row: (i: number) => string) =>
  Array.from({ length: count }, (_, i) => row(i + 1)).join(', ');

const ENGINES: Engine[] = [
  {
    name: 'PostgreSQL',
    start: () => startServer(startPostgres(), runPostgresSql),
    cascade: `
      CREATE TABLE teams (id int PRIMARY KEY, name text NOT NULL);
      CREATE TABLE players (id int PRIMARY KEY, team_id int NOT NULL REFERENCES teams ON DELETE CASCADE, name text);`,
    plain: `
      CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL UNIQUE);
      CREATE TABLE accounts (id int PRIMARY KEY, user_id int NOT NULL REFERENCES users, balance numeric(10, 2));`,
    cycle: `
      CREATE TABLE boxes (id int PRIMARY KEY, label text, first_item int);
      CREATE TABLE items (id int PRIMARY KEY, box_id int REFERENCES boxes DEFERRABLE, name text);
      ALTER TABLE boxes ADD FOREIGN KEY (first_item) REFERENCES items DEFERRABLE;
      CREATE TABLE staff (id int PRIMARY KEY, manager_id int REFERENCES staff ON DELETE CASCADE, name text);`,
    cycleDamage: `
      BEGIN; SET CONSTRAINTS ALL DEFERRED;
      DELETE FROM items WHERE box_id IN (2, 3); DELETE FROM boxes WHERE id IN (2, 3);
      COMMIT;
      DELETE FROM staff WHERE id = 2;`,
    deferred: /^SET CONSTRAINTS ALL DEFERRED;$/m,
  },
  {
    name: 'MariaDB',
    start: () => startServer(startMariaDb(), runMariaDbSql),
    cascade: `
      CREATE TABLE teams (id int PRIMARY KEY, name varchar(20) NOT NULL) ENGINE=InnoDB;
      CREATE TABLE players (id int PRIMARY KEY, team_id int NOT NULL, name varchar(20),
        FOREIGN KEY (team_id) REFERENCES teams (id) ON DELETE CASCADE) ENGINE=InnoDB;`,
    plain: `
      CREATE TABLE users (id int PRIMARY KEY, email varchar(40) NOT NULL UNIQUE) ENGINE=InnoDB;
      CREATE TABLE accounts (id int PRIMARY KEY, user_id int NOT NULL, balance decimal(10, 2),
        FOREIGN KEY (user_id) REFERENCES users (id)) ENGINE=InnoDB;`,
    cycle: `
      CREATE TABLE boxes (id int PRIMARY KEY, label varchar(20), first_item int) ENGINE=InnoDB;
      CREATE TABLE items (id int PRIMARY KEY, box_id int, name varchar(20),
        FOREIGN KEY (box_id) REFERENCES boxes (id)) ENGINE=InnoDB;
      ALTER TABLE boxes ADD FOREIGN KEY (first_item) REFERENCES items (id);
      CREATE TABLE staff (id int PRIMARY KEY, manager_id int, name varchar(20),
        FOREIGN KEY (manager_id) REFERENCES staff (id) ON DELETE CASCADE) ENGINE=InnoDB;`,
    cycleDamage: `
      SET FOREIGN_KEY_CHECKS = 0;
      DELETE FROM items WHERE box_id IN (2, 3); DELETE FROM boxes WHERE id IN (2, 3);
      SET FOREIGN_KEY_CHECKS = 1;
      DELETE FROM staff WHERE id = 2;`,
    deferred: /^SET FOREIGN_KEY_CHECKS = 0;$/m,
  },
];

const CASCADE_ROWS = `
  INSERT INTO teams VALUES ${rows(10, (i) => `(${i}, 'team ${i}')`)};
  INSERT INTO players VALUES ${rows(200, (i) => `(${i}, ${1 + (i % 10)}, 'player ${i}')`)};`;

const PLAIN_ROWS = `
  INSERT INTO users VALUES ${rows(20, (i) => `(${i}, 'user${i}@example.com')`)};
  INSERT INTO accounts VALUES ${rows(60, (i) => `(${i}, ${1 + (i % 20)}, ${i}.50)`)};`;

// Box i holds items 2i-1 and 2i, its first item 2i-1; staff 1 manages 2 and 3, 2 manages 4 to 6.
const CYCLE_ROWS = `
  INSERT INTO boxes VALUES ${rows(5, (i) => `(${i}, 'box ${i}', NULL)`)};
  INSERT INTO items VALUES ${rows(10, (i) => `(${i}, ${Math.ceil(i / 2)}, 'item ${i}')`)};
  UPDATE boxes SET first_item = 2 * id - 1;
  INSERT INTO staff VALUES (1, NULL, 'boss'), (2, 1, 'lead'), (3, 1, 'lead'),
    (4, 2, 'dev'), (5, 2, 'dev'), (6, 2, 'dev'), (7, 3, 'dev');`;

describe.each(ENGINES)('repair scripts across foreign keys on $name', (engine) => {
  let server: Server;
  let databases = 0;

  beforeAll(async () => {
    server = await engine.start();
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });

  /** BEFORE and AFTER with the same schema and rows, `damage` done to AFTER. */
  async function pair(schema: string, rows: string, damage: string) {
    const n = ++databases;
    const before = await server.database(`before_${n}`, schema + rows);
    const after = await server.database(`after_${n}`, schema + rows);
    await server.run(after, damage);
    return { before, after };
  }

  async function repair(before: string, after: string, deleteInserted: boolean) {
    const sides = await openDiffSides(connectionFromUrl(before), connectionFromUrl(after));
    try {
      const diff = await diffDatabases(...sides);
      return { diff, script: repairScriptFor(diff, { deleteInserted }) };
    } finally {
      await Promise.all(sides.map((side) => side.close()));
    }
  }

  /** Each table's fingerprint, by name (MySQL keys name the database, which differs here). */
  async function fingerprints(url: string) {
    const connection = connectionFromUrl(url);
    const taken = await fingerprinterFor(connection.engine).fingerprint(connection, {
      databases: [],
      tables: [],
      exclude: [],
      segments: 1,
    });
    return Object.fromEntries(
      Object.entries(taken.tables).map(([key, table]) => [key.split('.').at(-1), table]),
    );
  }

  async function expectRepaired(before: string, after: string, script: string) {
    expect(await fingerprints(after)).not.toEqual(await fingerprints(before));
    await server.run(after, script);
    expect(await fingerprints(after)).toEqual(await fingerprints(before));
  }

  it('puts back the parents and the children an ON DELETE CASCADE took, parents first', async () => {
    const { before, after } = await pair(
      engine.cascade,
      CASCADE_ROWS,
      'DELETE FROM teams WHERE id IN (3, 7);',
    );

    const { diff, script } = await repair(before, after, false);

    const deleted = Object.fromEntries(diff.tables.map((t) => [t.table.name, t.deleted.length]));
    expect(deleted).toEqual({ players: 40, teams: 2 });
    expect(script.indexOf('INSERT INTO')).toBe(script.search(/INSERT INTO \S*teams/));
    expect(script).not.toMatch(engine.deferred);
    await expectRepaired(before, after, script);
  });

  it('inserts parents before children, updates, then deletes the parents inserted since', async () => {
    // Children first, as a plain foreign key needs; then rows of today, one pointed at a new parent.
    const { before, after } = await pair(
      engine.plain,
      PLAIN_ROWS,
      `DELETE FROM accounts WHERE user_id IN (4, 9); DELETE FROM users WHERE id IN (4, 9);
       INSERT INTO users VALUES (100, 'new@example.com');
       INSERT INTO accounts VALUES (100, 100, 1.00);
       UPDATE accounts SET user_id = 100, balance = 0 WHERE id IN (1, 2);`,
    );

    const { diff, script } = await repair(before, after, true);

    const table = (name: string) => diff.tables.find((t) => t.table.name === name)!;
    expect([table('users').deleted.length, table('users').inserted.length]).toEqual([2, 1]);
    expect([table('accounts').deleted.length, table('accounts').changed.length]).toEqual([6, 2]);
    const at = (pattern: RegExp) => script.search(pattern);
    // Nothing references accounts: its new rows go first, then users and accounts come back,
    // then the new user goes once no account points at it.
    expect(at(/DELETE FROM \S*accounts/)).toBeLessThan(at(/INSERT INTO \S*users/));
    expect(at(/INSERT INTO \S*users/)).toBeLessThan(at(/INSERT INTO \S*accounts/));
    expect(at(/INSERT INTO \S*accounts/)).toBeLessThan(at(/UPDATE \S*accounts/));
    expect(at(/UPDATE \S*accounts/)).toBeLessThan(at(/DELETE FROM \S*users/));
    await expectRepaired(before, after, script);
  });

  it('repairs tables that reference each other or themselves, with the checks out of the way and saying why', async () => {
    const { before, after } = await pair(engine.cycle, CYCLE_ROWS, engine.cycleDamage);

    const { diff, script } = await repair(before, after, false);

    const deleted = Object.fromEntries(diff.tables.map((t) => [t.table.name, t.deleted.length]));
    expect(deleted).toEqual({ boxes: 2, items: 4, staff: 4 });
    expect(script).toMatch(engine.deferred);
    expect(script).toMatch(/^-- .*boxes.*items.*: reference each other \(or themselves\)/m);
    expect(script).toMatch(/^-- .*staff.*: reference each other/m);
    await expectRepaired(before, after, script);
  });
});
