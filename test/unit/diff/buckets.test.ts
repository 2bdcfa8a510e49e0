import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseWhereKey } from '../../../cli/commands/diff.js';
import {
  bucketRange,
  differingBuckets,
  finerPlan,
  firstPlan,
  mergedRanges,
  unionSpan,
} from '../../../lib/core/diff/buckets.js';
import { compareRows } from '../../../lib/core/diff/rows.js';
import type { BucketPlan, DiffTable } from '../../../lib/core/diff/types.js';

const range = (plan: BucketPlan) => plan as Extract<BucketPlan, { kind: 'range' }>;

describe('bucket plans', () => {
  it('cover the key span with buckets of about 128 rows, and split into buckets that nest', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }),
        fc.bigInt({ min: 0n, max: 10n ** 9n }),
        fc.bigInt({ min: 0n, max: 10n ** 9n }),
        (low, length, offset) => {
          const plan = range(firstPlan({ low, high: low + length }, Number(length) + 1));
          const key = low + (offset % (length + 1n));
          const bucket = (key - plan.low) / plan.width;
          const [from, to] = bucketRange(plan, bucket);
          expect(from <= key && key < to).toBe(true);
          const finer = finerPlan(plan, 0);
          if (finer === null) {
            expect(plan.width).toBe(1n);
            return;
          }
          // The finer bucket of a key lies inside its coarser bucket: no row is read twice.
          const [innerFrom, innerTo] = bucketRange(range(finer), (key - plan.low) / range(finer).width);
          expect(from <= innerFrom && innerTo <= to).toBe(true);
        },
      ),
    );
  });

  it('bucket by hash a span too wide for integer arithmetic, or no span at all', () => {
    expect(firstPlan({ low: -(2n ** 62n), high: 2n ** 62n }, 1000)).toEqual({ kind: 'hash', modulus: 8n });
    expect(firstPlan(null, 1_000_000)).toEqual({ kind: 'hash', modulus: 7813n });
    expect(finerPlan({ kind: 'hash', modulus: 8n }, 0)).toEqual({ kind: 'hash', modulus: 128n });
    expect(finerPlan({ kind: 'hash', modulus: 8n }, 3)).toBeNull();
  });

  it('merge touching buckets into one key range', () => {
    const plan = { kind: 'range', low: 10n, width: 4n } as const;
    expect(mergedRanges(plan, [3n, 0n, 1n, 7n])).toEqual([
      [10n, 18n],
      [22n, 26n],
      [38n, 42n],
    ]);
  });

  it('take the union of both sides key spans, empty sides left out', () => {
    expect(unionSpan({ low: '5', high: '9' }, { low: null, high: null }, { low: '-3', high: '7' })).toEqual({
      low: -3n,
      high: 9n,
    });
    expect(unionSpan({ low: null, high: null })).toBeNull();
  });

  it('name the buckets whose count or sum differ, or that one side lacks', () => {
    const sum = (bucket: bigint, rows: number, checksum: string) => ({ bucket, rows, checksum });
    expect(
      differingBuckets(
        [sum(1n, 3, 'a'), sum(2n, 3, 'b'), sum(4n, 1, 'c')],
        [sum(1n, 3, 'a'), sum(2n, 3, 'x'), sum(3n, 7, 'd')],
      ),
    ).toEqual([
      { bucket: 2n, rows: 3 },
      { bucket: 3n, rows: 7 },
      { bucket: 4n, rows: 1 },
    ]);
  });
});

describe('compareRows', () => {
  const table = (primaryKey: string[]): DiffTable => ({
    key: 'public.t',
    match: 'public.t',
    schema: 'public',
    name: 't',
    columns: [
      { name: 'id', type: 'integer' },
      { name: 'note', type: 'text' },
    ],
    primaryKey,
    integerKey: true,
    estimatedRows: 0,
  });

  it('tells NULL from the empty string, and lists rows by key in numeric order', () => {
    const result = compareRows(
      table(['id']),
      [
        ['50', 'x'],
        ['6', null],
        ['7', ''],
      ],
      [
        ['7', null],
        ['6', null],
        ['100', 'y'],
      ],
    );

    expect(result.deleted).toEqual([['50', 'x']]);
    expect(result.inserted).toEqual([['100', 'y']]);
    expect(result.changed).toEqual([{ before: ['7', ''], after: ['7', null], columns: ['note'] }]);
  });

  it('compares a table without a key as a multiset of rows', () => {
    const result = compareRows(
      table([]),
      [
        ['1', 'a'],
        ['1', 'a'],
        ['2', 'b'],
      ],
      [
        ['1', 'a'],
        ['2', 'b'],
        ['2', 'b'],
        ['3', null],
      ],
    );

    expect(result.deleted).toEqual([['1', 'a']]);
    expect(result.inserted).toEqual([
      ['2', 'b'],
      ['3', null],
    ]);
  });
});

describe('--where-key', () => {
  it('reads FROM..TO with either end open, and refuses anything else', () => {
    expect(parseWhereKey('10..20')).toEqual({ from: '10', to: '20' });
    expect(parseWhereKey('a..')).toEqual({ from: 'a' });
    expect(parseWhereKey('..2026-01-01')).toEqual({ to: '2026-01-01' });
    expect(() => parseWhereKey('..')).toThrow('--where-key must be FROM..TO');
    expect(() => parseWhereKey('10-20')).toThrow('--where-key must be FROM..TO');
  });
});
