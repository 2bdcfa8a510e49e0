import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDiffSides } from '../../lib/adapters/db/diff.js';
import { connectionFromUrl } from '../../lib/adapters/db/index.js';
import { diffJson } from '../../lib/core/diff/report.js';
import { diffDatabases, type DiffOptions } from '../../lib/core/use-cases/diff-databases.js';
import { runLifeboat } from '../support/cli.js';
import { freePort } from '../support/moto.js';
import { startPostgres, type LocalPostgres } from '../support/postgres.js';

// Every type the fingerprint tests cover, a table without a key, and names that need quoting.
const SCHEMA = `
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE kinds (
  id int PRIMARY KEY, amount numeric, price numeric(12, 2), ratio float8, small float4,
  created timestamptz, day date, span interval, doc jsonb, raw json, tags text[], counts int[],
  blob bytea, feeling mood, ref uuid, label text, code varchar(10), fixed char(4), flag boolean
);
INSERT INTO kinds VALUES
(1, 1.0, 10.5, '-0', 1.5, '2024-02-29 12:00:00+02', '2024-02-29', '1 day 02:00:00', '{"b": 1, "a": [1, 2]}', '{"b":1,  "a":2}', '{a,"b c",NULL}', '{1,2,NULL}', '\\x00ff10', 'happy', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'héllo wörld ✓ 日本', 'x', 'ab', true),
(2, 1.00, 0, 'NaN', 'Infinity', '1970-01-01 00:00:00+00', '0001-01-01', '-3 mons', 'null', '[]', '{}', '{}', '\\x', 'sad', '00000000-0000-0000-0000-000000000000', '', '', '', false),
(3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
(4, -12345678901234567890.123456789, -0.01, '-Infinity', '-0', 'infinity', 'infinity', '00:00:00.000001', '{"k": "a\\u001fb"}', '"s"', '{"NULL",""}', '{-1}', '\\x4e554c4c', 'ok', 'ffffffff-ffff-ffff-ffff-ffffffffffff', 'NULL', 'NULL', 'NULL', NULL),
(5, 0.1, 99.99, 0.1, 0.1, '2038-01-19 03:14:08+00', '2000-01-01', '1 year', '{}', '{}', '{"a\\"b","c,d"}', '{0}', '\\x0a', 'happy', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12', e'tab\\there\\nnewline \\\\ back '' quote', 'q', 'zz', true);
CREATE TABLE events (at timestamptz, kind text, payload jsonb);
INSERT INTO events SELECT timestamptz '2024-01-01' + i * interval '1 hour', 'kind-' || (i % 3), jsonb_build_object('i', i)
  FROM generate_series(1, 50) i;
INSERT INTO events VALUES (NULL, NULL, NULL), (NULL, '', NULL), (NULL, '', NULL);
CREATE TABLE big (id bigint PRIMARY KEY, name text, value numeric(10, 3), at timestamptz);
INSERT INTO big SELECT i * 3, 'name-' || md5(i::text), i / 7.0, timestamptz '2020-01-01' + i * interval '1 minute'
  FROM generate_series(1, 20000) i;
CREATE SCHEMA "Odd ""Schema"".x";
CREATE TABLE "Odd ""Schema"".x"."order lines" ("select" text, "line no" int, "Qty" int, PRIMARY KEY ("select", "line no"));
INSERT INTO "Odd ""Schema"".x"."order lines" SELECT 'o-' || (i / 3), i % 3, i FROM generate_series(1, 60) i;
ANALYZE;
`;

