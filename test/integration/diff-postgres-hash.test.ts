import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDiffSides } from '../../lib/adapters/db/diff.js';
import { connectionFromUrl } from '../../lib/adapters/db/index.js';
import { PostgresFingerprinter } from '../../lib/adapters/db/postgres.js';
import { MAX_CHAINED_COLUMNS } from '../../lib/core/diff/postgres-hash.js';
import { diffDatabases } from '../../lib/core/use-cases/diff-databases.js';
import { startPostgres, type LocalPostgres } from '../support/postgres.js';

/**
 * One table per case: its columns after `id int PRIMARY KEY`, the rows of BEFORE and of AFTER (SQL
 * value lists), and whether they differ as printed values, which is what fingerprints and the
 * repair script see.
 */
interface Case {
  name: string;
  columns: string;
  before: string[];
  after: string[];
  differ: boolean;
}

/** `count` int columns after the key, and a row of them ending in `last`. */
const wide = (count: number) => Array.from({ length: count }, (_, i) => `c${i} int`).join(', ');
const wideRow = (count: number, last: number) =>
  `1, ${Array.from({ length: count - 1 }, (_, i) => i).join(', ')}, ${last}`;
const WIDEST_CHAINED = MAX_CHAINED_COLUMNS - 1;
const WIDER = MAX_CHAINED_COLUMNS + 5;

const CASES: Case[] = [
  { name: 'numeric scale', columns: 'v numeric', before: [`1, 1.0`], after: [`1, 1.00`], differ: true },
  {
    name: 'numeric NaN, infinity',
    columns: 'v numeric',
    before: [`1, 'NaN'`],
    after: [`1, 'Infinity'`],
    differ: true,
  },
  {
    name: 'numeric infinities',
    columns: 'v numeric',
    before: [`1, 'Infinity'`],
    after: [`1, '-Infinity'`],
    differ: true,
  },
  { name: 'numeric zero, NULL', columns: 'v numeric', before: [`1, 0`], after: [`1, NULL`], differ: true },
  { name: 'numeric sign', columns: 'v numeric(12,2)', before: [`1, 5`], after: [`1, -5`], differ: true },
  {
    name: 'numeric(12,2) 1.5, 1.50',
    columns: 'v numeric(12,2)',
    before: [`1, 1.5`],
    after: [`1, 1.50`],
    differ: false,
  },
  { name: 'float8 -0, 0', columns: 'v float8', before: [`1, '-0'`], after: [`1, '0'`], differ: true },
  { name: 'float8 0, NULL', columns: 'v float8', before: [`1, '0'`], after: [`1, NULL`], differ: true },
  { name: 'float8 NaN', columns: 'v float8', before: [`1, 'NaN'`], after: [`1, 'NaN'`], differ: false },
  { name: 'float4 -0, 0', columns: 'v float4', before: [`1, '-0'`], after: [`1, '0'`], differ: true },
  { name: 'text NULL, empty', columns: 'v text', before: [`1, NULL`], after: [`1, ''`], differ: true },
  {
    name: 'text case, nondeterministic collation',
    columns: 'v text COLLATE ci',
    before: [`1, 'a'`],
    after: [`1, 'A'`],
    differ: true,
  },
  {
    name: 'column boundary',
    columns: 'a text, b text',
    before: [`1, 'ab', ''`],
    after: [`1, 'a', 'b'`],
    differ: true,
  },
  {
    name: 'values swapped between columns',
    columns: 'a text, b text',
    before: [`1, 'x', 'y'`],
    after: [`1, 'y', 'x'`],
    differ: true,
  },
  {
    name: 'values swapped between rows',
    columns: 'v text',
    before: [`1, 'p'`, `2, 'q'`],
    after: [`1, 'q'`, `2, 'p'`],
    differ: true,
  },
  {
    name: 'bools swapped between rows',
    columns: 'v bool',
    before: [`1, true`, `2, false`],
    after: [`1, false`, `2, true`],
    differ: true,
  },
  // numeric's hash is the seed itself for NaN and the infinities: without a last link that mixes,
  // swapping them between two rows leaves a bucket's sum as it was about every other time.
  ...Array.from({ length: 8 }, (_, k) => ({
    name: `numeric NaN and infinity swapped between rows ${2 * k + 1} and ${2 * k + 2}`,
    columns: 'v numeric',
    before: [`${2 * k + 1}, 'NaN'`, `${2 * k + 2}, 'Infinity'`],
    after: [`${2 * k + 1}, 'Infinity'`, `${2 * k + 2}, 'NaN'`],
    differ: true,
  })),
  { name: 'bool false, NULL', columns: 'v bool', before: [`1, false`], after: [`1, NULL`], differ: true },
  { name: 'int8 halves folded', columns: 'v int8', before: [`1, 1`], after: [`1, 4294967296`], differ: true },
  {
    name: 'json spacing',
    columns: 'v json',
    before: [`1, '{"a":1}'`],
    after: [`1, '{"a": 1}'`],
    differ: true,
  },
  {
    name: 'jsonb number scale',
    columns: 'v jsonb',
    before: [`1, '{"a": 1.0}'`],
    after: [`1, '{"a": 1.00}'`],
    differ: true,
  },
  {
    name: 'array lower bound',
    columns: 'v text[]',
    before: [`1, '{a,b}'`],
    after: [`1, '[0:1]={a,b}'`],
    differ: true,
  },
  {
    name: 'array dimensions',
    columns: 'v int[]',
    before: [`1, '{{1,2}}'`],
    after: [`1, '{1,2}'`],
    differ: true,
  },
  {
    name: 'array empty, NULL element',
    columns: 'a int[], b int[]',
    before: [`1, '{}', '{NULL}'`],
    after: [`1, '{NULL}', '{}'`],
    differ: true,
  },
  { name: 'enum', columns: 'v mood', before: [`1, 'sad'`], after: [`1, 'ok'`], differ: true },
  {
    name: 'interval month, 30 days',
    columns: 'v interval',
    before: [`1, '1 mon'`],
    after: [`1, '30 days'`],
    differ: true,
  },
  {
    name: 'timestamptz infinities',
    columns: 'v timestamptz',
    before: [`1, 'infinity'`],
    after: [`1, '-infinity'`],
    differ: true,
  },
  { name: 'date', columns: 'v date', before: [`1, 'infinity'`], after: [`1, '2024-02-29'`], differ: true },
  { name: 'bytea length', columns: 'v bytea', before: [`1, '\\x00'`], after: [`1, '\\x0000'`], differ: true },
  { name: 'char padding', columns: 'v char(4)', before: [`1, 'ab'`], after: [`1, 'ab  '`], differ: false },
  {
    name: 'widest chained table',
    columns: wide(WIDEST_CHAINED),
    before: [wideRow(WIDEST_CHAINED, 7)],
    after: [wideRow(WIDEST_CHAINED, 8)],
    differ: true,
  },
  {
    name: 'wide table, hashed as fingerprints do',
    columns: wide(WIDER),
    before: [wideRow(WIDER, 7)],
    after: [wideRow(WIDER, 8)],
    differ: true,
  },
  {
    name: 'wide table, alike',
    columns: wide(WIDER),
    before: [wideRow(WIDER, 7)],
    after: [wideRow(WIDER, 7)],
    differ: false,
  },
];

