import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bisectTable, PostgresFingerprinter } from '../../lib/adapters/db/postgres.js';
import { compareFingerprints } from '../../lib/core/compare/compare.js';
import { joinParts } from '../../lib/core/fingerprint/parts.js';
import { boundariesOf } from '../../lib/core/fingerprint/ranges.js';
import type {
  DatabaseConnection,
  DatabaseFingerprint,
  FingerprintOptions,
  RowHashMethod,
} from '../../lib/core/fingerprint/types.js';
import { startPostgres, type LocalPostgres } from '../support/postgres.js';

const SCHEMA = `
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE kinds (
  id int PRIMARY KEY,
  amount numeric,
  price numeric(12, 2),
  ratio float8,
  small float4,
  created timestamptz,
  day date,
  span interval,
  doc jsonb,
  raw json,
  tags text[],
  counts int[],
  blob bytea,
  feeling mood,
  ref uuid,
  label text,
  code varchar(10),
  fixed char(4),
  flag boolean
);
CREATE TABLE events (at timestamptz, kind text, payload jsonb);
CREATE TABLE big (id bigint PRIMARY KEY, name text, value numeric(10, 3), at timestamptz);
CREATE SCHEMA billing;
CREATE TABLE billing.invoices (id uuid PRIMARY KEY, customer text NOT NULL, total numeric(12, 2));
CREATE VIEW recent_events AS SELECT * FROM events;
`;

const KINDS_ROWS = `
(1, 1.0, 10.5, '-0', 1.5, '2024-02-29 12:00:00+02', '2024-02-29', '1 day 02:00:00', '{"b": 1, "a": [1, 2]}', '{"b":1,  "a":2}', '{a,"b c",NULL}', '{1,2,NULL}', '\\x00ff10', 'happy', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'héllo wörld ✓ 日本', 'x', 'ab', true),
(2, 1.00, 0, 'NaN', 'Infinity', '1970-01-01 00:00:00+00', '0001-01-01', '-3 mons', 'null', '[]', '{}', '{}', '\\x', 'sad', '00000000-0000-0000-0000-000000000000', '', '', '', false),
(3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
(4, -12345678901234567890.123456789, -0.01, '-Infinity', '-0', 'infinity', 'infinity', '00:00:00.000001', '{"k": "a\\u001fb"}', '"s"', '{"NULL",""}', '{-1}', '\\x4e554c4c', 'ok', 'ffffffff-ffff-ffff-ffff-ffffffffffff', 'NULL', 'NULL', 'NULL', NULL),
(5, 0.1, 99.99, 0.1, 0.1, '2038-01-19 03:14:08+00', '2000-01-01', '1 year', '{}', '{}', '{"a\\"b","c,d"}', '{0}', '\\x0a', 'happy', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12', e'tab\\there\\nnewline \\\\ back', 'q', 'zz', true)
`;

