import { describe, expect, it } from 'vitest';
import { bisectRanges, differingKeys, type BisectSide } from '../../../lib/core/fingerprint/bisect.js';
import { checksumFromSum } from '../../../lib/core/fingerprint/checksum.js';
import type { KeyRange } from '../../../lib/core/fingerprint/ranges.js';
import { mapWithConcurrency } from '../../../lib/core/pool.js';

/** A table held in memory: integer keys, a hash per row. */
function side(rows: Map<number, bigint>): BisectSide & { reads: number } {
  const within = (range: KeyRange) =>
    [...rows].filter(
      ([key]) =>
        (range.from === null || key >= Number(range.from)) && (range.to === null || key < Number(range.to)),
    );
  const self = {
    reads: 0,
    async rangeSum(range: KeyRange) {
      const found = within(range);
      self.reads += found.length;
      return {
        rows: found.length,
        checksum: checksumFromSum(found.reduce((sum, [, hash]) => sum + hash, 0n)),
      };
    },
    async medianKey(range: KeyRange) {
      const keys = within(range)
        .map(([key]) => key)
        .sort((a, b) => a - b);
      return keys.length === 0 ? null : String(keys[Math.floor(keys.length / 2)]);
    },
    async rowHashes(range: KeyRange) {
      return within(range).map(([key, hash]) => ({ key: String(key), hash: hash.toString() }));
    },
  };
  return self;
}

describe('bisecting a differing range', () => {
  const table = new Map(
    Array.from({ length: 10_000 }, (_, key) => [key, BigInt(key) * 7919n + 13n] as const),
  );

  it('names the changed, deleted and added rows, lowest keys first', async () => {
    const changed = new Map(table);
    changed.set(4242, 1n);
    changed.delete(77);
    changed.set(20_000, 5n);
    const result = await bisectRanges(
      side(table),
      side(changed),
      { from: null, to: null },
      { rowsPerLeaf: 100 },
    );
    expect(result.keys).toEqual(['77', '4242', '20000']);
    expect(result.rowsCompared).toBeLessThan(1_000);
  });

  it('finds nothing in identical copies', async () => {
    expect(await bisectRanges(side(table), side(new Map(table)), { from: null, to: null })).toEqual({
      keys: [],
      rowsCompared: 0,
    });
  });

  it('stops after the limit', async () => {
    const changed = new Map(
      [...table].map(([key, hash]) => [key, key % 100 === 0 ? hash + 1n : hash] as const),
    );
    const result = await bisectRanges(
      side(table),
      side(changed),
      { from: null, to: null },
      { limit: 3, rowsPerLeaf: 50 },
    );
    expect(result.keys).toEqual(['0', '100', '200']);
  });

  it('treats rows as multisets: a duplicate differs, the same rows in another order do not', () => {
    const rows = [
      { key: '1', hash: 'a' },
      { key: '2', hash: 'b' },
    ];
    expect(differingKeys(rows, [...rows].reverse())).toEqual([]);
    expect(differingKeys(rows, [...rows, { key: '2', hash: 'b' }])).toEqual(['2']);
  });
});

describe('bounded pool', () => {
  it('never runs more than the limit at once and keeps results in order', async () => {
    let running = 0;
    let peak = 0;
    const results = await mapWithConcurrency([5, 1, 4, 2, 3], 2, async (value) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, value));
      running--;
      return value * 10;
    });
    expect(results).toEqual([50, 10, 40, 20, 30]);
    expect(peak).toBe(2);
  });

  it('rejects with the first failure after the started work settles', async () => {
    let settled = 0;
    await expect(
      mapWithConcurrency([1, 2, 3, 4], 2, async (value) => {
        await new Promise((resolve) => setTimeout(resolve, value));
        settled++;
        if (value === 1) throw new Error('range 1 failed');
        return value;
      }),
    ).rejects.toThrow('range 1 failed');
    expect(settled).toBe(2);
  });
});
