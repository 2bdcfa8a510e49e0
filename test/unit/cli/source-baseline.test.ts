import { describe, expect, it } from 'vitest';
import { sourceBaselineReport, tablesMatchingSource } from '../../../cli/drill/source-baseline.js';
import type { DatabaseFingerprint, TableFingerprint } from '../../../lib/core/fingerprint/types.js';
import type { Snapshot } from '../../../lib/core/model.js';
import { asReport, reportKey, reportPrefix, runIdFor } from '../../../lib/core/report/report.js';
import { runIdOf } from '../../../lib/core/use-cases/restore-verify/validate-input.js';

const table = (rows: number, checksum: string): TableFingerprint => ({ rows, checksum, columns: 'c0' });
const fingerprint = (tables: Record<string, TableFingerprint>): DatabaseFingerprint => ({
  engine: 'postgres',
  tables,
});
const SOURCE = fingerprint({
  'public.a': table(10, '000000000000000a'),
  'public.b': table(20, '000000000000000b'),
  'public.c': table(30, '000000000000000c'),
});

const snapshot: Snapshot = {
  kind: 'instance',
  id: 'lifeboat-shop-20261124t1109',
  arn: 'arn:aws:rds:us-east-1:111111111111:snapshot:lifeboat-shop-20261124t1109',
  sourceId: 'shop',
  type: 'manual',
  status: 'available',
  createdAt: new Date('2026-11-24T11:09:00Z'),
  encrypted: true,
  region: 'us-east-1',
  tags: {},
};

describe('the snapshot-time source baseline of the drill', () => {
  it('is a passed report of the snapshot origin at the source target, listed before a restore of the same second', () => {
    const consistentAt = '2026-11-24T11:09:55.123Z';
    const { key, report } = sourceBaselineReport({
      snapshot,
      policyName: 'demo',
      policy: { rpoMinutes: 360, rtoMinutes: 30 },
      database: 'shop',
      fingerprint: SOURCE,
      consistentAt,
      fingerprintedAt: '2026-11-24T11:09:56Z',
    });

    expect(asReport(report)).toBe(report);
    expect(report).toMatchObject({
      verdict: 'passed',
      target: 'source',
      snapshot: { id: snapshot.id, origin: snapshot.id },
      fingerprints: { summary: [{ database: 'shop', tables: 3, rows: 60 }] },
    });
    expect(report.fingerprints.databases.shop?.tables).toEqual(SOURCE.tables);
    expect(key.startsWith(reportPrefix('shop'))).toBe(true);
    // Restores of the same second (run ids end in a hex hash of their execution) sort after it.
    for (const execution of ['run-1', 'run-2', 'run-3', 'run-4']) {
      const restore = reportKey('shop', runIdOf(new Date(consistentAt), execution));
      expect([restore, key].sort()).toEqual([key, restore]);
    }
    for (const hash of ['000000', 'ffffff']) {
      const restore = reportKey('shop', `${runIdFor(new Date(consistentAt))}-${hash}`);
      expect([restore, key].sort()).toEqual([key, restore]);
    }
  });

  it('counts only tables equal to the source in every restore', () => {
    const primary = fingerprint({ ...SOURCE.tables, 'public.a': table(10, 'ffffffffffffffff') });
    const dr = fingerprint({ ...SOURCE.tables, 'public.b': table(19, '000000000000000b') });

    expect(tablesMatchingSource(SOURCE, [SOURCE, SOURCE])).toEqual({ matching: 3, total: 3 });
    expect(tablesMatchingSource(SOURCE, [primary, dr])).toEqual({ matching: 1, total: 3 });
    expect(tablesMatchingSource(SOURCE, [SOURCE, undefined])).toEqual({ matching: 0, total: 3 });
    const extra = fingerprint({ ...SOURCE.tables, 'public.d': table(1, '0000000000000001') });
    expect(tablesMatchingSource(SOURCE, [extra, SOURCE])).toEqual({ matching: 3, total: 4 });
  });
});
