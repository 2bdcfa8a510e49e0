import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDiffSides } from '../../lib/adapters/db/diff.js';
import { connectionFromUrl } from '../../lib/adapters/db/index.js';
import { PostgresFingerprinter } from '../../lib/adapters/db/postgres.js';
import { compareFingerprints } from '../../lib/core/compare/compare.js';
import { repairScriptFor } from '../../lib/core/diff/repair-engines.js';
import { hasDifferences } from '../../lib/core/diff/types.js';
import { diffDatabases } from '../../lib/core/use-cases/diff-databases.js';
import { startPostgres, type LocalPostgres } from '../support/postgres.js';

/** Column types and values for them, as text PostgreSQL reads (or arrays node-pg writes). */
const TYPES: Record<string, fc.Arbitrary<unknown>> = {
  int4: fc.integer({ min: -1_000_000, max: 1_000_000 }).map(String),
  text: fc.string({ maxLength: 8 }).map((s) => s.replaceAll('\u0000', '')),
  'numeric(12,3)': fc.integer({ min: -1e9, max: 1e9 }).map((n) => (n / 1000).toFixed(3)),
  float8: fc.double().map((d) => (Object.is(d, -0) ? '-0' : String(d))),
  timestamptz: fc
    .date({ min: new Date('1900-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
    .map((d) => d.toISOString()),
  jsonb: fc.json({ maxDepth: 2 }),
  bytea: fc.uint8Array({ maxLength: 6 }).map((bytes) => `\\x${Buffer.from(bytes).toString('hex')}`),
  'text[]': fc.array(
    fc.string({ maxLength: 4 }).map((s) => s.replaceAll('\u0000', '')),
    { maxLength: 3 },
  ),
  bool: fc.boolean().map(String),
};
const TYPE_NAMES = Object.keys(TYPES);

const tableShape = fc.record({
  key: fc.constantFrom('int', 'text', 'composite', 'none'),
  types: fc.array(fc.constantFrom(...TYPE_NAMES), { minLength: 1, maxLength: 5 }),
});

type Shape = { key: string; types: string[] };

function keyColumns(shape: Shape): Array<[string, string]> {
  if (shape.key === 'int') return [['id', 'int4']];
  if (shape.key === 'text') return [['k', 'text']];
  if (shape.key === 'composite')
    return [
      ['a', 'int4'],
      ['b', 'text'],
    ];
  return [];
}

function columnsOf(shape: Shape): Array<[string, string]> {
  return [...keyColumns(shape), ...shape.types.map((type, i): [string, string] => [`c ${i}`, type])];
}

const value = (type: string) => fc.option(TYPES[type]!, { freq: 4 });
const rowOf = (shape: Shape) =>
  fc.tuple(
    ...columnsOf(shape).map(([, type], i) => (i < keyColumns(shape).length ? TYPES[type]! : value(type))),
  );

/** One act of damage: delete, update a column (a key column too), or insert a row, nth row by ctid. */
const damageOf = (shape: Shape) =>
  fc.oneof(
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(40) }),
    fc.nat(columnsOf(shape).length - 1).chain((column) =>
      fc.record({
        kind: fc.constant('update' as const),
        at: fc.nat(40),
        column: fc.constant(column),
        value: value(columnsOf(shape)[column]![1]),
      }),
    ),
    fc.record({ kind: fc.constant('insert' as const), row: rowOf(shape) }),
  );

describe('lifeboat diff, property: any damage to any table is repaired to an equal fingerprint', () => {
  let server: LocalPostgres;
  let before: pg.Client;
  let after: pg.Client;
  let tables = 0;

  beforeAll(async () => {
    server = await startPostgres();
    const admin = new pg.Client(server.url);
    await admin.connect();
    await admin.query('CREATE DATABASE before_db');
    await admin.query('CREATE DATABASE after_db');
    await admin.end();
    before = new pg.Client(server.urlFor('before_db'));
    after = new pg.Client(server.urlFor('after_db'));
    await Promise.all([before.connect(), after.connect()]);
  });

  afterAll(async () => {
    await Promise.all([before?.end(), after?.end()]);
    await server?.stop();
  });

  it('finds the damage and its script undoes it', async () => {
    const scenario = tableShape.chain((shape) =>
      fc.record({
        shape: fc.constant(shape),
        rows: fc.array(rowOf(shape), { maxLength: 40 }),
        damage: fc.array(damageOf(shape), { minLength: 1, maxLength: 8 }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(scenario, async ({ shape, rows, damage }) => {
        const name = `t${++tables}`;
        const columns = columnsOf(shape);
        const quoted = columns.map(([column]) => `"${column}"`);
        const keys = keyColumns(shape).map(([column]) => `"${column}"`);
        const ddl = `CREATE TABLE ${name} (${columns.map(([, type], i) => `${quoted[i]} ${type}`).join(', ')}${keys.length ? `, PRIMARY KEY (${keys.join(', ')})` : ''})`;
        const insert = `INSERT INTO ${name} VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})${keys.length ? ' ON CONFLICT DO NOTHING' : ''}`;
        for (const client of [before, after]) {
          await client.query(ddl);
          for (const row of rows) await client.query(insert, row);
        }
        for (const act of damage) {
          const nth = `ctid = (SELECT ctid FROM ${name} OFFSET ${'at' in act ? act.at : 0} LIMIT 1)`;
          // A damage that breaks the key (a duplicate, a NULL key) is refused, as it would be in production.
          try {
            if (act.kind === 'delete') await after.query(`DELETE FROM ${name} WHERE ${nth}`);
            if (act.kind === 'update') {
              await after.query(`UPDATE ${name} SET ${quoted[act.column]} = $1 WHERE ${nth}`, [act.value]);
            }
            if (act.kind === 'insert') await after.query(insert, act.row);
          } catch {
            // Each act commits on its own: a refused one changes nothing.
          }
        }

        const table = `public.${name}`;
        const sides = await openDiffSides(
          connectionFromUrl(server.urlFor('before_db')),
          connectionFromUrl(server.urlFor('after_db')),
        );
        const diff = await diffDatabases(...sides, { tables: [table] }).finally(() =>
          Promise.all(sides.map((s) => s.close())),
        );
        const fingerprinter = new PostgresFingerprinter();
        const fingerprints = async () =>
          Promise.all(
            ['before_db', 'after_db'].map((db) =>
              fingerprinter.fingerprint(connectionFromUrl(server.urlFor(db)), { tables: [table] }),
            ),
          );
        const [x, y] = await fingerprints();
        // The diff finds a difference exactly when the fingerprints differ.
        expect(hasDifferences(diff)).toBe(
          x!.tables[table]!.checksum !== y!.tables[table]!.checksum ||
            x!.tables[table]!.rows !== y!.tables[table]!.rows,
        );

        if (hasDifferences(diff)) await after.query(repairScriptFor(diff, { deleteInserted: true }));

        const [a, b] = await fingerprints();
        expect(compareFingerprints(a!, b!, { mode: 'exact' }).verdict).toBe('same');
      }),
      { numRuns: 40 },
    );
  });
});
