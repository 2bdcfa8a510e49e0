import fc from 'fast-check';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDiffSides } from '../../lib/adapters/db/diff.js';
import { connectionFromUrl } from '../../lib/adapters/db/index.js';
import { MysqlFingerprinter } from '../../lib/adapters/db/mysql.js';
import { compareFingerprints } from '../../lib/core/compare/compare.js';
import { repairScriptFor } from '../../lib/core/diff/repair-engines.js';
import { hasDifferences } from '../../lib/core/diff/types.js';
import { diffDatabases } from '../../lib/core/use-cases/diff-databases.js';
import { startMariaDb, type LocalMariaDb } from '../support/mariadb.js';

/** Column types and values mysql2 binds for them. */
const TYPES: Record<string, fc.Arbitrary<unknown>> = {
  INT: fc.integer({ min: -1_000_000, max: 1_000_000 }),
  'VARCHAR(12)': fc.string({ maxLength: 8 }),
  'DECIMAL(12,3)': fc.integer({ min: -1e9, max: 1e9 }).map((n) => (n / 1000).toFixed(3)),
  DOUBLE: fc.double({ noNaN: true, noDefaultInfinity: true }),
  'DATETIME(6)': fc
    .date({ min: new Date('1900-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
    .map((d) => d.toISOString().replace('T', ' ').replace('Z', '')),
  JSON: fc.json({ maxDepth: 2 }),
  'VARBINARY(8)': fc.uint8Array({ maxLength: 6 }).map((bytes) => Buffer.from(bytes)),
  "ENUM('a','b','c')": fc.constantFrom('a', 'b', 'c'),
};
const TYPE_NAMES = Object.keys(TYPES);

type Shape = { key: string; types: string[] };

function keyColumns(shape: Shape): Array<[string, string]> {
  if (shape.key === 'int') return [['id', 'INT']];
  if (shape.key === 'text') return [['k', 'VARCHAR(12)']];
  if (shape.key === 'composite')
    return [
      ['a', 'INT'],
      ['b', 'VARCHAR(12)'],
    ];
  return [];
}

const columnsOf = (shape: Shape): Array<[string, string]> => [
  ...keyColumns(shape),
  ...shape.types.map((type, i): [string, string] => [`c ${i}`, type]),
];
const value = (type: string) => fc.option(TYPES[type]!, { freq: 4 });
const rowOf = (shape: Shape) =>
  fc.tuple(
    ...columnsOf(shape).map(([, type], i) => (i < keyColumns(shape).length ? TYPES[type]! : value(type))),
  );

describe('lifeboat diff, property on MariaDB: any damage to any table is repaired to an equal fingerprint', () => {
  let server: LocalMariaDb;
  let before: mysql.Connection;
  let after: mysql.Connection;
  let tables = 0;

  beforeAll(async () => {
    server = await startMariaDb();
    const admin = await mysql.createConnection(server.url);
    await admin.query('CREATE DATABASE before_db');
    await admin.query('CREATE DATABASE after_db');
    await admin.end();
    before = await mysql.createConnection(server.urlFor('before_db'));
    after = await mysql.createConnection({ uri: server.urlFor('after_db'), multipleStatements: true });
  });

  afterAll(async () => {
    await Promise.all([before?.end(), after?.end()]);
    await server?.stop();
  });

  it('finds the damage and its script undoes it', async () => {
    const scenario = fc
      .record({
        key: fc.constantFrom('int', 'text', 'composite', 'none'),
        types: fc.array(fc.constantFrom(...TYPE_NAMES), { minLength: 1, maxLength: 5 }),
      })
      .chain((shape) =>
        fc.record({
          shape: fc.constant(shape),
          rows: fc.array(rowOf(shape), { minLength: 1, maxLength: 30 }),
          damage: fc.array(
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
            ),
            { minLength: 1, maxLength: 8 },
          ),
        }),
      );
    await fc.assert(
      fc.asyncProperty(scenario, async ({ shape, rows, damage }) => {
        const name = `t${++tables}`;
        const columns = columnsOf(shape);
        const quoted = columns.map(([column]) => `\`${column}\``);
        const keys = keyColumns(shape).map(([column]) => `\`${column}\``);
        const ddl = `CREATE TABLE ${name} (${columns.map(([, type], i) => `${quoted[i]} ${type}`).join(', ')}${keys.length ? `, PRIMARY KEY (${keys.join(', ')})` : ''})`;
        const insert = `INSERT ${keys.length ? 'IGNORE ' : ''}INTO ${name} VALUES (${columns.map(() => '?').join(', ')})`;
        for (const client of [before, after]) {
          await client.query(ddl);
          for (const row of rows) await client.query(insert, row);
        }
        for (const act of damage) {
          // The row a damage hits: the one whose first column has a generated row's value.
          const target = act.kind === 'insert' ? [] : [rows[act.at % rows.length]![0]];
          try {
            if (act.kind === 'delete')
              await after.query(`DELETE FROM ${name} WHERE ${quoted[0]} <=> ? LIMIT 1`, target);
            if (act.kind === 'update') {
              await after.query(
                `UPDATE ${name} SET ${quoted[act.column]} = ? WHERE ${quoted[0]} <=> ? LIMIT 1`,
                [act.value, ...target],
              );
            }
            if (act.kind === 'insert') await after.query(insert, act.row);
          } catch {
            // A damage that breaks the key (a duplicate, a NULL key) is refused, as in production.
          }
        }

        const url = (db: string) => connectionFromUrl(server.urlFor(db));
        const sides = await openDiffSides(url('before_db'), url('after_db'));
        const diff = await diffDatabases(...sides, { tables: [name] }).finally(() =>
          Promise.all(sides.map((s) => s.close())),
        );
        const fingerprints = async () => {
          const taken = await Promise.all(
            ['before_db', 'after_db'].map((db) =>
              new MysqlFingerprinter().fingerprint(url(db), { tables: [`${db}.${name}`] }),
            ),
          );
          // Keyed by database: line AFTER's table up with BEFORE's.
          return taken.map((f) => ({ ...f, tables: { [name]: Object.values(f.tables)[0]! } }));
        };
        const [x, y] = await fingerprints();
        expect(hasDifferences(diff)).toBe(
          x!.tables[name]!.checksum !== y!.tables[name]!.checksum ||
            x!.tables[name]!.rows !== y!.tables[name]!.rows,
        );

        if (hasDifferences(diff)) await after.query(repairScriptFor(diff, { deleteInserted: true }));

        const [a, b] = await fingerprints();
        expect(compareFingerprints(a!, b!, { mode: 'exact' }).verdict).toBe('same');
      }),
      { numRuns: 30 },
    );
  });
});
