import { describe, expect, it } from 'vitest';
import { columnSignature } from '../../../lib/core/fingerprint/columns.js';
import { mysqlRangeWhere, mysqlRowHash } from '../../../lib/core/fingerprint/mysql-sql.js';
import {
  fieldEncoding,
  postgresRangeQuery,
  postgresRowHash,
  postgresSliceQuery,
  typedFieldEncoding,
  type PostgresColumn,
} from '../../../lib/core/fingerprint/postgres-sql.js';

const column = (name: string, baseType: string, category: string, extra: Partial<PostgresColumn> = {}) => ({
  name,
  type: baseType,
  baseType,
  category,
  builtin: true,
  elemType: null,
  elemCategory: null,
  elemBuiltin: null,
  ...extra,
});

describe('PostgreSQL typed row hash', () => {
  it("uses a type's own hash only where equal hashes inputs print the same", () => {
    expect(typedFieldEncoding(column('i', 'int4', 'N'))).toBe('hash');
    expect(typedFieldEncoding(column('d', 'date', 'D'))).toBe('hash');
    expect(typedFieldEncoding(column('s', 'text', 'S'))).toBe('hash');
    // numeric's hash drops the sign: the sign goes in beside it.
    expect(typedFieldEncoding(column('n', 'numeric', 'N', { type: 'numeric(12,2)' }))).toBe('signed-numeric');
    // Hashes that fold or drop part of the value: taken by their send form.
    expect(typedFieldEncoding(column('f', 'float8', 'N'))).toBe('bytes');
    expect(typedFieldEncoding(column('i', 'int8', 'N'))).toBe('bytes');
    expect(typedFieldEncoding(column('t', 'timestamptz', 'D'))).toBe('bytes');
    expect(typedFieldEncoding(column('t', 'time', 'D'))).toBe('bytes');
    expect(typedFieldEncoding(column('c', 'bpchar', 'S'))).toBe('bytes');
    // Hashes that lose something: the scale, OIDs, 1 mon = 30 days, numbers in JSON, dimensions.
    expect(typedFieldEncoding(column('n', 'numeric', 'N'))).toBe('text');
    expect(typedFieldEncoding(column('e', 'mood', 'E', { builtin: false }))).toBe('text');
    expect(typedFieldEncoding(column('v', 'interval', 'T'))).toBe('text');
    expect(typedFieldEncoding(column('j', 'jsonb', 'U'))).toBe('text');
    expect(typedFieldEncoding(column('j', 'json', 'U'))).toBe('text');
    expect(
      typedFieldEncoding(
        column('a', '_int4', 'A', { elemType: 'int4', elemCategory: 'N', elemBuiltin: true }),
      ),
    ).toBe('text');
    expect(typedFieldEncoding(column('d', 'int8', 'N', { type: 'positive', domain: true }))).toBe('text');
    expect(typedFieldEncoding(column('u', 'citext', 'S', { builtin: false }))).toBe('text');
  });

  it('hashes the record once per row in a subquery, then re-hashes it with itself as the seed', () => {
    const { perRow, final } = postgresRowHash(
      [
        column('id', 'int4', 'N', { notNull: true }),
        column('name', 'text', 'S'),
        column('ratio', 'float8', 'N'),
        column('doc', 'jsonb', 'U'),
      ],
      'typed',
    );
    expect(perRow).toMatch(
      /^pg_catalog\.hash_record_extended\(ROW\("id", "name" COLLATE "C", pg_catalog\.float8send\("ratio"\), "doc"::text COLLATE "C"\), \d+\)$/,
    );
    expect(final).toBe('pg_catalog.hashint8extended(h, h)');
    const sql = postgresRangeQuery(
      { schema: 'public', name: 't' },
      [column('id', 'int4', 'N')],
      { key: null, hasFrom: false, hasTo: false },
      'typed',
    );
    expect(sql).toContain(`sum(${final})`);
    expect(sql).toMatch(/OFFSET 0\) AS r$/);
  });
});

