import type { BucketPlan, BucketSum, KeyBounds } from './types.js';

/**
 * How the first pass sizes its buckets. A bucket of about 128 rows keeps the first pass's answer
 * small (8 000 sums for a million rows) while a differing bucket costs only a few hundred rows to
 * read; a differing bucket of more than `leafRows` is split `fanOut` ways and summed again.
 */
export interface BucketSettings {
  rowsPerBucket: number;
  maxBuckets: number;
  leafRows: number;
  fanOut: number;
  /** Hash buckets are split this many times at most; then their rows are read whatever their number. */
  maxHashLevels: number;
}

export const DEFAULT_BUCKETS: BucketSettings = {
  rowsPerBucket: 128,
  maxBuckets: 65_536,
  leafRows: 1_000,
  fanOut: 16,
  maxHashLevels: 3,
};

/** Integer arithmetic on the key stays in int8/SIGNED: a wider span is bucketed by hash instead. */
const MAX_RANGE_SPAN = 1n << 62n;

/** How many buckets the first pass gets for a table of about `rows` rows. */
export function bucketCount(rows: number, settings: BucketSettings = DEFAULT_BUCKETS): bigint {
  const wanted = Math.ceil(Math.max(rows, 1) / settings.rowsPerBucket);
  return BigInt(Math.min(settings.maxBuckets, Math.max(1, wanted)));
}

/**
 * The first pass's buckets: key ranges of equal width over [low, high] of both sides together for
 * an integer key, else hash buckets. `rows` is the larger side's estimate; with none, an integer
 * key is taken as dense.
 */
export function firstPlan(
  span: { low: bigint; high: bigint } | null,
  rows: number,
  settings: BucketSettings = DEFAULT_BUCKETS,
): BucketPlan {
  if (span === null || span.high - span.low >= MAX_RANGE_SPAN) {
    return { kind: 'hash', modulus: bucketCount(rows, settings) };
  }
  const keys = span.high - span.low + 1n;
  const count = bucketCount(rows > 0 ? rows : Number(keys), settings);
  return { kind: 'range', low: span.low, width: powerOfTwoAtLeast((keys + count - 1n) / count) };
}

/** Widths are powers of two, so that a finer plan's buckets nest exactly in the coarser ones. */
function powerOfTwoAtLeast(value: bigint): bigint {
  let power = 1n;
  while (power < value) power <<= 1n;
  return power;
}

/** The lowest and highest of both sides' key spans; null when both are empty. */
export function unionSpan(
  ...spans: ReadonlyArray<{ low: string | null; high: string | null }>
): { low: bigint; high: bigint } | null {
  let union: { low: bigint; high: bigint } | null = null;
  for (const { low, high } of spans) {
    if (low === null || high === null) continue;
    const [l, h] = [BigInt(low), BigInt(high)];
    union = union
      ? { low: l < union.low ? l : union.low, high: h > union.high ? h : union.high }
      : { low: l, high: h };
  }
  return union;
}

/**
 * Buckets whose row count or checksum differ, or that hold rows on one side only, in bucket order,
 * with the larger side's row count.
 */
export function differingBuckets(
  before: readonly BucketSum[],
  after: readonly BucketSum[],
): Array<{ bucket: bigint; rows: number }> {
  const index = (sums: readonly BucketSum[]) => new Map(sums.map((sum) => [sum.bucket, sum]));
  const [a, b] = [index(before), index(after)];
  const differing: Array<{ bucket: bigint; rows: number }> = [];
  for (const bucket of new Set([...a.keys(), ...b.keys()])) {
    const [x, y] = [a.get(bucket), b.get(bucket)];
    if (x && y && x.rows === y.rows && x.checksum === y.checksum) continue;
    differing.push({ bucket, rows: Math.max(x?.rows ?? 0, y?.rows ?? 0) });
  }
  return differing.sort((p, q) => (p.bucket < q.bucket ? -1 : p.bucket > q.bucket ? 1 : 0));
}

/**
 * The plan that splits the buckets of `plan` further, `fanOut` ways each (a power of two), or null
 * when they cannot be split: a range one key wide, or hash buckets split `maxHashLevels` times
 * already. Every finer bucket lies inside one coarser bucket (same `low`, a width that divides;
 * a modulus that is a multiple), so no row is read twice.
 */
export function finerPlan(
  plan: BucketPlan,
  level: number,
  settings: BucketSettings = DEFAULT_BUCKETS,
): BucketPlan | null {
  const fanOut = BigInt(settings.fanOut);
  if (plan.kind === 'range') {
    if (plan.width <= 1n) return null;
    return { ...plan, width: plan.width > fanOut ? plan.width / fanOut : 1n };
  }
  if (level >= settings.maxHashLevels) return null;
  return { kind: 'hash', modulus: plan.modulus * fanOut };
}

/** The key range [from, to) of a range bucket, for a query through the key's index. */
export function bucketRange(plan: Extract<BucketPlan, { kind: 'range' }>, bucket: bigint): [bigint, bigint] {
  const from = plan.low + bucket * plan.width;
  return [from, from + plan.width];
}

/**
 * Merges the key ranges of sorted range buckets where they touch, so that a run of differing
 * buckets is one range condition, not many.
 */
export function mergedRanges(
  plan: Extract<BucketPlan, { kind: 'range' }>,
  buckets: readonly bigint[],
): Array<[bigint, bigint]> {
  const ranges: Array<[bigint, bigint]> = [];
  for (const bucket of [...buckets].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    const [from, to] = bucketRange(plan, bucket);
    const last = ranges.at(-1);
    if (last && last[1] >= from) last[1] = to > last[1] ? to : last[1];
    else ranges.push([from, to]);
  }
  return ranges;
}

/**
 * The --where-key conditions on the (quoted) first key column `k`, each bound a parameter written
 * by `parameter` (numbered from 1), and the values to bind.
 */
export function keyBoundConditions(
  k: string,
  bounds: KeyBounds,
  parameter: (index: number) => string,
): { conditions: string[]; values: string[] } {
  const conditions: string[] = [];
  const values: string[] = [];
  for (const [bound, operator] of [
    [bounds.from, '>='],
    [bounds.to, '<'],
  ] as const) {
    if (bound === undefined) continue;
    values.push(bound);
    conditions.push(`${k} ${operator} ${parameter(values.length)}`);
  }
  return { conditions, values };
}
