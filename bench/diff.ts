/**
 * How fast is `lifeboat diff` against what an operator does instead: dump both sides ordered by
 * key and diff the dumps? Builds a table of 1 million rows on a throwaway PostgreSQL, copies the
 * database, damages 100 rows of the copy at random places (deleted, changed, inserted), then
 * times, best of a few runs each (the machine may be shared: the load average is printed):
 * - psql COPY (SELECT * ... ORDER BY id) of both sides at once into files, then diff(1) of them;
 * - Lifeboat's diff of the two databases (bucket sums of each side in one pass, both sides at once,
 *   then the rows of the differing buckets only), with the server's parallel workers for the first
 *   pass and without (max_parallel_workers_per_gather = 0 on both databases).
 * Each line also gives the least CPU seconds of its runs: the server's (its sessions and workers)
 * plus this process's and its children's (psql, diff), since load on a shared machine moves wall
 * times far more. Prints wall and CPU ratios and the rows each side returned. Goal: Lifeboat at
 * least 5x faster, and rows read after the first pass growing with the damaged buckets, not the table.
 * Run: npm run bench:diff [-- --rows N --damage N --repeat N]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openDiffSides } from '../lib/adapters/db/diff.js';
import { connectionFromUrl } from '../lib/adapters/db/index.js';
import type { DatabaseDiff } from '../lib/core/diff/types.js';
import { diffDatabases } from '../lib/core/use-cases/diff-databases.js';
import { POSTGRES_BIN, startPostgres } from '../test/support/postgres.js';
import { bestWithCpu, cpuSeconds, load, ratio, shell } from './support/timing.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    damage: { type: 'string', default: '100' },
    repeat: { type: 'string', default: '3' },
  },
});
const ROWS = Number(values.rows);
const DAMAGE = Number(values.damage);
const REPEAT = Number(values.repeat);

console.log(
  `diff bench: ${ROWS.toLocaleString('en')} rows, ${DAMAGE} damaged, best of ${REPEAT}; load ${load()}`,
);
const server = await startPostgres({ settings: { shared_buffers: '256MB', work_mem: '64MB' } });
const dir = mkdtempSync(join(tmpdir(), 'lifeboat-bench-diff-'));
const admin = new pg.Client(server.url);
// The server stops under it at the end.
admin.on('error', () => undefined);
try {
  await admin.connect();
  await admin.query('CREATE DATABASE before_db');
  const before = new pg.Client(server.urlFor('before_db'));
  before.on('error', () => undefined);
  await before.connect();
  await before.query(`
    CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
    CREATE TABLE bench (
      id bigint PRIMARY KEY, name text, amount numeric(12, 2), ratio float8, created timestamptz,
      tags text[], doc jsonb, flag boolean, feeling mood, ref uuid
    );
    INSERT INTO bench
    SELECT i, 'name-' || md5(i::text), (i % 100000) / 100.0, i / 7.0,
      timestamptz '2024-01-01' + i * interval '1 second',
      CASE WHEN i % 5 = 0 THEN NULL ELSE ARRAY['a' || (i % 10), 'b'] END,
      jsonb_build_object('k', i % 1000), i % 2 = 0, (ARRAY['sad', 'ok', 'happy']::mood[])[1 + i % 3],
      md5(i::text)::uuid
    FROM generate_series(1, ${ROWS}) i;`);
  await before.query('VACUUM ANALYZE bench');
  await before.end();
  await admin.query('CREATE DATABASE after_db TEMPLATE before_db');
  const after = new pg.Client(server.urlFor('after_db'));
  after.on('error', () => undefined);
  await after.connect();
  // A third each deleted, changed and inserted, at keys spread at random over the table.
  const third = Math.ceil(DAMAGE / 3);
  await after.query(`
    DELETE FROM bench WHERE id IN (SELECT 1 + floor(random() * ${ROWS})::int8 FROM generate_series(1, ${third}));
    UPDATE bench SET amount = amount + 1 WHERE id IN (SELECT 1 + floor(random() * ${ROWS})::int8 FROM generate_series(1, ${third}));
    INSERT INTO bench (id, name) SELECT ${ROWS} + i, 'late' FROM generate_series(1, ${DAMAGE - 2 * third}) i;`);
  await after.query('VACUUM ANALYZE bench');
  await after.end();
  await admin.query('CHECKPOINT');

  const psql = (database: string, file: string) =>
    `${join(POSTGRES_BIN, 'psql')} -X -q -h ${server.host} -p ${server.port} -U ${server.user} -d ${database} ` +
    `-c "COPY (SELECT * FROM bench ORDER BY id) TO STDOUT" > ${file}`;
  const [a, b] = [join(dir, 'before.tsv'), join(dir, 'after.tsv')];
  const postmaster = Number(readFileSync(join(server.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
  const cpu = () => cpuSeconds(postmaster) + cpuSeconds('self');
  const timed = (label: string, run: () => Promise<unknown>) =>
    bestWithCpu(label, ROWS, REPEAT, run, cpu, 300);
  let differingLines = 0;
  const dumped = await timed('dump both sides ordered by key + diff', async () => {
    const output = await shell(
      `(${psql('before_db', a)} & ${psql('after_db', b)} & wait) && (diff ${a} ${b} || true)`,
      {
        PGPASSWORD: server.password ?? '',
      },
    );
    differingLines = output.split('\n').filter((line) => line.startsWith('<') || line.startsWith('>')).length;
  });

  let diff: DatabaseDiff | undefined;
  const runDiff = async () => {
    const sides = await openDiffSides(
      connectionFromUrl(server.urlFor('before_db')),
      connectionFromUrl(server.urlFor('after_db')),
    );
    try {
      diff = await diffDatabases(...sides);
    } finally {
      await Promise.all(sides.map((side) => side.close()));
    }
  };
  const workers = async (
    setting: 'SET max_parallel_workers_per_gather = 0' | 'RESET max_parallel_workers_per_gather',
  ) => {
    for (const database of ['before_db', 'after_db'])
      await admin.query(`ALTER DATABASE ${database} ${setting}`);
  };
  await workers('SET max_parallel_workers_per_gather = 0');
  const serial = await timed('lifeboat diff, no parallel workers', runDiff);
  await workers('RESET max_parallel_workers_per_gather');
  const lifeboat = await timed('lifeboat diff', runDiff);

  const table = diff?.tables[0];
  const found = (table?.deleted.length ?? 0) + (table?.inserted.length ?? 0) + (table?.changed.length ?? 0);
  console.log('');
  console.log(
    `found: ${table?.deleted.length} deleted, ${table?.inserted.length} inserted, ${table?.changed.length} changed (${found} rows; the dumps' diff has ${differingLines} differing lines)`,
  );
  console.log(`buckets: ${table?.buckets.differing} of ${table?.buckets.total} differed in the first pass`);
  for (const side of ['before', 'after'] as const) {
    const read = diff!.read[side];
    console.log(
      `rows read ${side.padEnd(6)}: dump ${ROWS.toLocaleString('en')}; lifeboat ${read.rows.toLocaleString('en')} rows + ${read.buckets.toLocaleString('en')} bucket sums (${ratio(ROWS, read.rows + read.buckets)} fewer)`,
    );
  }
  const ratios = (x: { wall: number; cpu?: number }, y: { wall: number; cpu?: number }) =>
    `${ratio(x.wall, y.wall)} wall, ${ratio(x.cpu ?? NaN, y.cpu ?? NaN)} cpu`;
  console.log(`dump+diff / lifeboat diff: ${ratios(dumped, lifeboat)}  (goal >= 5x)`);
  console.log(`dump+diff / lifeboat diff, no parallel workers: ${ratios(dumped, serial)}`);
  console.log(`load average at the end: ${load()} (2 cores shared with other work skew every figure)`);
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await admin.end().catch(() => undefined);
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