// A bad day: rows deleted, inserted and changed in every table.
const DAMAGE = `
DELETE FROM kinds WHERE id = 4;
UPDATE kinds SET label = NULL, code = '' WHERE id = 2;
UPDATE kinds SET label = '', code = NULL WHERE id = 3;
UPDATE kinds SET doc = '{"b": 2}', blob = '\\xdead', tags = '{x}', feeling = 'sad', created = created + interval '1 second' WHERE id = 1;
UPDATE kinds SET id = 50 WHERE id = 5;
INSERT INTO kinds (id, label) VALUES (6, 'new');
DELETE FROM events WHERE ctid = (SELECT ctid FROM events WHERE kind = '' LIMIT 1);
INSERT INTO events VALUES (NULL, 'extra', '{}'), (NULL, 'extra', '{}');
UPDATE events SET kind = 'kind-9' WHERE payload = '{"i": 7}';
DELETE FROM big WHERE id IN (3, 30000, 59997, 60000);
UPDATE big SET value = -1 WHERE id IN (300, 301 * 3, 45000);
INSERT INTO big VALUES (1, 'before the first', 0, NULL), (70000, 'after the last', 0, NULL);
UPDATE "Odd ""Schema"".x"."order lines" SET "Qty" = 0 WHERE "select" = 'o-3';
DELETE FROM "Odd ""Schema"".x"."order lines" WHERE "select" = 'o-7' AND "line no" = 1;
`;

const ODD_KEY = '"Odd ""Schema"".x".order lines';