describe('PostgreSQL canonical row text', () => {
  it('prints numbers, times and JSON as they are, length-prefixes strings, and hashes the rest', () => {
    expect(fieldEncoding(column('n', 'numeric', 'N'))).toBe('plain');
    expect(fieldEncoding(column('t', 'timestamptz', 'D'))).toBe('plain');
    expect(fieldEncoding(column('j', 'jsonb', 'U'))).toBe('plain');
    expect(fieldEncoding(column('s', 'text', 'S'))).toBe('string');
    expect(fieldEncoding(column('c', 'bpchar', 'S'))).toBe('string');
    expect(fieldEncoding(column('e', 'mood', 'E', { builtin: false }))).toBe('hashed');
    expect(fieldEncoding(column('r', 'regclass', 'N'))).toBe('hashed');
    expect(
      fieldEncoding(column('a', '_int4', 'A', { elemType: 'int4', elemCategory: 'N', elemBuiltin: true })),
    ).toBe('plain');
    expect(
      fieldEncoding(column('a', '_text', 'A', { elemType: 'text', elemCategory: 'S', elemBuiltin: true })),
    ).toBe('hashed');
    expect(fieldEncoding(column('u', 'citext', 'S', { builtin: false }))).toBe('hashed');
  });

  it('builds one expression per row, with quoted identifiers and NULL markers', () => {
    const { perRow, final } = postgresRowHash(
      [
        column('id', 'int4', 'N', { notNull: true }),
        column('we"ird', 'int4', 'N'),
        column('name', 'text', 'S'),
      ],
      'text',
    );
    expect(final).toBe('h');
    expect(perRow).toBe(
      `pg_catalog.hashtextextended(pg_catalog.concat_ws(E'\\x1f', "id", "we""ird", CASE WHEN "we""ird" IS NULL THEN '\\N'::text END, ` +
        `coalesce(pg_catalog.octet_length("name"), -1), "name") COLLATE "C", 0)`,
    );
  });

  it('sums a heap slice per key bucket, reading only its blocks', () => {
    const sql = postgresSliceQuery(
      { schema: 'public', name: 't' },
      [column('id', 'int8', 'N', { notNull: true })],
      { hasFrom: true, hasTo: true },
      { name: 'id', type: 'bigint' },
      'text',
    );
    expect(sql).toContain('WHERE ctid >= $1::tid AND ctid < $2::tid');
    expect(sql).toContain('pg_catalog.width_bucket("id", $3::bigint[]) AS bucket');
    expect(sql).toMatch(/GROUP BY 1$/);
    expect(
      postgresSliceQuery({ schema: 's', name: 't' }, [], { hasFrom: false, hasTo: false }, null, 'typed'),
    ).not.toMatch(/WHERE|GROUP BY/);
  });

  it('sums hashes in one pass without sorting', () => {
    const sql = postgresRangeQuery(
      { schema: 'public', name: 't' },
      [column('id', 'int4', 'N')],
      { key: { name: 'id', type: 'integer' }, hasFrom: true, hasTo: false },
      'text',
    );
    expect(sql).toContain('pg_catalog.sum(');
    expect(sql).toContain('WHERE "id" >= $1::integer');
    expect(sql).not.toMatch(/ORDER BY|string_agg/i);
  });
});

describe('MySQL canonical row text', () => {
  it('length-prefixes strings as bytes and marks NULL apart from any value', () => {
    const sql = mysqlRowHash([
      { name: 'id', dataType: 'int', columnType: 'int(11)' },
      { name: 'na`me', dataType: 'varchar', columnType: 'varchar(10)' },
    ]);
    expect(sql).toBe(
      "CAST(CONV(LEFT(MD5(CONCAT_WS('|', IFNULL(`id`, '~'), IFNULL(CONCAT(LENGTH(`na``me`), ':', CAST(`na``me` AS BINARY)), '~'))), 16), 16, 10) AS UNSIGNED)",
    );
  });

  it('casts range bounds back to the key type, so big integers are not compared as doubles', () => {
    expect(
      mysqlRangeWhere({
        key: { name: 'id', dataType: 'bigint', columnType: 'bigint(20) unsigned' },
        hasFrom: true,
        hasTo: true,
      }),
    ).toBe(' WHERE `id` >= CAST(? AS UNSIGNED) AND `id` < CAST(? AS UNSIGNED)');
  });
});

describe('column signature', () => {
  it('changes with a dropped, renamed, retyped or moved column', () => {
    const columns = [
      { name: 'id', type: 'integer' },
      { name: 'name', type: 'text' },
    ];
    const signature = columnSignature(columns);
    expect(signature).toMatch(/^[0-9a-f]{16}$/);
    expect(columnSignature([...columns])).toBe(signature);
    expect(columnSignature(columns.slice(0, 1))).not.toBe(signature);
    expect(columnSignature([columns[0]!, { name: 'title', type: 'text' }])).not.toBe(signature);
    expect(columnSignature([columns[0]!, { name: 'name', type: 'varchar(10)' }])).not.toBe(signature);
    expect(columnSignature([columns[1]!, columns[0]!])).not.toBe(signature);
  });
});
