import type { DatabaseFingerprint, TableSize } from './types.js';

/**
 * Bytes of table per fingerprint run (one Lambda invocation, at most 15 minutes). A restored RDS
 * volume loads each block from S3 on its first read, so a scratch instance scans far below a warm
 * server's rate: 8 GiB still fits 15 minutes at 9 MB/s.
 */
export const DEFAULT_PART_BYTES = 8 * 1024 ** 3;

/** One run's share of a database's fingerprint: these tables, or all of them when the list is empty. */
export interface FingerprintPart {
  tables: string[];
  bytes: number;
}

/**
 * Groups a database's tables into parts of at most `budgetBytes` each, largest table first into the
 * first part it fits (a table larger than the budget is a part of its own). The same tables always
 * give the same parts. A database without tables is one empty part, so it is still fingerprinted
 * and found empty.
 */
export function planParts(tables: readonly TableSize[], budgetBytes = DEFAULT_PART_BYTES): FingerprintPart[] {
  if (!(budgetBytes > 0)) throw new RangeError(`the part budget must be positive, not ${budgetBytes}`);
  const ordered = [...tables].sort((a, b) => b.bytes - a.bytes || a.table.localeCompare(b.table));
  const parts: FingerprintPart[] = [];
  for (const { table, bytes } of ordered) {
    const part = parts.find((candidate) => candidate.bytes + bytes <= budgetBytes);
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

/** The fingerprint of a database from those of its parts (disjoint sets of its tables). */
export function joinParts(parts: readonly DatabaseFingerprint[]): DatabaseFingerprint {
  const [first, ...rest] = parts;
  if (!first) throw new RangeError('no parts to join');
  const joined: DatabaseFingerprint = { ...first, tables: { ...first.tables } };
  for (const part of rest) {
    if (part.engine !== first.engine || part.rowHash !== first.rowHash) {
      throw new RangeError(
        `parts of one database disagree: ${first.engine}/${first.rowHash} and ${part.engine}/${part.rowHash}`,
      );
    }
    for (const [table, fingerprint] of Object.entries(part.tables)) {
      if (table in joined.tables) throw new RangeError(`table ${table} is in two parts`);
      joined.tables[table] = fingerprint;
    }
    if (part.takenAt && (!joined.takenAt || part.takenAt < joined.takenAt)) joined.takenAt = part.takenAt;
  }
  // In table order, as one run would have listed them.
  joined.tables = Object.fromEntries(Object.entries(joined.tables).sort(([a], [b]) => a.localeCompare(b)));
  return joined;
}
