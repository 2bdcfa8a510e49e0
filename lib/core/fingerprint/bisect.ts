import type { KeyRange } from './ranges.js';

/** One side of a bisection: a live copy of the table, read through its engine's adapter. */
export interface BisectSide {
  rangeSum(range: KeyRange): Promise<{ rows: number; checksum: string }>;
  /** A key inside the range that splits it roughly in half; null if it cannot be split. */
  medianKey(range: KeyRange, rows: number): Promise<string | null>;
  /** Each row's key and hash. Only called on ranges of at most `rowsPerLeaf` rows. */
  rowHashes(range: KeyRange): Promise<Array<{ key: string; hash: string }>>;
}

/** Where two live copies of a table differ: the keys of the first differing rows. */
export interface BisectResult {
  /** Keys (as text, of the first primary-key column) present on one side only or with other content. */
  keys: string[];
  /** Rows compared one by one at the end; 0 when the range sums matched. */
  rowsCompared: number;
}

/**
 * Narrows a differing key range down to rows: ranges whose count and sum match are dropped, the
 * others halved at a median key until small enough to compare row by row. Ranges are visited in
 * key order, so the keys found first are the lowest.
 */
export async function bisectRanges(
  left: BisectSide,
  right: BisectSide,
  range: KeyRange,
  { limit = 10, rowsPerLeaf = 2_000 }: { limit?: number; rowsPerLeaf?: number } = {},
): Promise<BisectResult> {
  const keys: string[] = [];
  let rowsCompared = 0;
  const visit = async (current: KeyRange): Promise<void> => {
    if (keys.length >= limit) return;
    const [x, y] = await Promise.all([left.rangeSum(current), right.rangeSum(current)]);
    if (x.rows === y.rows && x.checksum === y.checksum) return;
    const rows = Math.max(x.rows, y.rows);
    const median =
      rows > rowsPerLeaf ? await (x.rows >= y.rows ? left : right).medianKey(current, rows) : null;
    if (median === null || median === current.from || median === current.to) {
      const [a, b] = await Promise.all([left.rowHashes(current), right.rowHashes(current)]);
      rowsCompared += a.length + b.length;
      keys.push(...differingKeys(a, b).slice(0, limit - keys.length));
      return;
    }
    await visit({ from: current.from, to: median });
    await visit({ from: median, to: current.to });
  };
  await visit(range);
  return { keys, rowsCompared };
}

/** Keys whose rows are not the same multiset on both sides (changed, missing, or duplicated). */
export function differingKeys(
  left: ReadonlyArray<{ key: string; hash: string }>,
  right: ReadonlyArray<{ key: string; hash: string }>,
): string[] {
  const tally = (rows: ReadonlyArray<{ key: string; hash: string }>) => {
    const counts = new Map<string, Map<string, number>>();
    for (const { key, hash } of rows) {
      const hashes = counts.get(key) ?? new Map<string, number>();
      hashes.set(hash, (hashes.get(hash) ?? 0) + 1);
      counts.set(key, hashes);
    }
    return counts;
  };
  const a = tally(left);
  const b = tally(right);
  const same = (x: Map<string, number> | undefined, y: Map<string, number> | undefined) =>
    x !== undefined && y !== undefined && x.size === y.size && [...x].every(([hash, n]) => y.get(hash) === n);
  const keys = new Set<string>();
  for (const key of [...a.keys(), ...b.keys()]) if (!same(a.get(key), b.get(key))) keys.add(key);
  return [...keys];
}

/**
 * Opens both sides, runs `use`, and always closes what was opened, also when the second side
 * cannot be reached.
 */
export async function withBothSides<C extends { end(): Promise<unknown> }, R>(
  open: () => [Promise<C>, () => Promise<C>],
  use: (left: C, right: C) => Promise<R>,
): Promise<R> {
  const [openLeft, openRight] = open();
  const left = await openLeft;
  try {
    const right = await openRight();
    try {
      return await use(left, right);
    } finally {
      await right.end().catch(() => undefined);
    }
  } finally {
    await left.end().catch(() => undefined);
  }
}
