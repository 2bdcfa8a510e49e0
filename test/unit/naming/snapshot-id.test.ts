import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isValidSnapshotId, MAX_SNAPSHOT_ID_LENGTH } from '../../../lib/core/naming/identifiers.js';
import {
  copyId,
  preChangeSnapshotId,
  shareableCopyId,
  snapshotId,
} from '../../../lib/core/naming/snapshot-id.js';

// DB instance and cluster identifiers as RDS allows them (1-63, letter first, no "--", no trailing "-").
const dbIdentifier = fc.stringMatching(/^[a-z](?:-?[a-z0-9]){0,62}$/).filter((id) => id.length <= 63);
// Anything at all, for ids made from hand-written or foreign input.
const anySource = fc.oneof(
  dbIdentifier,
  fc.string({ maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 80 }),
);
const scheduledAt = fc.date({
  min: new Date('2000-01-01T00:00:00Z'),
  max: new Date('2999-12-31T23:59:59Z'),
  noInvalidDate: true,
});
const minute = (d: Date) => Math.floor(d.getTime() / 60_000);
const region = fc.constantFrom('us-east-1', 'eu-west-1', 'eu-central-2', 'ap-southeast-4', 'us-gov-west-1');
const account = fc.option(fc.stringMatching(/^\d{12}$/), { nil: undefined });

describe('snapshotId', () => {
  it('names a snapshot by source and scheduled minute', () => {
    expect(snapshotId('orders', new Date('2026-11-24T09:45:31Z'))).toBe('lifeboat-orders-20261124t0945');
  });

  it('is always a valid RDS snapshot identifier, for any source', () => {
    fc.assert(
      fc.property(anySource, scheduledAt, (source, at) => {
        const id = snapshotId(source, at);
        expect(isValidSnapshotId(id), id).toBe(true);
        expect(id.length).toBeLessThanOrEqual(MAX_SNAPSHOT_ID_LENGTH);
      }),
    );
  });

  it('is deterministic: the same source and time give the same id', () => {
    fc.assert(
      fc.property(anySource, scheduledAt, (source, at) => {
        expect(snapshotId(source, new Date(at.getTime()))).toBe(snapshotId(source, at));
      }),
    );
  });

  it('keeps the readable form for every valid DB identifier, ending in the scheduled minute', () => {
    fc.assert(
      fc.property(dbIdentifier, scheduledAt, (source, at) => {
        const id = snapshotId(source, at);
        expect(id.endsWith(at.toISOString().slice(0, 16).replace(/[-:]/g, '').toLowerCase())).toBe(true);
        if (source.length <= 63 - 'lifeboat--20261124t0945'.length) expect(id).toContain(source);
      }),
    );
  });

  it('gives distinct ids to distinct databases or distinct minutes', () => {
    fc.assert(
      fc.property(anySource, anySource, scheduledAt, scheduledAt, (a, b, t1, t2) => {
        fc.pre(a.toLowerCase() !== b.toLowerCase() || minute(t1) !== minute(t2));
        expect(snapshotId(a, t1)).not.toBe(snapshotId(b, t2));
      }),
    );
  });

  it('gives distinct ids to long identifiers that share their first 63 characters', () => {
    const base = 'a'.repeat(60);
    const at = new Date('2026-01-01T00:00:00Z');
    expect(snapshotId(`${base}-one`, at)).not.toBe(snapshotId(`${base}-two`, at));
    expect(snapshotId('db_one', at)).not.toBe(snapshotId('db.one', at));
  });

  it('refuses an invalid date rather than naming a snapshot "NaN"', () => {
    expect(() => snapshotId('orders', new Date('nope'))).toThrow(RangeError);
  });
});

describe('preChangeSnapshotId', () => {
  it('names a pre-change snapshot by source and requested second, ending in -pre', () => {
    expect(preChangeSnapshotId('orders', new Date('2026-11-24T09:45:12.345Z'))).toBe(
      'lifeboat-orders-20261124t094512-pre',
    );
  });

  it('is always a valid lifeboat-* id, deterministic, and never a scheduled snapshot id of any source or time', () => {
    fc.assert(
      fc.property(anySource, anySource, scheduledAt, scheduledAt, (source, other, at, scheduled) => {
        const id = preChangeSnapshotId(source, at);
        expect(isValidSnapshotId(id), id).toBe(true);
        expect(id.startsWith('lifeboat-')).toBe(true);
        expect(id.length).toBeLessThanOrEqual(MAX_SNAPSHOT_ID_LENGTH);
        expect(preChangeSnapshotId(source, new Date(at.getTime()))).toBe(id);
        expect(snapshotId(other, scheduled)).not.toBe(id);
        expect(snapshotId(source, at)).not.toBe(id);
      }),
      { numRuns: 500 },
    );
  });
});

describe('copyId and shareableCopyId', () => {
  const snapshot = fc.tuple(anySource, scheduledAt).map(([s, t]) => snapshotId(s, t));

  it('names the copy after the snapshot and its target', () => {
    expect(copyId('lifeboat-orders-20261124t0945', { region: 'eu-west-1' })).toBe(
      'lifeboat-orders-20261124t0945-eu-west-1',
    );
    expect(copyId('lifeboat-orders-20261124t0945', { region: 'eu-west-1', account: '222222222222' })).toBe(
      'lifeboat-orders-20261124t0945-eu-west-1-222222222222',
    );
    expect(shareableCopyId('lifeboat-orders-20261124t0945', '222222222222')).toBe(
      'lifeboat-orders-20261124t0945-share-222222222222',
    );
  });

  it('is always valid, deterministic, and different from the snapshot it copies', () => {
    fc.assert(
      fc.property(snapshot, region, account, (id, r, a) => {
        const copy = copyId(id, { region: r, account: a });
        expect(isValidSnapshotId(copy), copy).toBe(true);
        // The DR account's role may only copy, tag and delete snapshots named lifeboat-*.
        expect(id.startsWith('lifeboat-') && copy.startsWith('lifeboat-'), copy).toBe(true);
        expect(copyId(id, { region: r, account: a })).toBe(copy);
        expect(copy).not.toBe(id);
        if (a) {
          const shareable = shareableCopyId(id, a);
          expect(isValidSnapshotId(shareable), shareable).toBe(true);
          expect(shareable.startsWith('lifeboat-'), shareable).toBe(true);
          expect(shareable).not.toBe(copy);
        }
      }),
    );
  });

  it('gives distinct ids to distinct snapshot and target pairs', () => {
    fc.assert(
      fc.property(snapshot, snapshot, region, region, account, account, (s1, s2, r1, r2, a1, a2) => {
        fc.pre(s1 !== s2 || r1 !== r2 || a1 !== a2);
        expect(copyId(s1, { region: r1, account: a1 })).not.toBe(copyId(s2, { region: r2, account: a2 }));
      }),
    );
  });
});
