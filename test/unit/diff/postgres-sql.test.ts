import { describe, expect, it } from 'vitest';
import { MAX_CHAINED_COLUMNS } from '../../../lib/core/diff/postgres-hash.js';
import {
  postgresBucketRowsQuery,
  postgresBucketSumsQuery,
  type PostgresDiffTable,
} from '../../../lib/core/diff/postgres-sql.js';
import type { PostgresColumn } from '../../../lib/core/fingerprint/postgres-sql.js';

const column = (name: string, baseType: string, type = baseType): PostgresColumn => ({
  name,
  type,
  baseType,
  category: baseType === 'text' ? 'S' : 'N',
  builtin: true,
  elemType: null,
  elemCategory: null,
  elemBuiltin: null,
});

const table = (columns: readonly PostgresColumn[], primaryKey: string[]): PostgresDiffTable => ({
  schema: 'public',
  name: 'orders',
  columns,
  primaryKey,
});

const keyed = table([column('id', 'int8'), column('note', 'text')], ['id']);
const range = { plan: { kind: 'range' as const, low: 1n, width: 128n } };

describe('PostgreSQL diff queries', () => {
  it('sum a keyed table in one query level, which the planner may hand to parallel workers', () => {
    const { sql } = postgresBucketSumsQuery(keyed, range, {}, 'typed');

    expect(sql).not.toContain('OFFSET 0');
    // Only the int8's send form goes into a record hash; the fingerprint's ROW() of every column
    // re-hashed with itself is not there.
    expect(sql).toContain('pg_catalog.hash_record_extended(ROW(pg_catalog.int8send("id")), ');
    expect(sql).not.toContain('hashint8extended(h, h)');
    expect(sql).toMatch(/^SELECT .* FROM "public"\."orders" GROUP BY 1$/);
  });

  it('sum a keyed table in one query level with the text row hash too (PostgreSQL 13)', () => {
    const { sql } = postgresBucketSumsQuery(keyed, range, {}, 'text');

    expect(sql).not.toContain('OFFSET 0');
    expect(sql).toContain('pg_catalog.sum((pg_catalog.hashtextextended(pg_catalog.concat_ws(');
  });

  it('read the rows of a keyed table without hashing them', () => {
    const { sql } = postgresBucketRowsQuery(
      keyed,
      { plan: range.plan, within: { plan: range.plan, buckets: [0n, 2n] } },
      {},
      'typed',
    );

    expect(sql).toBe(
      'SELECT "id"::text AS v0, "note"::text AS v1 FROM "public"."orders"' +
        ' WHERE (("id" >= 1 AND "id" < 129) OR ("id" >= 257 AND "id" < 385))',
    );
  });

  it('hash a row once in a subquery where the sum and the bucket both name it: no key', () => {
    const { sql } = postgresBucketSumsQuery(
      table(keyed.columns, []),
      { plan: { kind: 'hash', modulus: 16n } },
      {},
      'typed',
    );

    expect(sql).toContain(' OFFSET 0) AS r GROUP BY 1');
    expect(sql).toContain('(((h) & 9223372036854775807) % 16)');
  });

  it("hash a table too wide for the diff's chain as fingerprints do", () => {
    const columns = Array.from({ length: MAX_CHAINED_COLUMNS + 1 }, (_, i) => column(`c${i}`, 'int4'));
    const { sql } = postgresBucketSumsQuery(table(columns, ['c0']), range, {}, 'typed');

    expect(sql).toContain('pg_catalog.sum(pg_catalog.hashint8extended(h, h))');
    expect(sql).toContain('pg_catalog.hash_record_extended(ROW(');
    expect(sql).toContain(' OFFSET 0) AS r GROUP BY 1');
  });
});
