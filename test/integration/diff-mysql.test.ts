import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { diffJson } from '../../lib/core/diff/report.js';
import { runLifeboat } from '../support/cli.js';
import { startMariaDb, type LocalMariaDb } from '../support/mariadb.js';

// Every type the MySQL fingerprint tests cover, a table without a key, and names that need quoting.
const SCHEMA = `
CREATE TABLE kinds (
  id INT PRIMARY KEY, amount DECIMAL(30, 10), price DECIMAL(12, 2), ratio DOUBLE, small FLOAT,
  created DATETIME(6), stamped TIMESTAMP(3) NULL, day DATE, span TIME(3), yr YEAR, doc JSON,
  label VARCHAR(100) CHARACTER SET utf8mb4, latin VARCHAR(20) CHARACTER SET latin1, body TEXT,
  blob_value BLOB, bytes VARBINARY(16), feeling ENUM('sad', 'ok', 'happy'), options SET('a', 'b', 'c'),
  bits BIT(8), fixed CHAR(4), ref UUID, big_unsigned BIGINT UNSIGNED
);
INSERT INTO kinds VALUES
(1, 1.5, 10.50, -0.0, 1.5, '2024-02-29 12:00:00.123456', '2024-02-29 10:00:00.5', '2024-02-29', '-838:59:59', 2024, '{"b": 1, "a": [1, 2]}', 'héllo wörld ✓ 日本 😀', 'café', 'long text', x'00ff10', x'', 'happy', 'a,c', b'10100101', 'ab', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 18446744073709551615),
(2, 1.50, 0, 1e308, -1e-30, '1000-01-01 00:00:00', '1970-01-01 00:00:01', '1000-01-01', '00:00:00', 1901, 'null', '', '', '', '', '', 'sad', '', b'0', '', '00000000-0000-0000-0000-000000000000', 0),
(3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
(4, -12345678901234567890.0123456789, -0.01, 0.1, 0.1, '9999-12-31 23:59:59.999999', '2038-01-19 03:14:07', '9999-12-31', '838:59:59', 2155, '{"k": "a|b"}', 'NULL', 'NULL', 'NULL', 'NULL', 'NULL', 'ok', 'b', b'11111111', 'NULL', 'ffffffff-ffff-ffff-ffff-ffffffffffff', 1),
(5, 0.1, 99.99, 0.1, 0.1, '2000-01-01 00:00:00', NULL, '2000-01-01', '01:02:03.004', 2000, '{}', 'it''s a \\\\ back', 'ß', 'x', x'27', x'5c', 'ok', 'a,b,c', b'1', 'q', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12', 42);
CREATE TABLE events (at DATETIME, kind VARCHAR(20), payload JSON);
INSERT INTO events SELECT '2024-01-01' + INTERVAL seq HOUR, CONCAT('kind-', seq % 3), JSON_OBJECT('i', seq) FROM seq_1_to_50;
INSERT INTO events VALUES (NULL, NULL, NULL), (NULL, '', NULL), (NULL, '', NULL);
CREATE TABLE big (id BIGINT PRIMARY KEY, name VARCHAR(64), value DECIMAL(10, 3), at DATETIME);
INSERT INTO big SELECT seq * 3, CONCAT('name-', MD5(seq)), seq / 7.0, '2020-01-01' + INTERVAL seq MINUTE FROM seq_1_to_20000;
CREATE TABLE \`odd\`\`name.x\` (\`select\` VARCHAR(10), \`line no\` INT, qty INT, PRIMARY KEY (\`select\`, \`line no\`));
INSERT INTO \`odd\`\`name.x\` SELECT CONCAT('o-', seq DIV 3), seq % 3, seq FROM seq_1_to_60;
ANALYZE TABLE kinds, events, big, \`odd\`\`name.x\`;
`;

const DAMAGE = `
DELETE FROM kinds WHERE id = 4;
UPDATE kinds SET label = NULL, latin = '' WHERE id = 2;
UPDATE kinds SET label = '', latin = NULL WHERE id = 3;
UPDATE kinds SET doc = '{"b": 2}', blob_value = x'dead', bits = b'1', options = 'b', stamped = NULL, big_unsigned = 7 WHERE id = 1;
UPDATE kinds SET id = 50 WHERE id = 5;
INSERT INTO kinds (id, label) VALUES (6, 'new');
DELETE FROM events WHERE kind = '' LIMIT 1;
INSERT INTO events VALUES (NULL, 'extra', '{}'), (NULL, 'extra', '{}');
UPDATE events SET kind = 'kind-9' WHERE payload = '{"i": 7}';
DELETE FROM big WHERE id IN (3, 30000, 59997, 60000);
UPDATE big SET value = -1 WHERE id IN (300, 903, 45000);
INSERT INTO big VALUES (1, 'before the first', 0, NULL), (70000, 'after the last', 0, NULL);
UPDATE \`odd\`\`name.x\` SET qty = 0 WHERE \`select\` = 'o-3';
DELETE FROM \`odd\`\`name.x\` WHERE \`select\` = 'o-7' AND \`line no\` = 1;
`;

