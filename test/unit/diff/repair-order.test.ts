import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { repairScript } from '../../../lib/core/diff/repair.js';
import { MYSQL_REPAIR } from '../../../lib/core/diff/repair-mysql.js';
import { POSTGRES_REPAIR } from '../../../lib/core/diff/repair-postgres.js';
import { referencedTables, repairOrder } from '../../../lib/core/diff/repair-order.js';
import type { DiffTable, ForeignKey, TableDiff } from '../../../lib/core/diff/types.js';

const fk = (table: string, references: string, deferrable = false): ForeignKey => ({
  name: `${table}_${references}_fkey`,
  table,
  references,
  deferrable,
});

describe('repairOrder', () => {
  it('puts every table after the tables it references, and unrelated tables in the given order', () => {
    const order = repairOrder(
      ['lines', 'audit', 'orders', 'customers', 'regions'],
      [fk('lines', 'orders'), fk('orders', 'customers'), fk('customers', 'regions'), fk('lines', 'regions')],
    );

    expect(order).toEqual({ parentsFirst: ['regions', 'customers', 'orders', 'lines', 'audit'], cycles: [] });
  });

  it('ignores foreign keys to or from tables the repair does not touch', () => {
    const order = repairOrder(['b', 'a'], [fk('a', 'elsewhere'), fk('elsewhere', 'b'), fk('b', 'a')]);

    expect(order).toEqual({ parentsFirst: ['a', 'b'], cycles: [] });
  });

  it('names tables that reference each other, or themselves, as cycles, and still orders what they reference', () => {
    const order = repairOrder(
      ['items', 'staff', 'boxes', 'warehouses', 'notes'],
      [
        fk('items', 'boxes'),
        fk('boxes', 'items'),
        fk('boxes', 'warehouses'),
        fk('staff', 'staff'),
        fk('notes', 'items'),
      ],
    );

    expect(order.cycles).toEqual([['items', 'boxes'], ['staff']]);
    expect(order.parentsFirst).toEqual(['warehouses', 'items', 'boxes', 'staff', 'notes']);
  });

  it('lists every table once, each after its parents outside its own cycle, for any graph', () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    const name = fc.constantFrom(...names);
    fc.assert(
      fc.property(fc.array(fc.tuple(name, name), { maxLength: 12 }), (links) => {
        const keys = links.map(([child, parent]) => fk(child, parent));
        const { parentsFirst, cycles } = repairOrder(names, keys);
        expect([...parentsFirst].sort()).toEqual(names);
        const cycleOf = (table: string) => cycles.find((c) => c.includes(table));
        for (const [child, parent] of links) {
          const together =
            child === parent || (cycleOf(child) !== undefined && cycleOf(child) === cycleOf(parent));
          if (together) expect(cycleOf(child)).toBeDefined();
          else expect(parentsFirst.indexOf(parent)).toBeLessThan(parentsFirst.indexOf(child));
        }
        // A cycle's tables are listed one after another.
        for (const cycle of cycles) {
          const at = cycle.map((t) => parentsFirst.indexOf(t)).sort((x, y) => x - y);
          expect(at.at(-1)! - at[0]!).toBe(cycle.length - 1);
        }
      }),
    );
  });

  it('knows which tables a foreign key references', () => {
    expect([...referencedTables([fk('a', 'b'), fk('c', 'b'), fk('b', 'd')])].sort()).toEqual(['b', 'd']);
  });
});

function table(key: string): DiffTable {
  return {
    key,
    match: key,
    schema: 'public',
    name: key.split('.')[1]!,
    columns: [
      { name: 'id', type: 'integer', dataType: 'int' },
      { name: 'parent', type: 'integer', dataType: 'int' },
    ],
    primaryKey: ['id'],
    integerKey: true,
    estimatedRows: 0,
  };
}

function deleted(key: string, ...ids: number[]): TableDiff {
  return {
    table: table(key),
    deleted: ids.map((id) => [String(id), null]),
    inserted: [],
    changed: [],
    buckets: { total: 1, differing: 1 },
  };
}

describe('repair scripts of tables that reference each other', () => {
  const diffs = [deleted('public.a', 1), deleted('public.b', 2), deleted('public.c', 3)];
  const keys = [
    fk('public.a', 'public.b', true),
    fk('public.b', 'public.a', false),
    fk('public.c', 'public.a'),
  ];

  it('defers the checks on PostgreSQL, naming the constraints that cannot wait', () => {
    const script = repairScript(POSTGRES_REPAIR, diffs, { deleteInserted: false }, [], keys);
    const lines = script.split('\n');

    expect(lines.indexOf('SET CONSTRAINTS ALL DEFERRED;')).toBe(lines.indexOf('BEGIN;') + 7);
    expect(script).toContain('-- public.a, public.b: reference each other (or themselves)');
    expect(script).toContain('defers only constraints declared DEFERRABLE');
    expect(script).toContain('Not DEFERRABLE, so this script may stop on them');
    expect(script).toContain('public.b_public.a_fkey (public.b)');
    expect(script).not.toContain('(public.c)');
    expect(script.indexOf('INSERT INTO "public"."c"')).toBeGreaterThan(
      script.indexOf('INSERT INTO "public"."a"'),
    );
  });

  it('turns the checks off for the session on MySQL, and on again before COMMIT, saying why', () => {
    const script = repairScript(MYSQL_REPAIR, diffs, { deleteInserted: false }, [], keys);
    const lines = script.split('\n');

    expect(lines.filter((line) => line.startsWith('SET FOREIGN_KEY_CHECKS'))).toEqual([
      'SET FOREIGN_KEY_CHECKS = 0;',
      'SET FOREIGN_KEY_CHECKS = 1;',
    ]);
    expect(lines.at(-3)).toBe('SET FOREIGN_KEY_CHECKS = 1;');
    expect(lines.at(-2)).toBe('COMMIT;');
    expect(script).toContain('MySQL cannot defer the checks');
    expect(script).toContain('for this session only');
  });

  it('changes no session setting when no tables reference each other', () => {
    const script = repairScript(MYSQL_REPAIR, diffs, { deleteInserted: false }, [], [keys[0]!, keys[2]!]);

    expect(script).not.toContain('FOREIGN_KEY_CHECKS');
    expect(script.indexOf('INSERT INTO `public`.`b`')).toBeLessThan(
      script.indexOf('INSERT INTO `public`.`a`'),
    );
  });
});