// Every property holds for both ways of hashing a row.
describe.each<RowHashMethod>(['typed', 'text'])('PostgreSQL fingerprints, %s row hash', (rowHash) => {
  let server: LocalPostgres;
  let admin: pg.Client;
  const postgres = new PostgresFingerprinter();
  const fingerprinter = {
    fingerprint: (connection: DatabaseConnection, options: FingerprintOptions = {}) =>
      postgres.fingerprint(connection, { rowHash, ...options }),
  };

  const connectionTo = (database: string): DatabaseConnection => ({
    engine: 'postgres',
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
    database,
  });

  async function run(database: string, sql: string): Promise<void> {
    const client = new pg.Client(server.urlFor(database));
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }

  /** A fresh copy of the base database, changed by `sql`, fingerprinted. */
  let copies = 0;
  async function changedCopy(sql: string): Promise<{ database: string; fingerprint: DatabaseFingerprint }> {
    const database = `copy_${++copies}`;
    await admin.query(`CREATE DATABASE ${database} TEMPLATE base`);
    await run(database, sql);
    return { database, fingerprint: await fingerprinter.fingerprint(connectionTo(database)) };
  }

  let base: DatabaseFingerprint;

  beforeAll(async () => {
    server = await startPostgres();
    admin = new pg.Client(server.url);
    await admin.connect();
    await admin.query('CREATE DATABASE base');
    await run(
      'base',
      `${SCHEMA}
      INSERT INTO kinds VALUES ${KINDS_ROWS};
      INSERT INTO events SELECT timestamptz '2024-01-01' + i * interval '1 hour', 'kind-' || (i % 3), jsonb_build_object('i', i)
        FROM generate_series(1, 50) i;
      INSERT INTO events VALUES (NULL, NULL, NULL), (NULL, '', NULL);
      INSERT INTO big SELECT i, 'name-' || md5(i::text), i / 7.0, timestamptz '2020-01-01' + i * interval '1 minute'
        FROM generate_series(1, 4000) i;
      INSERT INTO billing.invoices SELECT md5(i::text)::uuid, 'customer ' || i, i * 1.5 FROM generate_series(1, 20) i;`,
    );
    base = await fingerprinter.fingerprint(connectionTo('base'));
  });

  afterAll(async () => {
    await admin?.end();
    await server?.stop();
  });

  it('lists every user table in every schema, and no view', () => {
    expect(Object.keys(base.tables).sort()).toEqual([
      'billing.invoices',
      'public.big',
      'public.events',
      'public.kinds',
    ]);
    expect(base.engine).toBe('postgres');
    expect(base.rowHash).toBe(rowHash);
    expect(base.tables['public.kinds']).toMatchObject({ rows: 5, key: 'id' });
    expect(base.tables['public.events']?.rows).toBe(52);
    expect(base.tables['public.events']?.key).toBeUndefined();
    expect(base.tables['public.kinds']?.checksum).toMatch(/^[0-9a-f]{16}$/);
    expect(base.tables['public.kinds']?.columns).toMatch(/^[0-9a-f]{16}$/);
  });

  it('lists the tables a fingerprint reads, with their sizes, honouring exclusions', async () => {
    const listed = await postgres.listTables(connectionTo('base'), { exclude: ['public.events'] });

    expect(listed.map((t) => t.table).sort()).toEqual(
      Object.keys(base.tables)
        .filter((name) => name !== 'public.events')
        .sort(),
    );
    const big = listed.find((t) => t.table === 'public.big');
    expect(big?.bytes).toBeGreaterThan(100_000);
  });

  it('gives the same checksum twice and for the same rows loaded in another order', async () => {
    await run(
      'base',
      `CREATE TABLE kinds_reversed (LIKE kinds);
       INSERT INTO kinds_reversed SELECT * FROM kinds ORDER BY id DESC;
       CREATE TABLE big_shuffled (LIKE big);
       INSERT INTO big_shuffled SELECT * FROM big ORDER BY md5(id::text);`,
    );
    try {
      const again = await fingerprinter.fingerprint(connectionTo('base'));
      expect(again.tables['public.kinds']).toEqual(base.tables['public.kinds']);
      expect(again.tables['public.kinds_reversed']?.checksum).toBe(base.tables['public.kinds']?.checksum);
      expect(again.tables['public.kinds_reversed']?.columns).toBe(base.tables['public.kinds']?.columns);
      expect(again.tables['public.big_shuffled']?.checksum).toBe(base.tables['public.big']?.checksum);
    } finally {
      await run('base', 'DROP TABLE kinds_reversed, big_shuffled');
    }
  });

  it('gives the same table checksum whatever the number of key ranges and segments', async () => {
    const splits = await Promise.all(
      [
        { ranges: 1, segments: 1 },
        { ranges: 2, segments: 2 },
        { ranges: 7, segments: 3 },
      ].map((options) =>
        fingerprinter.fingerprint(connectionTo('base'), { ...options, tables: ['public.big'] }),
      ),
    );
    const [one, two, seven] = splits.map((fingerprint) => fingerprint.tables['public.big']);
    expect(one?.buckets).toBeUndefined();
    expect(two?.buckets).toHaveLength(2);
    expect(seven?.buckets).toHaveLength(7);
    expect(seven?.buckets?.reduce((rows, bucket) => rows + bucket.rows, 0)).toBe(4000);
    for (const split of [one, two, seven]) {
      expect(split?.checksum).toBe(base.tables['public.big']?.checksum);
      expect(split?.rows).toBe(4000);
    }
    // Small tables stay whole unless told otherwise.
    expect(base.tables['public.big']?.buckets).toBeUndefined();

    // Random (uuid) and text keys split the same way.
    await run(
      'base',
      `CREATE TABLE by_name AS SELECT name, id, value FROM big; ALTER TABLE by_name ADD PRIMARY KEY (name)`,
    );
    try {
      const [whole, split] = await Promise.all(
        [
          { ranges: 1, segments: 1 },
          { ranges: 5, segments: 2 },
        ].map((options) =>
          fingerprinter.fingerprint(connectionTo('base'), {
            ...options,
            tables: ['billing.invoices', 'public.by_name'],
          }),
        ),
      );
      expect(split?.tables['billing.invoices']?.buckets?.length).toBeGreaterThan(1);
      expect(split?.tables['public.by_name']?.buckets).toHaveLength(5);
      expect(split?.tables['billing.invoices']?.checksum).toBe(base.tables['billing.invoices']?.checksum);
      expect(split?.tables['public.by_name']?.checksum).toBe(whole?.tables['public.by_name']?.checksum);
    } finally {
      await run('base', 'DROP TABLE by_name');
    }
  });

  it('reads a table in heap shares whose fingerprints add up to the whole table, bucket by bucket', async () => {
    const options = { ranges: 4, segments: 2, tables: ['public.big'] };
    const whole = await fingerprinter.fingerprint(connectionTo('base'), options);
    // As PlanFingerprints does: the size and the split keys fixed once, for every share.
    const [{ units } = {}] = await postgres.listTables(connectionTo('base'), { tables: ['public.big'] });
    const boundaries = { 'public.big': boundariesOf(whole.tables['public.big']?.buckets) };
    const shares = await Promise.all(
      [0, 1, 2].map((part) =>
        fingerprinter.fingerprint(connectionTo('base'), {
          ...options,
          boundaries,
          share: { part, of: 3, ...(units ? { units } : {}) },
        }),
      ),
    );

    for (const share of shares) expect(share.tables['public.big']?.rows).toBeLessThan(4000);
    expect(joinParts(shares, new Set(['public.big'])).tables).toEqual(whole.tables);
    await expect(
      fingerprinter.fingerprint(connectionTo('base'), { share: { part: 3, of: 3 } }),
    ).rejects.toMatchObject({ name: 'ConfigError', message: expect.stringContaining('share 3 of 3') });
  });

  it('names the keys a fingerprint would split a table on, and a table that is not there', async () => {
    expect(await postgres.splitKeys(connectionTo('base'), 'public.big')).toEqual(
      boundariesOf(base.tables['public.big']?.buckets),
    );
    await expect(postgres.splitKeys(connectionTo('base'), 'public.nope')).rejects.toMatchObject({
      name: 'NotFoundError',
    });
  });

  it('tells apart rows that differ only in where a NULL, an empty string or a separator sits', async () => {
    await run(
      'base',
      `CREATE TABLE pair_a (x text, y text); CREATE TABLE pair_b (x text, y text);
       CREATE TABLE pair_c (x text, y text); CREATE TABLE pair_d (x text, y text);
       CREATE TABLE pair_e (x text, y text); CREATE TABLE pair_f (x text, y text);
       INSERT INTO pair_a VALUES (NULL, ''); INSERT INTO pair_b VALUES ('', NULL);
       INSERT INTO pair_c VALUES ('NULL', NULL); INSERT INTO pair_d VALUES (NULL, NULL);
       INSERT INTO pair_e VALUES (e'a\\x1fb', 'c'); INSERT INTO pair_f VALUES ('a', e'b\\x1fc');`,
    );
    try {
      const fingerprint = await fingerprinter.fingerprint(connectionTo('base'), {
        tables: [
          'public.pair_a',
          'public.pair_b',
          'public.pair_c',
          'public.pair_d',
          'public.pair_e',
          'public.pair_f',
        ],
      });
      const checksums = Object.values(fingerprint.tables).map((table) => table.checksum);
      expect(checksums).toHaveLength(6);
      expect(new Set(checksums).size).toBe(6);
    } finally {
      await run('base', 'DROP TABLE pair_a, pair_b, pair_c, pair_d, pair_e, pair_f');
    }
  });

  it.each([
    ['one changed value', 'UPDATE big SET value = value + 0.001 WHERE id = 1717', 'public.big'],
    ['a numeric that only changed scale', 'UPDATE kinds SET amount = 1.00 WHERE id = 1', 'public.kinds'],
    ['-0 turned into 0', 'UPDATE kinds SET small = 0 WHERE id = 4', 'public.kinds'],
    ['one deleted row', 'DELETE FROM big WHERE id = 2500', 'public.big'],
    [
      'one duplicated row',
      "INSERT INTO events SELECT * FROM events WHERE kind = 'kind-1' LIMIT 1",
      'public.events',
    ],
    [
      'a swapped pair of equal-length values between rows',
      `UPDATE big SET name = CASE id WHEN 10 THEN (SELECT name FROM big WHERE id = 11) ELSE (SELECT name FROM big WHERE id = 10) END WHERE id IN (10, 11)`,
      'public.big',
    ],
    ['NULL turned into an empty string', "UPDATE events SET kind = '' WHERE kind IS NULL", 'public.events'],
    ["an empty string turned into 'NULL'", "UPDATE kinds SET label = 'NULL' WHERE id = 2", 'public.kinds'],
    ['an enum value changed', "UPDATE kinds SET feeling = 'ok' WHERE id = 1", 'public.kinds'],
    ['a jsonb value changed', `UPDATE kinds SET doc = '{"b": 1, "a": [2, 1]}' WHERE id = 1`, 'public.kinds'],
    [
      'a jsonb number that only changed scale',
      `UPDATE kinds SET doc = '{"b": 1.0, "a": [1, 2]}' WHERE id = 1`,
      'public.kinds',
    ],
    [
      'an interval turned into its equal in days',
      "UPDATE kinds SET span = '-90 days' WHERE id = 2",
      'public.kinds',
    ],
    [
      'an array that only moved its lower bound',
      "UPDATE kinds SET counts = '[2:2]={0}' WHERE id = 5",
      'public.kinds',
    ],
    ['an array element changed', `UPDATE kinds SET tags = '{a,"b c",""}' WHERE id = 1`, 'public.kinds'],
    // numeric's own hash leaves the sign out: a refund written as a payment must not verify.
    [
      'a fixed-scale numeric that changed sign',
      'UPDATE kinds SET price = -price WHERE id = 1',
      'public.kinds',
    ],
    ['a numeric NaN turned into a number', "UPDATE kinds SET price = 'NaN' WHERE id = 2", 'public.kinds'],
  ])('detects %s', async (_, sql, table) => {
    const { fingerprint } = await changedCopy(sql);
    const comparison = compareFingerprints(base, fingerprint, { mode: 'exact' });
    expect(comparison.verdict).toBe('different');
    expect(comparison.tables.filter((t) => t.verdict !== 'exact')).toEqual([
      expect.objectContaining({ table, verdict: 'mismatch', reason: expect.stringContaining('checksum') }),
    ]);
  });

  // Values the types' own hashes fold together: int8 and the types stored as one (timestamps,
  // time, timetz) hash the XOR of their 32-bit halves, so 1 and 2^32, or two times 2^32 + 1 µs
  // apart, hash alike; bpchar's hash drops the trailing spaces an unconstrained bpchar keeps.
  it.each([
    ['bigint', '1', '4294967296'],
    ['timestamp', "'2000-01-01 00:00:00'", "'2000-01-01 01:11:34.967297'"],
    ['timestamptz', "'2000-01-01 00:00:00+00'", "'2000-01-01 01:11:34.967297+00'"],
    ['time', "'00:00:00'", "'01:11:34.967297'"],
    ['timetz', "'00:00:00+00'", "'01:11:34.967297+00'"],
    ['bpchar', "'a'", "'a  '"],
  ])('tells apart %s values %s and %s, which the type hashes alike', async (type, before, after) => {
    const database = `folds_${type}`;
    await admin.query(`CREATE DATABASE ${database}`);
    await run(
      database,
      `CREATE TABLE folded (id int PRIMARY KEY, v ${type}); INSERT INTO folded VALUES (1, ${before})`,
    );
    const first = await fingerprinter.fingerprint(connectionTo(database));
    await run(database, `UPDATE folded SET v = ${after}`);
    const second = await fingerprinter.fingerprint(connectionTo(database));

    expect(compareFingerprints(first, second, { mode: 'exact' }).verdict).toBe('different');
  });

  it('is the same after the enum type is recreated with new OIDs, as a restore through a dump does', async () => {
    const { fingerprint } = await changedCopy(
      `ALTER TYPE mood RENAME TO mood_before;
       CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
       ALTER TABLE kinds ALTER COLUMN feeling TYPE mood USING feeling::text::mood;
       DROP TYPE mood_before;`,
    );
    expect(fingerprint.tables['public.kinds']).toEqual(base.tables['public.kinds']);
  });

  it('tells apart strings that a case-insensitive collation calls equal', async () => {
    await run(
      'base',
      `CREATE COLLATION anycase (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
       CREATE TABLE lower_names (name text COLLATE anycase); CREATE TABLE upper_names (name text COLLATE anycase);
       INSERT INTO lower_names VALUES ('lifeboat'); INSERT INTO upper_names VALUES ('LIFEBOAT');`,
    );
    try {
      const fingerprint = await fingerprinter.fingerprint(connectionTo('base'), {
        tables: ['public.lower_names', 'public.upper_names'],
      });
      expect(fingerprint.tables['public.lower_names']?.checksum).not.toBe(
        fingerprint.tables['public.upper_names']?.checksum,
      );
    } finally {
      await run('base', 'DROP TABLE lower_names, upper_names; DROP COLLATION anycase');
    }
  });

  it('detects a dropped column through the column signature', async () => {
    const { fingerprint } = await changedCopy('ALTER TABLE kinds DROP COLUMN flag');
    const comparison = compareFingerprints(base, fingerprint, { mode: 'previous-report' });
    expect(comparison.verdict).toBe('different');
    expect(comparison.tables.find((t) => t.table === 'public.kinds')).toMatchObject({
      verdict: 'mismatch',
      reason: expect.stringContaining('columns changed'),
    });
  });

  it('detects a missing table', async () => {
    const { fingerprint } = await changedCopy('DROP TABLE billing.invoices');
    const comparison = compareFingerprints(base, fingerprint, {
      mode: 'previous-report',
      rowCountTolerancePercent: 5,
    });
    expect(comparison.verdict).toBe('different');
    expect(comparison.tables.find((t) => t.table === 'billing.invoices')).toMatchObject({
      verdict: 'missing',
    });
  });

  it('finds an unchanged copy identical, and narrows a change to its bucket and then to its row', async () => {
    const splitBase = await fingerprinter.fingerprint(connectionTo('base'), {
      ranges: 4,
      tables: ['public.big'],
    });
    const boundaries = { 'public.big': boundariesOf(splitBase.tables['public.big']?.buckets) };

    const unchanged = await changedCopy('SELECT 1');
    const unchangedSplit = await fingerprinter.fingerprint(connectionTo(unchanged.database), { boundaries });
    expect(compareFingerprints(base, unchanged.fingerprint, { mode: 'exact' }).verdict).toBe('same');
    expect(unchangedSplit.tables['public.big']).toEqual(splitBase.tables['public.big']);

    const changed = await changedCopy("UPDATE big SET name = 'changed' WHERE id = 3210");
    const changedSplit = await fingerprinter.fingerprint(connectionTo(changed.database), {
      boundaries,
      tables: ['public.big'],
    });
    const [big] = compareFingerprints(splitBase, changedSplit, { mode: 'exact' }).tables;
    expect(big?.differingRanges).toHaveLength(1);
    const [range] = big?.differingRanges ?? [];
    expect(Number(range?.from ?? 0)).toBeLessThanOrEqual(3210);
    expect(range?.to === null || Number(range?.to) > 3210).toBe(true);

    const bisected = await bisectTable(connectionTo('base'), connectionTo(changed.database), 'public.big', {
      from: range?.from ?? null,
      to: range?.to ?? null,
    });
    expect(bisected.keys).toEqual(['3210']);
    expect(bisected.rowsCompared).toBeGreaterThan(0);
    expect(bisected.rowsCompared).toBeLessThan(8000);
  });

  it('keys tables by database when several databases are fingerprinted, and honours exclusions', async () => {
    const { database } = await changedCopy('SELECT 1');
    const both = await fingerprinter.fingerprint(connectionTo('base'), {
      databases: ['base', database],
      exclude: ['public.big', `${database}/public.events`],
    });
    expect(Object.keys(both.tables).sort()).toEqual([
      'base/billing.invoices',
      'base/public.events',
      'base/public.kinds',
      `${database}/billing.invoices`,
      `${database}/public.kinds`,
    ]);
    expect(both.tables[`${database}/public.kinds`]).toEqual(base.tables['public.kinds']);
  });

  it('keys tables whose names hold dots and quotes apart, so a change to one of them shows', async () => {
    const setup = `CREATE SCHEMA "public.a";
      CREATE TABLE "public.a".b (id int PRIMARY KEY, v text);
      CREATE TABLE public."a.b" (id int PRIMARY KEY, v text);
      CREATE TABLE public."say ""hi""" (id int PRIMARY KEY);
      INSERT INTO "public.a".b VALUES (1, 'one');
      INSERT INTO public."a.b" VALUES (1, 'one');
      INSERT INTO public."say ""hi""" VALUES (7);`;
    const { database, fingerprint: before } = await changedCopy(setup);
    expect(Object.keys(before.tables)).toEqual(
      expect.arrayContaining(['"public.a".b', 'public."a.b"', 'public."say ""hi"""']),
    );
    expect(Object.keys(before.tables)).not.toContain('public.a.b');

    await run(database, `UPDATE "public.a".b SET v = 'changed'`);
    const after = await fingerprinter.fingerprint(connectionTo(database));
    const comparison = compareFingerprints(before, after, { mode: 'exact' });
    expect(comparison.tables.filter((t) => t.verdict !== 'exact').map((t) => t.table)).toEqual([
      '"public.a".b',
    ]);

    const only = await fingerprinter.fingerprint(connectionTo(database), {
      tables: ['public."a.b"', '"public"."say ""hi"""'],
      exclude: ['"public.a".b'],
    });
    expect(Object.keys(only.tables)).toEqual(['public."a.b"', 'public."say ""hi"""']);
    expect(await postgres.splitKeys(connectionTo(database), '"public.a".b')).toEqual([]);
  });

  it('names a --table key that names no table, in any database, and one that is not a key', async () => {
    await expect(
      fingerprinter.fingerprint(connectionTo('base'), { tables: ['public.kinds', 'public.nope'] }),
    ).rejects.toMatchObject({
      name: 'NotFoundError',
      message: expect.stringMatching(/^table public\.nope not found in database base on /),
    });
    const { database } = await changedCopy('CREATE TABLE only_here (id int)');
    // A key without a database may name a table of any one of them.
    const found = await fingerprinter.fingerprint(connectionTo('base'), {
      databases: ['base', database],
      tables: ['public.only_here'],
    });
    expect(Object.keys(found.tables)).toEqual([`${database}/public.only_here`]);
    await expect(
      postgres.listTables(connectionTo('base'), {
        databases: ['base', database],
        tables: [`${database}/public.kinds`, 'base/public.only_here'],
      }),
    ).rejects.toMatchObject({
      name: 'NotFoundError',
      message: expect.stringContaining('table base/public.only_here not found'),
    });
    await expect(
      fingerprinter.fingerprint({ ...connectionTo('base'), port: 1 }, { tables: ['public.a.b'] }),
    ).rejects.toMatchObject({
      name: 'ConfigError',
      message: expect.stringContaining('"public.a.b" is not one table'),
    });
  });

  it('reads in a given exported snapshot: the data as it was then, while others have changed it since', async () => {
    const { database } = await changedCopy('SELECT 1');
    const options = { ranges: 4, segments: 3 };
    const before = await fingerprinter.fingerprint(connectionTo(database), options);
    const exporter = new pg.Client(server.urlFor(database));
    await exporter.connect();
    try {
      await exporter.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      const snapshot = (await exporter.query<{ id: string }>('SELECT pg_export_snapshot() AS id')).rows[0]!
        .id;
      await run(database, `UPDATE big SET name = 'changed' WHERE id = 7; DELETE FROM kinds WHERE id = 3;`);
      const then = await fingerprinter.fingerprint(connectionTo(database), { ...options, snapshot });
      const now = await fingerprinter.fingerprint(connectionTo(database), options);
      expect(then.tables).toEqual(before.tables);
      expect(now.tables['public.big']?.checksum).not.toBe(before.tables['public.big']?.checksum);
      expect(now.tables['public.kinds']?.rows).toBe(before.tables['public.kinds']!.rows - 1);
    } finally {
      await exporter.end();
    }
  });

  it('tells a refused password apart from other connection failures (AccessDeniedError)', async () => {
    await expect(
      postgres.listTables({ ...connectionTo('base'), password: 'not-the-password' }),
    ).rejects.toMatchObject({ name: 'AccessDeniedError', message: expect.stringContaining('refused user') });
  });

  it('refuses a snapshot id that is not one, or one asked of several databases, before connecting', async () => {
    await expect(
      fingerprinter.fingerprint({ ...connectionTo('base'), port: 1 }, { snapshot: "1'; DROP TABLE big; --" }),
    ).rejects.toMatchObject({
      name: 'ConfigError',
      message: expect.stringContaining('not a PostgreSQL snapshot id'),
    });
    await expect(
      fingerprinter.fingerprint(connectionTo('base'), {
        snapshot: '00000003-0000001B-1',
        databases: ['base', 'postgres'],
      }),
    ).rejects.toMatchObject({ name: 'ConfigError', message: expect.stringContaining('2 databases') });
  });

  it('names a missing database and a refused connection in one line', async () => {
    await expect(fingerprinter.fingerprint(connectionTo('nope'))).rejects.toMatchObject({
      name: 'NotFoundError',
      message: expect.stringContaining('"nope" does not exist'),
    });
    await expect(fingerprinter.fingerprint({ ...connectionTo('base'), port: 1 })).rejects.toMatchObject({
      name: 'ConfigError',
      message: expect.stringMatching(/cannot connect.*127\.0\.0\.1:1/),
    });
  });
});
