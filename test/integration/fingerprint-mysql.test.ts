import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bisectMysqlTable, MysqlFingerprinter } from '../../lib/adapters/db/mysql.js';
import { compareFingerprints } from '../../lib/core/compare/compare.js';
import { joinParts } from '../../lib/core/fingerprint/parts.js';
import { boundariesOf } from '../../lib/core/fingerprint/ranges.js';
import type { DatabaseConnection, DatabaseFingerprint } from '../../lib/core/fingerprint/types.js';
import { startMariaDb, type LocalMariaDb } from '../support/mariadb.js';

const TABLES = ['kinds', 'events', 'big'];

const SCHEMA = `
CREATE TABLE kinds (
  id INT PRIMARY KEY,
  amount DECIMAL(30, 10),
  price DECIMAL(12, 2),
  ratio DOUBLE,
  small FLOAT,
  created DATETIME(6),
  stamped TIMESTAMP(3) NULL,
  day DATE,
  span TIME(3),
  yr YEAR,
  doc JSON,
  label VARCHAR(100) CHARACTER SET utf8mb4,
  latin VARCHAR(20) CHARACTER SET latin1,
  body TEXT,
  blob_value BLOB,
  bytes VARBINARY(16),
  feeling ENUM('sad', 'ok', 'happy'),
  options SET('a', 'b', 'c'),
  bits BIT(8),
  fixed CHAR(4),
  ref UUID,
  big_unsigned BIGINT UNSIGNED
);
CREATE TABLE events (at DATETIME, kind VARCHAR(20), payload JSON);
CREATE TABLE big (id BIGINT PRIMARY KEY, name VARCHAR(64), value DECIMAL(10, 3), at DATETIME);
CREATE VIEW recent_events AS SELECT * FROM events;
`;

const KINDS_ROWS = `
(1, 1.5, 10.50, -0.0, 1.5, '2024-02-29 12:00:00.123456', '2024-02-29 10:00:00.5', '2024-02-29', '-838:59:59', 2024, '{"b": 1, "a": [1, 2]}', 'héllo wörld ✓ 日本 😀', 'café', 'long text', x'00ff10', x'', 'happy', 'a,c', b'10100101', 'ab', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 18446744073709551615),
(2, 1.50, 0, 1e308, -1e-30, '1000-01-01 00:00:00', '1970-01-01 00:00:01', '1000-01-01', '00:00:00', 1901, 'null', '', '', '', '', '', 'sad', '', b'0', '', '00000000-0000-0000-0000-000000000000', 0),
(3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
(4, -12345678901234567890.0123456789, -0.01, 0.1, 0.1, '9999-12-31 23:59:59.999999', '2038-01-19 03:14:07', '9999-12-31', '838:59:59', 2155, '{"k": "a|b"}', 'NULL', 'NULL', 'NULL', 'NULL', 'NULL', 'ok', 'b', b'11111111', 'NULL', 'ffffffff-ffff-ffff-ffff-ffffffffffff', 1)
`;

