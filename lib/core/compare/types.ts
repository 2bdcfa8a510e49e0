import type { RangeFingerprint } from '../fingerprint/types.js';

/**
 * How strictly a candidate must match its baseline.
 * - exact: the same snapshot restored elsewhere (a DR copy) must be identical, table by table.
 * - previous-report: a later snapshot against the last verified report: no table lost, column
 *   signatures unchanged, row counts within tolerance; checksums may differ.
 */
export interface CompareRules {
  mode: 'exact' | 'previous-report';
  rowCountTolerancePercent?: number;
  /** Minimum rows per table key; an expected table absent from the candidate is missing. */
  expectations?: Array<{ table: string; minRows: number }>;
  /**
   * Table keys (tables.ts: "schema.table", "database/schema.table") left out of the comparison; a
   * key without a database leaves the table out in every database.
   */
  exclude?: string[];
  /** The database both fingerprints are of, for `exclude` keys that name theirs. */
  database?: string;
  /**
   * Fingerprints of one engine whose checksums cannot match because they were computed another way
   * (another fingerprint format, or in `exact` mode another row-hash method): `refuse` (the
   * default) makes the comparison one `*` mismatch naming both; `row-counts` compares what still
   * means the same (row counts, exactly in `exact` mode; column signatures when the format numbers
   * are equal) and says so in `warnings`, so a baseline stored by an older Lifeboat degrades the
   * check instead of failing it as different data.
   */
  acrossFormats?: 'refuse' | 'row-counts';
}

export type TableVerdict = 'exact' | 'within-tolerance' | 'mismatch' | 'missing' | 'unexpected';

export interface TableComparison {
  table: string;
  verdict: TableVerdict;
  /** Why, in words an operator reads in chat ("rows 1000 -> 999 (-0.1%)"). */
  reason: string;
  /** Key ranges whose sums differ, first keys shown; empty when not narrowed. */
  differingRanges?: Array<
    Pick<RangeFingerprint, 'from' | 'to'> & { baselineRows: number; candidateRows: number }
  >;
  /** Keys of the first differing rows, when both databases were live and bisected. */
  differingKeys?: string[];
}

export interface Comparison {
  /** `same`: every table exact or within tolerance; `different`: at least one is not. */
  verdict: 'same' | 'different';
  tables: TableComparison[];
  /** What may make the comparison mean less than it says, e.g. an exclusion that named no table. */
  warnings?: string[];
}
