import { addChecksums } from './checksum.js';
import { describeFormat } from './format.js';
import type { DatabaseFingerprint, TableFingerprint, TableSize } from './types.js';

/**
 * Bytes of table per fingerprint run (one Lambda invocation, at most 15 minutes). A restored RDS
 * volume loads each block from S3 on its first read, so a scratch instance scans far below a warm
 * server's rate: 8 GiB still fits 15 minutes at 9 MB/s.
 */
export const DEFAULT_PART_BYTES = 8 * 1024 ** 3;

/** Shares one table is read in at most, each a run of its own. */
export const MAX_TABLE_SHARES = 64;

/**
 * One run's share of a database's fingerprint: these tables, or all of them when the list is
 * empty; with `share`, only that share of its one table.
 */
export interface FingerprintPart {
  tables: string[];
  bytes: number;
  share?: { part: number; of: number; units: number };
  /** The keys every share of the table splits its buckets on, found once when planning. */
  boundaries?: string[];
}

/**
 * Groups a database's tables into parts of at most `budgetBytes` each, largest table first into the
 * first part it fits. A table larger than the budget is read in shares, a part each,
 * when it can be (`units` known), else it is a part of its own. The same tables always give the
 * same parts. A database without tables is one empty part, so it is still fingerprinted and found
 * empty.
 */
export function planParts(tables: readonly TableSize[], budgetBytes = DEFAULT_PART_BYTES): FingerprintPart[] {
  if (!(budgetBytes > 0)) throw new RangeError(`the part budget must be positive, not ${budgetBytes}`);
  const ordered = [...tables].sort((a, b) => b.bytes - a.bytes || a.table.localeCompare(b.table));
  const parts: FingerprintPart[] = [];
  for (const { table, bytes, units } of ordered) {
    if (bytes > budgetBytes && units !== undefined && units > 1) {
      const of = Math.min(Math.ceil(bytes / budgetBytes), units, MAX_TABLE_SHARES);
      for (let part = 0; part < of; part++) {
        parts.push({ tables: [table], bytes: Math.ceil(bytes / of), share: { part, of, units } });
      }
      continue;
    }
    const part = parts.find((candidate) => !candidate.share && candidate.bytes + bytes <= budgetBytes);
    if (part) {
      part.tables.push(table);
      part.bytes += bytes;
    } else {
      parts.push({ tables: [table], bytes });
    }
  }
  if (parts.length === 0) return [{ tables: [], bytes: 0 }];
  for (const part of parts) part.tables.sort();
  return parts;
}

/** One table's fingerprint from those of its shares, bucket by bucket. */
function addShares(table: string, a: TableFingerprint, b: TableFingerprint): TableFingerprint {
  const [left, right] = [a.buckets ?? [], b.buckets ?? []];
  const sameSplit =
    a.columns === b.columns &&
    left.length === right.length &&
    left.every((bucket, i) => bucket.from === right[i]?.from && bucket.to === right[i]?.to);
  if (!sameSplit) throw new RangeError(`the shares of table ${table} were not split on the same keys`);
  return {
    ...a,
    rows: a.rows + b.rows,
    checksum: addChecksums(a.checksum, b.checksum),
    ...(left.length > 0
      ? {
          buckets: left.map((bucket, i) => ({
            ...bucket,
            rows: bucket.rows + right[i]!.rows,
            checksum: addChecksums(bucket.checksum, right[i]!.checksum),
          })),
        }
      : {}),
  };
}

/**
 * The fingerprint of a database from those of its parts: disjoint sets of its tables, or shares of
 * one table (`sharedTables`), whose sums add up.
 */
export function joinParts(
  parts: readonly DatabaseFingerprint[],
  sharedTables: ReadonlySet<string> = new Set(),
): DatabaseFingerprint {
  const [first, ...rest] = parts;
  if (!first) throw new RangeError('no parts to join');
  const joined: DatabaseFingerprint = { ...first, tables: { ...first.tables } };
  for (const part of rest) {
    if (part.engine !== first.engine || part.rowHash !== first.rowHash || part.format !== first.format) {
      throw new RangeError(
        `parts of one database disagree: ${describeFormat(first)} and ${describeFormat(part)}`,
      );
    }
    for (const [table, fingerprint] of Object.entries(part.tables)) {
      const seen = joined.tables[table];
      if (seen && !sharedTables.has(table)) throw new RangeError(`table ${table} is in two parts`);
      joined.tables[table] = seen ? addShares(table, seen, fingerprint) : fingerprint;
    }
    if (part.takenAt && (!joined.takenAt || part.takenAt < joined.takenAt)) joined.takenAt = part.takenAt;
  }
  // In table order, as one run would have listed them.
  joined.tables = Object.fromEntries(Object.entries(joined.tables).sort(([a], [b]) => a.localeCompare(b)));
  return joined;
}