describe('MySQL/MariaDB fingerprints', () => {
  let server: LocalMariaDb;
  let admin: mysql.Connection;
  const fingerprinter = new MysqlFingerprinter();

  const connectionTo = (database: string): DatabaseConnection => ({
    engine: 'mysql',
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
    database,
  });

  let copies = 0;
  /** A fresh copy of the base database, changed by `sql`, fingerprinted. */
  async function changedCopy(sql: string): Promise<{ database: string; fingerprint: DatabaseFingerprint }> {
    const database = `copy_${++copies}`;
    await admin.query(`CREATE DATABASE ${database}`);
    for (const table of TABLES) {
      await admin.query(`CREATE TABLE ${database}.${table} LIKE base.${table}`);
      await admin.query(`INSERT INTO ${database}.${table} SELECT * FROM base.${table}`);
    }
    await admin.query(`USE ${database}`);
    await admin.query(sql);
    const fingerprint = await fingerprinter.fingerprint(connectionTo(database));
    // Fingerprints are keyed by database; line the copy up with the base to compare them.
    const tables = Object.fromEntries(
      Object.entries(fingerprint.tables).map(([name, table]) => [
        name.replace(`${database}.`, 'base.'),
        table,
      ]),
    );
    return { database, fingerprint: { ...fingerprint, tables } };
  }

  let base: DatabaseFingerprint;

  beforeAll(async () => {
    server = await startMariaDb();
    admin = await mysql.createConnection({ uri: server.url, multipleStatements: true });
    await admin.query('CREATE DATABASE base');
    await admin.query('USE base');
    await admin.query(SCHEMA);
    await admin.query(`INSERT INTO kinds VALUES ${KINDS_ROWS}`);
    await admin.query(`INSERT INTO events (at, kind, payload)
      SELECT '2024-01-01' + INTERVAL seq HOUR, CONCAT('kind-', seq % 3), JSON_OBJECT('i', seq) FROM seq_1_to_50`);
    await admin.query(`INSERT INTO events VALUES (NULL, NULL, NULL), (NULL, '', NULL)`);
    await admin.query(
      `INSERT INTO big SELECT seq, MD5(seq), seq / 7, '2020-01-01' + INTERVAL seq MINUTE FROM seq_1_to_3000`,
    );
    base = await fingerprinter.fingerprint(connectionTo('base'));
  });

  afterAll(async () => {
    await admin?.end();
    await server?.stop();
  });

  it('lists the base tables of the database, and no view', () => {
    expect(base.engine).toBe('mysql');
    expect(Object.keys(base.tables).sort()).toEqual(['base.big', 'base.events', 'base.kinds']);
    expect(base.tables['base.kinds']).toMatchObject({ rows: 4, key: 'id' });
    expect(base.tables['base.events']?.rows).toBe(52);
    expect(base.tables['base.big']?.checksum).toMatch(/^[0-9a-f]{16}$/);
  });

  it('lists the tables a fingerprint reads, with their sizes, honouring exclusions', async () => {
    const listed = await fingerprinter.listTables(connectionTo('base'), { exclude: ['base.events'] });

    expect(listed.map((t) => t.table).sort()).toEqual(['base.big', 'base.kinds']);
    expect(listed.every((t) => t.bytes > 0)).toBe(true);
  });

  it('reads a table in key-range shares whose fingerprints add up to the whole table', async () => {
    const options = { ranges: 4, tables: ['base.big'] };
    const whole = await fingerprinter.fingerprint(connectionTo('base'), options);
    const boundaries = { 'base.big': boundariesOf(whole.tables['base.big']?.buckets) };
    const shares = await Promise.all(
      [0, 1, 2].map((part) =>
        fingerprinter.fingerprint(connectionTo('base'), { ...options, boundaries, share: { part, of: 3 } }),
      ),
    );

    for (const share of shares) expect(share.tables['base.big']?.rows).toBeLessThan(4000);
    expect(joinParts(shares, new Set(['base.big'])).tables).toEqual(whole.tables);
    await expect(
      fingerprinter.fingerprint(connectionTo('base'), { share: { part: 2, of: 2 } }),
    ).rejects.toMatchObject({ name: 'ConfigError', message: expect.stringContaining('share 2 of 2') });
  });

  it('names the keys a fingerprint would split a table on, and a table that is not there', async () => {
    expect(await fingerprinter.splitKeys(connectionTo('base'), 'base.big')).toEqual(
      boundariesOf(base.tables['base.big']?.buckets),
    );
    await expect(fingerprinter.splitKeys(connectionTo('base'), 'base.nope')).rejects.toMatchObject({
      name: 'NotFoundError',
    });
  });

  it('gives the same checksum for the same rows loaded in another order', async () => {
    await admin.query('USE base');
    await admin.query(`CREATE TABLE big_shuffled LIKE big; INSERT INTO big_shuffled SELECT * FROM big ORDER BY MD5(id);
      CREATE TABLE kinds_reversed LIKE kinds; INSERT INTO kinds_reversed SELECT * FROM kinds ORDER BY id DESC`);
    try {
      const again = await fingerprinter.fingerprint(connectionTo('base'));
      expect(again.tables['base.kinds']).toEqual(base.tables['base.kinds']);
      expect(again.tables['base.big_shuffled']?.checksum).toBe(base.tables['base.big']?.checksum);
      expect(again.tables['base.kinds_reversed']?.checksum).toBe(base.tables['base.kinds']?.checksum);
    } finally {
      await admin.query('DROP TABLE base.big_shuffled, base.kinds_reversed');
    }
  });

  it('gives the same table checksum whatever the number of key ranges and segments', async () => {
    const splits = await Promise.all(
      [
        { ranges: 1, segments: 1 },
        { ranges: 2, segments: 2 },
        { ranges: 7, segments: 3 },
      ].map((options) =>
        fingerprinter.fingerprint(connectionTo('base'), { ...options, tables: ['base.big'] }),
      ),
    );
    const [one, two, seven] = splits.map((fingerprint) => fingerprint.tables['base.big']);
    expect(one?.buckets).toBeUndefined();
    expect(two?.buckets).toHaveLength(2);
    expect(seven?.buckets).toHaveLength(7);
    for (const split of [one, two, seven]) {
      expect(split?.checksum).toBe(base.tables['base.big']?.checksum);
      expect(split?.rows).toBe(3000);
    }
  });

  it('tells apart rows that differ only in where a NULL, an empty string or a separator sits', async () => {
    await admin.query('USE base');
    const pairs = [
      "(NULL, '')",
      "('', NULL)",
      "('NULL', NULL)",
      '(NULL, NULL)',
      "('a|b', 'c')",
      "('a', 'b|c')",
    ];
    const names = pairs.map((_, index) => `pair_${index}`);
    for (const [index, values] of pairs.entries()) {
      await admin.query(
        `CREATE TABLE ${names[index]} (x VARCHAR(10), y VARCHAR(10)); INSERT INTO ${names[index]} VALUES ${values}`,
      );
    }
    try {
      const fingerprint = await fingerprinter.fingerprint(connectionTo('base'), {
        tables: names.map((name) => `base.${name}`),
      });
      const checksums = Object.values(fingerprint.tables).map((table) => table.checksum);
      expect(checksums).toHaveLength(6);
      expect(new Set(checksums).size).toBe(6);
    } finally {
      await admin.query(`DROP TABLE ${names.map((name) => `base.${name}`).join(', ')}`);
    }
  });

  it('finds an unchanged copy identical', async () => {
    const { fingerprint } = await changedCopy('SELECT 1');
    expect(compareFingerprints(base, fingerprint, { mode: 'exact' }).verdict).toBe('same');
  });

  it.each([
    ['one changed value', 'UPDATE big SET value = value + 0.001 WHERE id = 1717', 'base.big'],
    ['a decimal that only changed by a cent', 'UPDATE kinds SET price = 10.51 WHERE id = 1', 'base.kinds'],
    ['one deleted row', 'DELETE FROM big WHERE id = 2500', 'base.big'],
    [
      'one duplicated row',
      "INSERT INTO events SELECT * FROM events WHERE kind = 'kind-1' LIMIT 1",
      'base.events',
    ],
    [
      'a swapped pair of equal-length values between rows',
      `UPDATE big a JOIN big b ON a.id = 10 AND b.id = 11 SET a.name = b.name, b.name = a.name`,
      'base.big',
    ],
    ['NULL turned into an empty string', "UPDATE events SET kind = '' WHERE kind IS NULL", 'base.events'],
    ["an empty string turned into 'NULL'", "UPDATE kinds SET label = 'NULL' WHERE id = 2", 'base.kinds'],
    ['an enum value changed', "UPDATE kinds SET feeling = 'ok' WHERE id = 1", 'base.kinds'],
    ['a JSON value changed', `UPDATE kinds SET doc = '{"b": 1, "a": [2, 1]}' WHERE id = 1`, 'base.kinds'],
    [
      'a timestamp moved by a millisecond',
      "UPDATE kinds SET stamped = '2024-02-29 10:00:00.501' WHERE id = 1",
      'base.kinds',
    ],
    ['a bit flipped in a blob', "UPDATE kinds SET blob_value = x'00ff11' WHERE id = 1", 'base.kinds'],
  ])('detects %s', async (_, sql, table) => {
    const { fingerprint } = await changedCopy(sql);
    const comparison = compareFingerprints(base, fingerprint, { mode: 'exact' });
    expect(comparison.verdict).toBe('different');
    expect(comparison.tables.filter((t) => t.verdict !== 'exact')).toEqual([
      expect.objectContaining({ table, verdict: 'mismatch', reason: expect.stringContaining('checksum') }),
    ]);
  });

  it('detects a dropped column and a missing table', async () => {
    const { fingerprint } = await changedCopy('ALTER TABLE kinds DROP COLUMN bits; DROP TABLE events');
    const comparison = compareFingerprints(base, fingerprint, {
      mode: 'previous-report',
      rowCountTolerancePercent: 5,
    });
    expect(comparison.verdict).toBe('different');
    expect(comparison.tables).toEqual([
      expect.objectContaining({ table: 'base.big', verdict: 'exact' }),
      expect.objectContaining({ table: 'base.events', verdict: 'missing' }),
      expect.objectContaining({
        table: 'base.kinds',
        verdict: 'mismatch',
        reason: expect.stringContaining('columns'),
      }),
    ]);
  });

  it('narrows a change to its bucket and then to its row', async () => {
    const splitBase = await fingerprinter.fingerprint(connectionTo('base'), {
      ranges: 5,
      tables: ['base.big'],
    });
    const { database } = await changedCopy("UPDATE big SET name = 'changed' WHERE id = 2222");
    const changed = await fingerprinter.fingerprint(connectionTo(database), {
      tables: [`${database}.big`],
      boundaries: { [`${database}.big`]: boundariesOf(splitBase.tables['base.big']?.buckets) },
    });
    const [big] = compareFingerprints(
      splitBase,
      { engine: 'mysql', tables: { 'base.big': changed.tables[`${database}.big`]! } },
      { mode: 'exact' },
    ).tables;
    expect(big?.differingRanges).toEqual([
      expect.objectContaining({ from: expect.any(String), baselineRows: 600, candidateRows: 600 }),
    ]);
    const range = big?.differingRanges?.[0];
    expect(Number(range?.from)).toBeLessThanOrEqual(2222);

    const bisected = await bisectMysqlTable(connectionTo('base'), connectionTo(database), 'base.big', {
      from: range?.from ?? null,
      to: range?.to ?? null,
    });
    expect(bisected.keys).toEqual(['2222']);
  });

  it('keys tables whose names hold dots and quotes apart, so a change to one of them shows', async () => {
    await admin.query('CREATE DATABASE `odd.db`; CREATE DATABASE `odd`');
    await admin.query('CREATE TABLE `odd.db`.`t` (id INT PRIMARY KEY, v VARCHAR(10))');
    await admin.query('CREATE TABLE `odd`.`db.t` (id INT PRIMARY KEY, v VARCHAR(10))');
    await admin.query('CREATE TABLE `odd`.`say "hi"` (id INT PRIMARY KEY)');
    await admin.query("INSERT INTO `odd.db`.`t` VALUES (1, 'one')");
    await admin.query("INSERT INTO `odd`.`db.t` VALUES (1, 'one')");
    await admin.query('INSERT INTO `odd`.`say "hi"` VALUES (7)');
    const options = { databases: ['odd.db', 'odd'] };

    const before = await fingerprinter.fingerprint(connectionTo(''), options);
    expect(Object.keys(before.tables).sort()).toEqual(['"odd.db".t', 'odd."db.t"', 'odd."say ""hi"""']);
    await admin.query("UPDATE `odd.db`.`t` SET v = 'changed'");
    const after = await fingerprinter.fingerprint(connectionTo(''), options);
    const comparison = compareFingerprints(before, after, { mode: 'exact' });
    expect(comparison.tables.filter((t) => t.verdict !== 'exact').map((t) => t.table)).toEqual([
      '"odd.db".t',
    ]);

    const only = await fingerprinter.fingerprint(connectionTo(''), {
      ...options,
      tables: ['odd."db.t"', '"odd"."say ""hi"""'],
      exclude: ['odd."db.t"'],
    });
    expect(Object.keys(only.tables)).toEqual(['odd."say ""hi"""']);
    const bisected = await bisectMysqlTable(connectionTo(''), connectionTo(''), '"odd.db".t');
    expect(bisected.keys).toEqual([]);
  });

  it('names a --table key that names no table, and one that is not a key', async () => {
    await expect(
      fingerprinter.fingerprint(connectionTo('base'), { tables: ['base.kinds', 'base.nope'] }),
    ).rejects.toMatchObject({
      name: 'NotFoundError',
      message: expect.stringMatching(/^table base\.nope not found in MySQL database base on /),
    });
    await expect(
      fingerprinter.listTables(connectionTo('base'), { tables: ['base/base.kinds'] }),
    ).rejects.toMatchObject({ name: 'NotFoundError' });
    await expect(
      fingerprinter.fingerprint({ ...connectionTo('base'), port: 1 }, { tables: ['base.a.b'] }),
    ).rejects.toMatchObject({
      name: 'ConfigError',
      message: expect.stringContaining('"base.a.b" is not one table'),
    });
  });

  it('fingerprints every user database when the connection names none, and names a missing one', async () => {
    const all = await fingerprinter.fingerprint(connectionTo(''), { exclude: ['base.big'] });
    expect(Object.keys(all.tables)).toEqual(expect.arrayContaining(['base.kinds', 'base.events']));
    expect(Object.keys(all.tables)).not.toContain('base.big');
    expect(Object.keys(all.tables).some((name) => name.startsWith('mysql.'))).toBe(false);

    await expect(fingerprinter.fingerprint(connectionTo('nope'))).rejects.toMatchObject({
      name: 'NotFoundError',
      message: expect.stringContaining('"nope" does not exist'),
    });
    await expect(fingerprinter.fingerprint({ ...connectionTo('base'), port: 1 })).rejects.toMatchObject({
      name: 'ConfigError',
    });
  });

  it('tells a refused password apart from other connection failures (AccessDeniedError)', async () => {
    await expect(
      fingerprinter.listTables({ ...connectionTo('base'), password: 'not-the-password' }),
    ).rejects.toMatchObject({ name: 'AccessDeniedError', message: expect.stringContaining('refused user') });
  });
});
