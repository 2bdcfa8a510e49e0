import { describe, expect, it } from 'vitest';
import { compareFingerprints, whyIncomparable } from '../../../lib/core/compare/compare.js';
import type { DatabaseFingerprint, TableFingerprint } from '../../../lib/core/fingerprint/types.js';

const table = (
  rows: number,
  checksum = 'aaaaaaaaaaaaaaaa',
  extra: Partial<TableFingerprint> = {},
): TableFingerprint => ({
  rows,
  checksum,
  columns: '1111111111111111',
  ...extra,
});

const db = (tables: Record<string, TableFingerprint>): DatabaseFingerprint => ({
  engine: 'postgres',
  tables,
});

const baseline = db({
  'public.orders': table(1000),
  'public.users': table(50, 'bbbbbbbbbbbbbbbb'),
});

describe('compareFingerprints', () => {
  it('finds identical fingerprints exact in both modes', () => {
    for (const mode of ['exact', 'previous-report'] as const) {
      const comparison = compareFingerprints(baseline, baseline, { mode });
      expect(comparison.verdict).toBe('same');
      expect(comparison.tables.map((t) => t.verdict)).toEqual(['exact', 'exact']);
    }
  });

  it('in exact mode, calls any checksum or row difference a mismatch', () => {
    const candidate = db({ ...baseline.tables, 'public.orders': table(1000, 'cccccccccccccccc') });
    const comparison = compareFingerprints(baseline, candidate, {
      mode: 'exact',
      rowCountTolerancePercent: 50,
    });
    expect(comparison.verdict).toBe('different');
    expect(comparison.tables[0]).toMatchObject({
      table: 'public.orders',
      verdict: 'mismatch',
      reason: 'checksum aaaaaaaaaaaaaaaa -> cccccccccccccccc, rows 1000 -> 1000 (0.0%)',
    });
  });

  it('in previous-report mode, accepts row counts within the tolerance either way and refuses beyond', () => {
    const candidate = db({
      'public.orders': table(1040, 'cccccccccccccccc'),
      'public.users': table(47, 'dddddddddddddddd'),
    });
    const loose = compareFingerprints(baseline, candidate, {
      mode: 'previous-report',
      rowCountTolerancePercent: 6,
    });
    expect(loose.verdict).toBe('same');
    expect(loose.tables.map((t) => [t.verdict, t.reason])).toEqual([
      ['within-tolerance', 'rows 1000 -> 1040 (+4.0%), tolerance 6%'],
      ['within-tolerance', 'rows 50 -> 47 (-6.0%), tolerance 6%'],
    ]);
    const strict = compareFingerprints(baseline, candidate, {
      mode: 'previous-report',
      rowCountTolerancePercent: 5,
    });
    expect(strict.verdict).toBe('different');
    expect(strict.tables[1]).toMatchObject({
      verdict: 'mismatch',
      reason: 'rows 50 -> 47 (-6.0%), beyond the 5% tolerance',
    });
  });

  it('lets a table that was empty grow', () => {
    const comparison = compareFingerprints(
      db({ 't.a': table(0) }),
      db({ 't.a': table(10, 'cccccccccccccccc') }),
      {
        mode: 'previous-report',
      },
    );
    expect(comparison.tables[0]).toMatchObject({
      verdict: 'within-tolerance',
      reason: expect.stringContaining('was empty'),
    });
  });

  it('calls a lost table missing and a changed column signature a mismatch, in every mode', () => {
    const candidate = db({
      'public.orders': table(1000, 'aaaaaaaaaaaaaaaa', { columns: '2222222222222222' }),
    });
    for (const mode of ['exact', 'previous-report'] as const) {
      const comparison = compareFingerprints(baseline, candidate, { mode, rowCountTolerancePercent: 100 });
      expect(comparison.verdict).toBe('different');
      expect(comparison.tables).toEqual([
        expect.objectContaining({
          table: 'public.orders',
          verdict: 'mismatch',
          reason: expect.stringContaining('columns changed'),
        }),
        expect.objectContaining({
          table: 'public.users',
          verdict: 'missing',
          reason: expect.stringContaining('table lost'),
        }),
      ]);
    }
  });

  it('calls a new table unexpected in exact mode and normal growth against a previous report', () => {
    const candidate = db({ ...baseline.tables, 'public.new': table(3) });
    expect(compareFingerprints(baseline, candidate, { mode: 'exact' }).tables[0]).toMatchObject({
      table: 'public.new',
      verdict: 'unexpected',
    });
    const later = compareFingerprints(baseline, candidate, { mode: 'previous-report' });
    expect(later.verdict).toBe('same');
    expect(later.tables[0]).toMatchObject({
      verdict: 'within-tolerance',
      reason: 'new since the baseline (3 rows)',
    });
  });

  it('holds expectations (minimum rows) even when compared with itself, and leaves excluded tables out', () => {
    const comparison = compareFingerprints(baseline, baseline, {
      mode: 'previous-report',
      expectations: [
        { table: 'public.users', minRows: 51 },
        { table: 'public.orders', minRows: 10 },
        { table: 'public.audit', minRows: 1 },
      ],
      exclude: ['public.orders'],
    });
    expect(comparison.verdict).toBe('different');
    expect(comparison.tables).toEqual([
      expect.objectContaining({
        table: 'public.audit',
        verdict: 'missing',
        reason: expect.stringContaining('expected table'),
      }),
      expect.objectContaining({
        table: 'public.users',
        verdict: 'mismatch',
        reason: '50 rows, expected at least 51',
      }),
    ]);
  });

  it('narrows a mismatch to the buckets whose sums differ, when both were split on the same keys', () => {
    const buckets = [
      { from: null, to: '100', rows: 99, checksum: '0000000000000001' },
      { from: '100', to: '200', rows: 100, checksum: '0000000000000002' },
      { from: '200', to: null, rows: 801, checksum: '0000000000000003' },
    ];
    const changed = buckets.map((bucket, index) =>
      index === 1 ? { ...bucket, rows: 99, checksum: 'ffffffffffffffff' } : bucket,
    );
    const left = db({ 'public.orders': table(1000, 'aaaaaaaaaaaaaaaa', { buckets }) });
    const right = db({ 'public.orders': table(999, 'bbbbbbbbbbbbbbbb', { buckets: changed }) });
    const [orders] = compareFingerprints(left, right, { mode: 'exact' }).tables;
    expect(orders?.differingRanges).toEqual([
      { from: '100', to: '200', baselineRows: 100, candidateRows: 99 },
    ]);
    expect(orders?.reason).toContain('1 of 3 key ranges differ, first from key 100');

    const resplit = db({ 'public.orders': table(999, 'bbbbbbbbbbbbbbbb', { buckets: changed.slice(1) }) });
    expect(compareFingerprints(left, resplit, { mode: 'exact' }).tables[0]?.differingRanges).toEqual([]);
  });

  it('never calls fingerprints of different engines the same', () => {
    const comparison = compareFingerprints(
      baseline,
      { ...baseline, engine: 'mysql' },
      { mode: 'previous-report' },
    );
    expect(comparison.verdict).toBe('different');
    expect(comparison.tables[0]).toMatchObject({ table: '*', verdict: 'mismatch' });
  });

  it('refuses an exact comparison of rows hashed two ways, and still compares row counts across them', () => {
    const typed = { ...baseline, rowHash: 'typed' as const };
    const text = { ...baseline, rowHash: 'text' as const };
    const exact = compareFingerprints(typed, text, { mode: 'exact' });
    expect(exact.verdict).toBe('different');
    expect(exact.tables[0]).toMatchObject({
      table: '*',
      verdict: 'mismatch',
      reason: expect.stringContaining('rows hashed typed -> text'),
    });
    expect(compareFingerprints(typed, text, { mode: 'previous-report' }).verdict).toBe('same');
    // Fingerprints stored before the method was recorded compare as before.
    expect(compareFingerprints(baseline, typed, { mode: 'exact' }).verdict).toBe('same');
  });
});