describe('lifeboat diff on PostgreSQL', () => {
  let server: LocalPostgres;
  let admin: pg.Client;
  let dir: string;
  let copies = 0;

  async function run(database: string, sql: string): Promise<void> {
    const client = new pg.Client(server.urlFor(database));
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }

  /** A fresh BEFORE and AFTER pair: the base, and the base with `damage` done to it. */
  async function pair(damage: string): Promise<{ before: string; after: string }> {
    const n = ++copies;
    await admin.query(`CREATE DATABASE before_${n} TEMPLATE base`);
    await admin.query(`CREATE DATABASE after_${n} TEMPLATE base`);
    await run(`after_${n}`, damage);
    return { before: server.urlFor(`before_${n}`), after: server.urlFor(`after_${n}`) };
  }

  async function diff(before: string, after: string, options: DiffOptions = {}) {
    const sides = await openDiffSides(connectionFromUrl(before), connectionFromUrl(after));
    try {
      return await diffDatabases(...sides, options);
    } finally {
      await Promise.all(sides.map((side) => side.close()));
    }
  }

  /** `lifeboat compare` of both databases' fingerprints, taken with `lifeboat fingerprint`. */
  async function compareFingerprints(before: string, after: string, tables: string[] = []) {
    const files = [join(dir, `fp-${++copies}-a.json`), join(dir, `fp-${copies}-b.json`)] as const;
    for (const [url, file] of [
      [before, files[0]],
      [after, files[1]],
    ] as const) {
      const taken = await runLifeboat([
        'fingerprint',
        '--url',
        url,
        '--json',
        ...tables.flatMap((t) => ['--table', t]),
      ]);
      expect(taken.code, taken.stderr).toBe(0);
      writeFileSync(file, taken.stdout);
    }
    return runLifeboat(['compare', ...files]);
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lifeboat-diff-'));
    server = await startPostgres();
    admin = new pg.Client(server.url);
    await admin.connect();
    await admin.query('CREATE DATABASE base');
    await run('base', SCHEMA);
  });

  afterAll(async () => {
    await admin?.end();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('names every deleted, inserted and changed row, with the columns that changed', async () => {
    const { before, after } = await pair(DAMAGE);

    const report = diffJson(await diff(before, after));

    const table = (key: string) => report.tables.find((t) => t.table === key)!;
    expect(report.schemaDifferences).toEqual([]);
    expect(table('public.kinds').deleted).toEqual([{ id: '4' }, { id: '5' }]);
    expect(table('public.kinds').inserted).toEqual([{ id: '6' }, { id: '50' }]);
    expect(table('public.kinds').changed).toEqual(
      [
        {
          key: { id: '1' },
          columns: {
            created: { before: '2024-02-29 10:00:00+00', after: '2024-02-29 10:00:01+00' },
            doc: { before: '{"a": [1, 2], "b": 1}', after: '{"b": 2}' },
            tags: { before: '{a,"b c",NULL}', after: '{x}' },
            blob: { before: '\\x00ff10', after: '\\xdead' },
            feeling: { before: 'happy', after: 'sad' },
          },
        },
        {
          key: { id: '2' },
          columns: { label: { before: '', after: null }, code: { before: '', after: '' } },
        },
        {
          key: { id: '3' },
          columns: { label: { before: null, after: '' }, code: { before: null, after: null } },
        },
      ].map((change) => ({
        ...change,
        // Only the columns whose values differ are listed.
        columns: Object.fromEntries(Object.entries(change.columns).filter(([, v]) => v.before !== v.after)),
      })),
    );
    expect(table('public.big').deleted.map((row) => row.id)).toEqual(['3', '30000', '59997', '60000']);
    expect(table('public.big').inserted.map((row) => row.id)).toEqual(['1', '70000']);
    expect(table('public.big').changed.map((change) => change.key.id)).toEqual(['300', '903', '45000']);
    // The cost follows the damage: a few buckets of ~128 rows read, not 20 000 rows.
    expect(table('public.big').buckets.differing).toBeLessThanOrEqual(9);
    expect(report.read.after.rows).toBeLessThan(3_000);
    // Without a key: the missing copy and the extra copies, as whole rows.
    expect(table('public.events').deleted).toEqual([
      { at: '2024-01-01 07:00:00+00', kind: 'kind-1', payload: '{"i": 7}' },
      { at: null, kind: '', payload: null },
    ]);
    expect(table('public.events').inserted).toEqual([
      { at: '2024-01-01 07:00:00+00', kind: 'kind-9', payload: '{"i": 7}' },
      { at: null, kind: 'extra', payload: '{}' },
      { at: null, kind: 'extra', payload: '{}' },
    ]);
    expect(table(ODD_KEY).deleted).toEqual([{ select: 'o-7', 'line no': '1' }]);
    expect(table(ODD_KEY).changed.map((c) => c.key)).toEqual([
      { select: 'o-3', 'line no': '0' },
      { select: 'o-3', 'line no': '1' },
      { select: 'o-3', 'line no': '2' },
    ]);
  });

  it('writes a repair script that, run on AFTER, makes every table fingerprint equal to BEFORE', async () => {
    const { before, after } = await pair(DAMAGE);
    const script = join(dir, 'repair.sql');

    const found = await runLifeboat([
      'diff',
      '--before',
      before,
      '--after',
      after,
      '--sql',
      script,
      '--delete-inserted',
    ]);
    expect(found.code, found.stderr).toBe(1);
    expect(found.stdout).toContain('public.kinds: 2 deleted, 2 inserted, 3 changed');
    expect((await compareFingerprints(before, after)).code).toBe(1);

    const sql = readFileSync(script, 'utf8');
    expect(sql).toMatch(/^BEGIN;$/m);
    expect(sql.trimEnd().endsWith('COMMIT;')).toBe(true);
    // Changed rows get only their differing columns back.
    expect(sql).toContain(
      `UPDATE "public"."big" SET "value" = E'14.286'::numeric(10,3) WHERE "id" = E'300'::bigint;`,
    );
    await run(after.split('/').pop()!, sql);

    const compared = await compareFingerprints(before, after);
    expect(compared.code, compared.stdout).toBe(0);
    const again = await runLifeboat(['diff', '--before', before, '--after', after]);
    expect(again.code, again.stdout).toBe(0);
  });

  it('leaves inserted rows in place without --delete-inserted, and repairs the rest', async () => {
    const { before, after } = await pair(DAMAGE);
    const script = join(dir, 'keep-inserted.sql');

    expect((await runLifeboat(['diff', '--before', before, '--after', after, '--sql', script])).code).toBe(1);
    const sql = readFileSync(script, 'utf8');
    expect(sql).not.toMatch(/^DELETE/m);
    await run(after.split('/').pop()!, sql);

    const left = diffJson(await diff(before, after));
    for (const table of left.tables) {
      expect(table.deleted, table.table).toEqual([]);
      expect(table.changed, table.table).toEqual([]);
    }
    expect(left.tables.find((t) => t.table === 'public.kinds')?.inserted).toEqual([
      { id: '6' },
      { id: '50' },
    ]);
  });

  it('finds rows in buckets it had to split, and reads one pass per side when nothing differs', async () => {
    const { before, after } = await pair(`UPDATE big SET name = 'x' WHERE id IN (9, 27000, 59994)`);
    // Buckets of 4 000 rows, split 16 ways while larger than 100 rows.
    const settings = {
      rowsPerBucket: 4_000,
      maxBuckets: 65_536,
      leafRows: 100,
      fanOut: 16,
      maxHashLevels: 3,
    };

    const split = await diff(before, after, { tables: ['public.big'], settings });
    const same = await diff(before, before, { tables: ['public.big', 'public.events'] });

    expect(split.tables[0]?.changed.map((c) => c.before[0])).toEqual(['9', '27000', '59994']);
    expect(split.read.after.rows).toBeLessThanOrEqual(3 * 256);
    expect(same.tables.every((t) => t.buckets.differing === 0)).toBe(true);
    expect(same.read.after.rows).toBe(0);
  });

  it('diffs only the keys within --where-key', async () => {
    const { before, after } = await pair(DAMAGE);

    const run = await runLifeboat([
      'diff',
      '--before',
      before,
      '--after',
      after,
      '--table',
      'public.big',
      '--where-key',
      '100..50000',
      '--json',
    ]);

    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as ReturnType<typeof diffJson>;
    expect(report.tables.map((t) => t.table)).toEqual(['public.big']);
    expect(report.tables[0]?.deleted).toEqual([{ id: '30000' }]);
    expect(report.tables[0]?.changed.map((c) => c.key.id)).toEqual(['300', '903', '45000']);
    expect(report.tables[0]?.inserted).toEqual([]);
  });

  it('exits 2 with one line naming the problem, and writes nothing', async () => {
    const { before, after } = await pair(`ALTER TABLE kinds ADD COLUMN note text; ${DAMAGE}`);
    const script = join(dir, 'never.sql');
    const closed = `postgres://postgres@127.0.0.1:${await freePort()}/postgres`;

    const runs = {
      schema: await runLifeboat(['diff', '--before', before, '--after', after, '--sql', script]),
      unknown: await runLifeboat(['diff', '--before', before, '--after', after, '--table', 'public.nope']),
      unreachable: await runLifeboat(['diff', '--before', closed, '--after', after]),
      range: await runLifeboat(['diff', '--before', before, '--after', after, '--where-key', '..']),
      keyless: await runLifeboat([
        'diff',
        '--before',
        before,
        '--after',
        after,
        '--table',
        'public.events',
        '--where-key',
        '1..',
      ]),
    };

    for (const [name, result] of Object.entries(runs)) {
      expect(result.code, name).toBe(2);
      expect(result.stderr.trim().split('\n'), name).toHaveLength(1);
    }
    expect(runs.schema.stderr).toContain('public.kinds is not alike on both sides (columns differ');
    expect(runs.unknown.stderr).toContain('public.nope not found');
    expect(runs.unreachable.stderr).toContain('cannot connect to PostgreSQL');
    expect(runs.keyless.stderr).toContain('public.events has no primary key');
    expect(() => readFileSync(script)).toThrow();
    // Without --sql a schema difference is a difference: reported, exit 1, the other tables diffed.
    const reported = await runLifeboat(['diff', '--before', before, '--after', after]);
    expect(reported.code).toBe(1);
    expect(reported.stdout).toContain('public.kinds: not compared, columns differ');
    expect(reported.stdout).toContain('public.big: 4 deleted, 2 inserted, 3 changed');
  });
});
