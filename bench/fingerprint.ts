/**
 * How fast is `lifeboat fingerprint` on PostgreSQL, against what an operator would do instead?
 * Builds a table of 2 million rows (several column types) on a throwaway PostgreSQL, then times,
 * best of a few runs each (the machine may be shared: the load average is printed):
 * - COPY table TO '/dev/null': the server's own fastest serialization of every row, the floor;
 * - the fingerprint with 1 and 2 segments (typed row hash), and with 1 segment hashing row text
 *   (what PostgreSQL 13 and older get);
 * - an ordered md5(string_agg(...)) over the rows;
 * - pg_dump --data-only -t table | sha256sum.
 * Targets: one segment within 1.3x of the COPY floor; two segments at least 1.5x faster than
 * pg_dump | sha256sum. Run: npm run bench:fingerprint [-- --rows N --repeat N]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { PostgresFingerprinter } from '../lib/adapters/db/postgres.js';
import { POSTGRES_BIN, startPostgres } from '../test/support/postgres.js';
import { best, load, ratio, shell } from './support/timing.js';

const { values } = parseArgs({
  options: { rows: { type: 'string', default: '2000000' }, repeat: { type: 'string', default: '3' } },
});
const ROWS = Number(values.rows);
const REPEAT = Number(values.repeat);

const timed = (label: string, run: () => Promise<unknown>) => best(label, ROWS, REPEAT, run);

console.log(
  `fingerprint bench: ${ROWS.toLocaleString('en')} rows, best of ${REPEAT}; load average ${load()}`,
);
// One core per query, so "1 segment" means one core and COPY (never parallel) is a fair floor.
// shared_buffers stays at its default: the table is larger than a quarter of it, so every scan
// reads it through a small ring from the OS cache, as scans of large tables do in production.
// Were it all in shared_buffers, each new connection would first fault in every page of it (no
// huge pages here), a cost the reused connection of the COPY would not pay.
const server = await startPostgres({
  settings: { shared_buffers: '128MB', max_parallel_workers_per_gather: '0', work_mem: '64MB' },
});
const client = new pg.Client(server.url);
try {
  await client.connect();
  const built = process.hrtime.bigint();
  await client.query(`
    CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
    CREATE TABLE bench (
      id bigint PRIMARY KEY, name text, amount numeric(12, 2), ratio float8, created timestamptz,
      day date, tags text[], doc jsonb, flag boolean, feeling mood, ref uuid
    );
    INSERT INTO bench
    SELECT i, 'name-' || md5(i::text), (i % 100000) / 100.0, i / 7.0,
      timestamptz '2024-01-01' + i * interval '1 second', date '2000-01-01' + (i % 9000),
      CASE WHEN i % 5 = 0 THEN NULL ELSE ARRAY['a' || (i % 10), 'b'] END,
      jsonb_build_object('k', i % 1000), i % 2 = 0, (ARRAY['sad', 'ok', 'happy']::mood[])[1 + i % 3],
      md5(i::text)::uuid
    FROM generate_series(1, ${ROWS}) i;`);
  await client.query('VACUUM ANALYZE bench');
  const size = (
    await client.query<{ size: string }>(`SELECT pg_size_pretty(pg_relation_size('bench')) AS size`)
  ).rows[0]?.size;
  console.log(
    `built table bench (${size}) in ${(Number(process.hrtime.bigint() - built) / 1e9).toFixed(1)} s; load ${load()}`,
  );
  // Write the loaded pages out now, so no checkpoint lands in a timed run; then warm the cache
  // so every contender reads from memory.
  await client.query('CHECKPOINT');
  await client.query(`COPY bench TO '/dev/null'`);

  const connection = {
    engine: 'postgres' as const,
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
    database: server.database,
  };
  const fingerprinter = new PostgresFingerprinter();
  const checksums = new Set<string>();
  const textChecksums = new Set<string>();
  const fingerprint =
    (segments: number, rowHash: 'typed' | 'text' = 'typed') =>
    async () => {
      const result = await fingerprinter.fingerprint(connection, {
        segments,
        rowHash,
        tables: ['public.bench'],
      });
      (rowHash === 'typed' ? checksums : textChecksums).add(
        result.tables['public.bench']?.checksum ?? 'none',
      );
    };

  const copy = await timed(`COPY bench TO '/dev/null' (floor)`, () =>
    client.query(`COPY bench TO '/dev/null'`),
  );
  const one = await timed('lifeboat fingerprint, 1 segment', fingerprint(1));
  const two = await timed('lifeboat fingerprint, 2 segments', fingerprint(2));
  const text = await timed('lifeboat fingerprint, 1 segment, text rows', fingerprint(1, 'text'));
  const ordered = await timed('md5(string_agg(bench::text ORDER BY id))', () =>
    client.query(`SELECT md5(string_agg(bench::text, E'\\n' ORDER BY id)) FROM bench`),
  );
  const dump = await timed('pg_dump --data-only -t bench | sha256sum', () =>
    shell(
      `${join(POSTGRES_BIN, 'pg_dump')} --data-only -t bench -h ${server.host} -p ${server.port} -U ${server.user} ${server.database} | sha256sum`,
      { PGPASSWORD: server.password ?? '' },
    ),
  );

  if (checksums.size !== 1 || textChecksums.size !== 1) {
    throw new Error(`runs disagree: ${[...checksums, ...textChecksums].join(', ')}`);
  }
  console.log('');
  console.log(`1 segment / COPY floor:          ${ratio(one, copy)}  (target <= 1.30x)`);
  console.log(`pg_dump|sha256sum / 2 segments:  ${ratio(dump, two)}  (target >= 1.50x)`);
  console.log(`pg_dump|sha256sum / 1 segment:   ${ratio(dump, one)}`);
  console.log(`text rows / typed rows, 1 seg:   ${ratio(text, one)}  (PostgreSQL 13 and older hash text)`);
  console.log(`ordered md5(string_agg) / 1 seg: ${ratio(ordered, one)}`);
  console.log(`load average at the end: ${load()} (2 cores shared with other work skew every figure)`);
} finally {
  await client.end().catch(() => undefined);
  await server.stop();
}