describe('compareFingerprints across fingerprint formats', () => {
  const v1 = { ...baseline, rowHash: 'typed' as const, format: 1 };
  const v2 = { ...v1, format: 2 };

  it('refuses to compare fingerprints of different formats in both modes, naming both', () => {
    for (const mode of ['exact', 'previous-report'] as const) {
      const comparison = compareFingerprints(v1, v2, { mode });
      expect(comparison.verdict).toBe('different');
      expect(comparison.tables[0]).toEqual({
        table: '*',
        verdict: 'mismatch',
        reason: 'fingerprint format 1 -> 2: checksums of different formats never match',
      });
      expect(whyIncomparable(v1, v2, mode)).toBe(comparison.tables[0]!.reason);
    }
  });

  it('reads a fingerprint stored without a format as format 1', () => {
    expect(whyIncomparable(baseline, v1, 'exact')).toBeUndefined();
    expect(compareFingerprints(baseline, v1, { mode: 'exact' }).verdict).toBe('same');
    expect(whyIncomparable(baseline, v2, 'exact')).toMatch(/format 1 -> 2/);
  });

  it('with row-counts, compares only row counts across formats and says so', () => {
    const candidate = {
      ...v2,
      tables: {
        'public.orders': table(1000, 'cccccccccccccccc', { columns: '2222222222222222' }),
        'public.users': table(49, 'dddddddddddddddd'),
      },
    };
    const exact = compareFingerprints(v1, candidate, { mode: 'exact', acrossFormats: 'row-counts' });
    expect(exact.verdict).toBe('different');
    expect(exact.tables).toEqual([
      { table: 'public.orders', verdict: 'within-tolerance', reason: '1000 rows, checksum not comparable' },
      expect.objectContaining({
        table: 'public.users',
        verdict: 'mismatch',
        reason: 'rows 50 -> 49 (-2.0%), checksum not comparable',
      }),
    ]);
    expect(exact.warnings).toEqual([
      'baseline fingerprint is postgres typed format 1, this one postgres typed format 2: row counts only compared, not checksums (fingerprint format 1 -> 2: checksums of different formats never match)',
    ]);
    const later = compareFingerprints(v1, candidate, {
      mode: 'previous-report',
      rowCountTolerancePercent: 5,
      acrossFormats: 'row-counts',
    });
    expect(later.verdict).toBe('same');
    expect(later.tables.map((t) => t.verdict)).toEqual(['within-tolerance', 'within-tolerance']);
  });

  it('with row-counts, still compares column signatures across row-hash methods of one format', () => {
    const text = {
      ...v1,
      rowHash: 'text' as const,
      tables: {
        ...v1.tables,
        'public.orders': table(1000, 'cccccccccccccccc', { columns: '2222222222222222' }),
      },
    };
    const comparison = compareFingerprints(v1, text, { mode: 'exact', acrossFormats: 'row-counts' });
    expect(comparison.verdict).toBe('different');
    expect(comparison.tables[0]).toMatchObject({
      table: 'public.orders',
      reason: expect.stringMatching(/^columns changed/),
    });
    expect(comparison.tables[1]).toMatchObject({ table: 'public.users', verdict: 'within-tolerance' });
    expect(comparison.warnings?.[0]).toMatch(
      /row counts and column signatures compared, not checksums \(rows hashed typed -> text/,
    );
  });

  it('never degrades a comparison of different engines', () => {
    const comparison = compareFingerprints(
      v1,
      { ...v1, engine: 'mysql' },
      { mode: 'exact', acrossFormats: 'row-counts' },
    );
    expect(comparison.verdict).toBe('different');
    expect(comparison.tables[0]).toMatchObject({
      table: '*',
      reason: expect.stringMatching(/^engine postgres -> mysql/),
    });
  });
});
