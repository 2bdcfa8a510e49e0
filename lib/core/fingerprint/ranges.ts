import { ConfigError } from '../errors.js';
import type { FingerprintOptions, RangeFingerprint } from './types.js';
import { addChecksums } from './checksum.js';

/** A key range: `from` inclusive, `to` exclusive, null unbounded; keys as text. */
export type KeyRange = Pick<RangeFingerprint, 'from' | 'to'>;

/** The whole table: what a table without a primary key, or a small one, is fingerprinted as. */
export const WHOLE_TABLE: KeyRange = { from: null, to: null };

/**
 * How a table's size decides its split. About 64 MiB of heap is a quarter to half a second of
 * hashing on one core: small enough to narrow a mismatch, large enough that per-range overhead
 * stays negligible.
 */
export interface SplitSettings {
  /** Tables with fewer estimated rows are one range. */
  splitRows: number;
  bytesPerRange: number;
  maxRanges: number;
}

export const DEFAULT_SPLIT: SplitSettings = {
  splitRows: 100_000,
  bytesPerRange: 64 * 1024 * 1024,
  maxRanges: 256,
};

/** How many key ranges a table gets from its catalog estimates (`forced` overrides, for tests and tuning). */
export function rangeCountFor(
  estimate: { rows: number; bytes: number },
  settings: SplitSettings = DEFAULT_SPLIT,
  forced?: number,
): number {
  if (forced !== undefined) return Math.max(1, Math.floor(forced));
  if (!(estimate.rows >= settings.splitRows)) return 1;
  const byBytes = Math.ceil(estimate.bytes / settings.bytesPerRange);
  return Math.min(settings.maxRanges, Math.max(2, byBytes));
}

/**
 * Turns sorted split keys into contiguous ranges that cover every key exactly once:
 * (-inf, k1), [k1, k2), ..., [kn, +inf). Repeated keys (a skewed sample) are dropped.
 */
export function rangesFromBoundaries(boundaries: readonly string[]): KeyRange[] {
  const keys = boundaries.filter((key, index) => index === 0 || key !== boundaries[index - 1]);
  if (keys.length === 0) return [WHOLE_TABLE];
  const ranges: KeyRange[] = [{ from: null, to: keys[0] as string }];
  for (let index = 0; index < keys.length; index++) {
    ranges.push({ from: keys[index] as string, to: keys[index + 1] ?? null });
  }
  return ranges;
}

/** The split keys of a fingerprint's buckets, to fingerprint another database on the same ranges. */
export function boundariesOf(buckets: readonly KeyRange[] | undefined): string[] {
  return (buckets ?? []).flatMap((bucket) => (bucket.from === null ? [] : [bucket.from]));
}

/** Evenly spaced quantile fractions for `count` ranges: count-1 inner split points. */
export function splitFractions(count: number): number[] {
  return Array.from({ length: Math.max(0, count - 1) }, (_, index) => (index + 1) / count);
}

/** Rolls range fingerprints up to the table's row count and checksum. */
export function totalOf(ranges: readonly RangeFingerprint[]): { rows: number; checksum: string } {
  return {
    rows: ranges.reduce((rows, range) => rows + range.rows, 0),
    checksum: addChecksums(...ranges.map((range) => range.checksum)),
  };
}

/** A slice of a table's heap by block number: `from` inclusive, `to` exclusive, null unbounded. */
export interface HeapSlice {
  from: number | null;
  to: number | null;
}

/**
 * Cuts `blocks` heap blocks into `count` contiguous slices; the last one is open-ended, so blocks
 * added since the size was read are still covered.
 */
export function heapSlices(blocks: number, count: number): HeapSlice[] {
  const n = Math.max(1, Math.min(Math.floor(count), Math.max(1, Math.floor(blocks))));
  if (n === 1) return [{ from: null, to: null }];
  const cuts = Array.from({ length: n - 1 }, (_, index) => Math.floor((blocks * (index + 1)) / n));
  return [null, ...cuts].map((from, index) => ({ from, to: cuts[index] ?? null }));
}

/**
 * Share `part` of `of` of a heap of `blocks` blocks (as heapSlices cuts it), itself cut into `count`
 * slices for the segments of one run; empty when the heap has fewer blocks than shares.
 */
export function heapShare(
  blocks: number,
  share: { part: number; of: number; units?: number },
  count: number,
): HeapSlice[] {
  // The planned size, so every share cuts the heap alike even if VACUUM truncated it since.
  blocks = share.units ?? blocks;
  const shares = heapSlices(blocks, share.of);
  const range = shares[share.part];
  if (!range) return [];
  const from = range.from ?? 0;
  const to = range.to ?? Math.max(from, Math.floor(blocks));
  return heapSlices(to - from, count).map((slice, index, all) => ({
    from: from + (slice.from ?? 0),
    // The share's own end; the heap's last share stays open-ended.
    to: index === all.length - 1 ? range.to : from + (slice.to as number),
  }));
}

/** Checks that a `share` names one of its `of` shares. */
export function checkShare({ share }: Pick<FingerprintOptions, 'share'>): void {
  if (share === undefined) return;
  const { part, of } = share;
  if (!Number.isInteger(part) || !Number.isInteger(of) || part < 0 || part >= of) {
    throw new ConfigError(`share ${part} of ${of} is not one of ${of} shares (0 to ${of - 1})`);
  }
}

/** The key ranges share `part` of `of` reads: a contiguous run of them, every range in one share. */
export function rangesOfShare<T>(ranges: readonly T[], share: { part: number; of: number } | undefined): T[] {
  if (!share) return [...ranges];
  const cut = (index: number) => Math.floor((index * ranges.length) / share.of);
  return ranges.slice(cut(share.part), cut(share.part + 1));
}