describe("lifeboat diff's row hash on PostgreSQL", () => {
  let server: LocalPostgres;

  beforeAll(async () => {
    server = await startPostgres();
    const admin = new pg.Client(server.url);
    await admin.connect();
    for (const [database, side] of [
      ['before_db', 'before'],
      ['after_db', 'after'],
    ] as const) {
      await admin.query(`CREATE DATABASE ${database}`);
      const client = new pg.Client(server.urlFor(database));
      await client.connect();
      await client.query(`CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
        CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);`);
      for (const [i, c] of CASES.entries()) {
        await client.query(`CREATE TABLE t${i} (id int PRIMARY KEY, ${c.columns})`);
        for (const row of c[side]) await client.query(`INSERT INTO t${i} VALUES (${row})`);
      }
      await client.end();
    }
    await admin.end();
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('tells apart every two values that print differently, and no two that print alike', async () => {
    const sides = await openDiffSides(
      connectionFromUrl(server.urlFor('before_db')),
      connectionFromUrl(server.urlFor('after_db')),
    );
    const diff = await diffDatabases(...sides).finally(() => Promise.all(sides.map((s) => s.close())));
    const fingerprinter = new PostgresFingerprinter();
    const [x, y] = await Promise.all(
      ['before_db', 'after_db'].map((db) => fingerprinter.fingerprint(connectionFromUrl(server.urlFor(db)))),
    );

    for (const [i, c] of CASES.entries()) {
      const table = diff.tables.find((t) => t.table.key === `public.t${i}`)!;
      // Rows are only read from buckets whose sums differ: a row found is the hash telling them apart.
      const found = table.changed.length + table.deleted.length + table.inserted.length > 0;
      expect(found, c.name).toBe(c.differ);
      expect(table.buckets.differing > 0, c.name).toBe(c.differ);
      // Whatever the fingerprint tells apart, the diff does too: its repair leaves no difference.
      const fingerprintsDiffer = x!.tables[`public.t${i}`]!.checksum !== y!.tables[`public.t${i}`]!.checksum;
      if (fingerprintsDiffer) expect(found, c.name).toBe(true);
    }
  });
});
