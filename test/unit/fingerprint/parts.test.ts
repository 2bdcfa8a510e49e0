import { describe, expect, it } from 'vitest';
import { joinParts, planParts } from '../../../lib/core/fingerprint/parts.js';
import type { DatabaseFingerprint } from '../../../lib/core/fingerprint/types.js';

const GiB = 1024 ** 3;

describe('planParts', () => {
  it('keeps a database that fits one run in one part', () => {
    expect(
      planParts([
        { table: 'public.b', bytes: GiB },
        { table: 'public.a', bytes: 2 * GiB },
      ]),
    ).toEqual([{ tables: ['public.a', 'public.b'], bytes: 3 * GiB }]);
  });

  it('fills parts up to the budget, largest tables first, and gives an oversized table its own', () => {
    const parts = planParts(
      [
        { table: 's.huge', bytes: 30 * GiB },
        { table: 's.six', bytes: 6 * GiB },
        { table: 's.five', bytes: 5 * GiB },
        { table: 's.three', bytes: 3 * GiB },
        { table: 's.two', bytes: 2 * GiB },
        { table: 's.empty', bytes: 0 },
      ],
      8 * GiB,
    );

    expect(parts).toEqual([
      { tables: ['s.huge'], bytes: 30 * GiB },
      { tables: ['s.empty', 's.six', 's.two'], bytes: 8 * GiB },
      { tables: ['s.five', 's.three'], bytes: 8 * GiB },
    ]);
  });

  it('gives the same parts whatever order the tables are listed in', () => {
    const tables = Array.from({ length: 40 }, (_, i) => ({
      table: `s.t${i}`,
      bytes: ((i * 7919) % 97) * GiB,
    }));
    expect(planParts([...tables].reverse(), 100 * GiB)).toEqual(planParts(tables, 100 * GiB));
  });

  it('reads a table larger than the budget in shares, one part each, when it can be shared', () => {
    const parts = planParts(
      [
        { table: 's.events', bytes: 20 * GiB, units: (20 * GiB) / 8192 },
        { table: 's.unshareable', bytes: 20 * GiB },
        { table: 's.small', bytes: GiB, units: GiB / 8192 },
      ],
      8 * GiB,
    );

    // Each share carries the size it was planned on, so all cut the heap alike.
    const units = (20 * GiB) / 8192;
    expect(parts.filter((p) => p.tables[0] === 's.events').map((p) => p.share)).toEqual([
      { part: 0, of: 3, units },
      { part: 1, of: 3, units },
      { part: 2, of: 3, units },
    ]);
    // A table that cannot be shared is read whole; small tables do not join a share's part.
    expect(parts.filter((p) => p.tables.includes('s.unshareable'))).toEqual([
      { tables: ['s.unshareable'], bytes: 20 * GiB },
    ]);
    expect(parts.find((p) => p.tables.includes('s.small'))).toEqual({ tables: ['s.small'], bytes: GiB });
    // Never more shares than units.
    expect(planParts([{ table: 's.t', bytes: 3 * 8192, units: 3 }], 1)).toHaveLength(3);
  });

  it('plans one empty part for a database without tables, so it is still fingerprinted', () => {
    expect(planParts([])).toEqual([{ tables: [], bytes: 0 }]);
    expect(() => planParts([], 0)).toThrow(RangeError);
  });
});

describe('joinParts', () => {
  const table = (rows: number) => ({ rows, checksum: '0'.repeat(16), columns: '1'.repeat(16) });
  const part = (tables: Record<string, number>, takenAt: string): DatabaseFingerprint => ({
    engine: 'postgres',
    rowHash: 'typed',
    takenAt,
    tables: Object.fromEntries(Object.entries(tables).map(([name, rows]) => [name, table(rows)])),
  });

  it('joins the tables of the parts in table order, taken when the first part was', () => {
    const joined = joinParts([
      part({ 'public.z': 1 }, '2026-12-02T10:05:00Z'),
      part({ 'public.a': 2, 'public.m': 3 }, '2026-12-02T10:00:00Z'),
    ]);

    expect(Object.keys(joined.tables)).toEqual(['public.a', 'public.m', 'public.z']);
    expect(joined.takenAt).toBe('2026-12-02T10:00:00Z');
  });

  it('adds up the shares of one table bucket by bucket', () => {
    const share = (rows: number[], checksums: string[]): DatabaseFingerprint => ({
      engine: 'postgres',
      rowHash: 'typed',
      tables: {
        'public.big': {
          rows: rows[0]! + rows[1]!,
          checksum: '0'.repeat(16),
          columns: '1'.repeat(16),
          key: 'id',
          buckets: [
            { from: null, to: '100', rows: rows[0]!, checksum: checksums[0]! },
            { from: '100', to: null, rows: rows[1]!, checksum: checksums[1]! },
          ],
        },
      },
    });
    const joined = joinParts(
      [
        share([3, 0], ['0000000000000001', '0000000000000000']),
        share([1, 5], ['0000000000000002', 'ffffffffffffffff']),
      ],
      new Set(['public.big']),
    );

    expect(joined.tables['public.big']).toMatchObject({
      rows: 9,
      buckets: [
        { from: null, to: '100', rows: 4, checksum: '0000000000000003' },
        { from: '100', to: null, rows: 5, checksum: 'ffffffffffffffff' },
      ],
    });
    const otherKeys = share([1, 1], ['0000000000000001', '0000000000000001']);
    otherKeys.tables['public.big']!.buckets![1]!.from = '200';
    expect(() =>
      joinParts(
        [
          share(
            [1, 1],
            ['0', '0'].map((c) => c.padStart(16, '0')),
          ),
          otherKeys,
        ],
        new Set(['public.big']),
      ),
    ).toThrow(/not split on the same keys/);
  });

  it('refuses parts that overlap or were hashed differently', () => {
    const a = part({ 'public.a': 1 }, '2026-12-02T10:00:00Z');
    expect(() => joinParts([a, a])).toThrow('table public.a is in two parts');
    expect(() => joinParts([a, { ...part({ 'public.b': 1 }, 'x'), rowHash: 'text' }])).toThrow(/disagree/);
    expect(() =>
      joinParts([
        { ...a, format: 1 },
        { ...part({ 'public.b': 1 }, 'x'), format: 2 },
      ]),
    ).toThrow('parts of one database disagree: postgres typed format 1 and postgres typed format 2');
  });
});