describe('lifeboat diff on MariaDB', () => {
  let server: LocalMariaDb;
  let admin: mysql.Connection;
  let dir: string;
  let copies = 0;

  async function run(database: string, sql: string): Promise<void> {
    const client = await mysql.createConnection({ uri: server.urlFor(database), multipleStatements: true });
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }

  async function pair(damage: string): Promise<{ before: string; after: string; names: [string, string] }> {
    const n = ++copies;
    const names: [string, string] = [`before_${n}`, `after_${n}`];
    for (const name of names) {
      await admin.query(`CREATE DATABASE ${name}`);
      await run(name, SCHEMA);
    }
    if (damage) await run(names[1], damage);
    return { before: server.urlFor(names[0]), after: server.urlFor(names[1]), names };
  }

  /** `lifeboat compare` of both databases' fingerprints, the AFTER keys named as BEFORE's. */
  async function compareFingerprints(before: string, after: string, names: [string, string]) {
    const files = [join(dir, `fp-${++copies}-a.json`), join(dir, `fp-${copies}-b.json`)] as const;
    for (const [url, file] of [
      [before, files[0]],
      [after, files[1]],
    ] as const) {
      const taken = await runLifeboat(['fingerprint', '--url', url, '--json']);
      expect(taken.code, taken.stderr).toBe(0);
      writeFileSync(file, taken.stdout.replaceAll(`"${names[1]}.`, `"${names[0]}.`));
    }
    return runLifeboat(['compare', ...files]);
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lifeboat-diff-'));
    server = await startMariaDb();
    admin = await mysql.createConnection(server.url);
  });

  afterAll(async () => {
    await admin?.end();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('names the differing rows, and its repair script makes the fingerprints equal again', async () => {
    const { before, after, names } = await pair(DAMAGE);
    const script = join(dir, 'repair.sql');

    const found = await runLifeboat([
      'diff',
      '--before',
      before,
      '--after',
      after,
      '--json',
      '--sql',
      script,
      '--delete-inserted',
    ]);

    expect(found.code, found.stderr).toBe(1);
    const report = JSON.parse(found.stdout) as ReturnType<typeof diffJson>;
    const table = (name: string) => report.tables.find((t) => t.table === `${names[1]}.${name}`)!;
    expect(table('kinds').deleted).toEqual([{ id: '4' }, { id: '5' }]);
    expect(table('kinds').inserted).toEqual([{ id: '6' }, { id: '50' }]);
    expect(table('kinds').changed).toEqual([
      {
        key: { id: '1' },
        columns: {
          stamped: { before: '2024-02-29 10:00:00.500', after: null },
          doc: { before: '{"b": 1, "a": [1, 2]}', after: '{"b": 2}' },
          blob_value: { before: '0x00ff10', after: '0xdead' },
          options: { before: 'a,c', after: 'b' },
          bits: { before: '165', after: '1' },
          big_unsigned: { before: '18446744073709551615', after: '7' },
        },
      },
      { key: { id: '2' }, columns: { label: { before: '', after: null } } },
      { key: { id: '3' }, columns: { label: { before: null, after: '' } } },
    ]);
    expect(table('big').deleted.map((row) => row.id)).toEqual(['3', '30000', '59997', '60000']);
    expect(table('big').inserted.map((row) => row.id)).toEqual(['1', '70000']);
    expect(table('big').changed.map((change) => change.key.id)).toEqual(['300', '903', '45000']);
    expect(report.read.after.rows).toBeLessThan(3_000);
    expect(table('events').deleted).toHaveLength(2);
    expect(table('events').inserted).toEqual([
      { at: '2024-01-01 07:00:00', kind: 'kind-9', payload: '{"i": 7}' },
      { at: null, kind: 'extra', payload: '{}' },
      { at: null, kind: 'extra', payload: '{}' },
    ]);
    expect(table('"odd`name.x"').deleted).toEqual([{ select: 'o-7', 'line no': '1' }]);

    const sql = readFileSync(script, 'utf8');
    expect(sql).toMatch(/^START TRANSACTION;$/m);
    expect(sql).toContain("UPDATE `after_1`.`kinds` SET `label` = _utf8mb4 X'' WHERE `id` = 2;");
    expect((await compareFingerprints(before, after, names)).code).toBe(1);
    await run(names[1], sql);

    const compared = await compareFingerprints(before, after, names);
    expect(compared.code, compared.stdout).toBe(0);
    const again = await runLifeboat(['diff', '--before', before, '--after', after]);
    expect(again.code, again.stdout).toBe(0);
  });

  it('exits 2 with one line for an unknown table, a URL without a database, or one of another engine', async () => {
    const { before, after } = await pair('');

    const runs = [
      await runLifeboat(['diff', '--before', before, '--after', after, '--table', 'nope']),
      await runLifeboat(['diff', '--before', server.urlFor(''), '--after', after]),
      await runLifeboat(['diff', '--before', 'postgres://postgres@127.0.0.1:1/x', '--after', after]),
    ];

    expect(runs.map((r) => r.code)).toEqual([2, 2, 2]);
    expect(runs[0]?.stderr).toContain('table nope not found');
    expect(runs[1]?.stderr).toContain('names no database');
    expect(runs[2]?.stderr).toContain('diff needs one engine');
    for (const result of runs) expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect((await runLifeboat(['diff', '--before', before, '--after', after])).code).toBe(0);
  });
});
