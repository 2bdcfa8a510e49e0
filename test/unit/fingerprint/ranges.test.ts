import { describe, expect, it } from 'vitest';
import {
  boundariesOf,
  rangesOfShare,
  heapShare,
  heapSlices,
  rangeCountFor,
  rangesFromBoundaries,
  splitFractions,
  totalOf,
  WHOLE_TABLE,
} from '../../../lib/core/fingerprint/ranges.js';
import { integerSplitKeys } from '../../../lib/core/fingerprint/mysql-sql.js';

describe('key ranges', () => {
  it('covers every key exactly once, from unbounded to unbounded', () => {
    expect(rangesFromBoundaries(['10', '20'])).toEqual([
      { from: null, to: '10' },
      { from: '10', to: '20' },
      { from: '20', to: null },
    ]);
    expect(rangesFromBoundaries([])).toEqual([WHOLE_TABLE]);
  });

  it('drops repeated split keys from a skewed sample', () => {
    expect(rangesFromBoundaries(['5', '5', '9'])).toHaveLength(3);
  });

  it('round-trips split keys through stored buckets', () => {
    expect(boundariesOf(rangesFromBoundaries(['a', 'm', 't']))).toEqual(['a', 'm', 't']);
    expect(boundariesOf(undefined)).toEqual([]);
  });

  it('keeps small tables whole and splits large ones by size', () => {
    expect(rangeCountFor({ rows: 5_000, bytes: 10 * 2 ** 30 })).toBe(1);
    expect(rangeCountFor({ rows: 2_000_000, bytes: 326 * 2 ** 20 })).toBe(6);
    expect(rangeCountFor({ rows: 200_000, bytes: 2 ** 20 })).toBe(2);
    expect(rangeCountFor({ rows: 1e12, bytes: 2 ** 50 })).toBe(256);
    expect(rangeCountFor({ rows: 10, bytes: 10 }, undefined, 7)).toBe(7);
  });

  it('asks for count-1 inner quantiles', () => {
    expect(splitFractions(4)).toEqual([0.25, 0.5, 0.75]);
    expect(splitFractions(1)).toEqual([]);
  });

  it('splits integer keys evenly between minimum and maximum, without empty or repeated ranges', () => {
    expect(integerSplitKeys('1', '100', 4)).toEqual(['26', '51', '76']);
    expect(integerSplitKeys('1', '2', 7)).toEqual(['2']);
    expect(integerSplitKeys('-9223372036854775808', '9223372036854775807', 2)).toEqual(['0']);
  });

  it('cuts the heap into contiguous block slices, the last one open-ended', () => {
    expect(heapSlices(100, 3)).toEqual([
      { from: null, to: 33 },
      { from: 33, to: 66 },
      { from: 66, to: null },
    ]);
    expect(heapSlices(0, 4)).toEqual([{ from: null, to: null }]);
    expect(heapSlices(2, 7)).toEqual([
      { from: null, to: 1 },
      { from: 1, to: null },
    ]);
  });

  it('totals rows and checksums of ranges', () => {
    expect(
      totalOf([
        { from: null, to: '5', rows: 2, checksum: 'ffffffffffffffff' },
        { from: '5', to: null, rows: 3, checksum: '0000000000000002' },
      ]),
    ).toEqual({ rows: 5, checksum: '0000000000000001' });
  });
});

describe('heapShare', () => {
  it('cuts a share by the size it was planned on, the last share open-ended', () => {
    const planned = { of: 2, units: 100 };
    expect(heapShare(100, { part: 0, ...planned }, 1)).toEqual([{ from: 0, to: 50 }]);
    // VACUUM truncated the heap to 60 blocks since: the shares still meet at block 50.
    expect(heapShare(60, { part: 1, ...planned }, 2)).toEqual([
      { from: 50, to: 75 },
      { from: 75, to: null },
    ]);
    // More shares than blocks: the extra ones read nothing.
    expect(heapShare(1, { part: 1, of: 2 }, 1)).toEqual([]);
  });
});

describe('rangesOfShare', () => {
  it('gives each range to exactly one share, in order', () => {
    const ranges = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    const shares = [0, 1, 2].map((part) => rangesOfShare(ranges, { part, of: 3 }));
    expect(shares.flat()).toEqual(ranges);
    expect(shares.map((share) => share.length)).toEqual([2, 2, 3]);
    expect(rangesOfShare(['whole'], { part: 1, of: 2 })).toEqual(['whole']);
    expect(rangesOfShare(['whole'], { part: 0, of: 2 })).toEqual([]);
    expect(rangesOfShare(ranges, undefined)).toEqual(ranges);
  });
});
