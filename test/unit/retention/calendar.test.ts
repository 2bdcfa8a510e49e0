import { describe, expect, it } from 'vitest';
import { decideRetention } from '../../../lib/core/retention/decide.js';
import { TAG } from '../../../lib/core/tags.js';
import { automatedSnapshot, every, managedSnapshot } from '../../support/snapshot-builder.js';

const gold = { daily: 7, weekly: 4, monthly: 12, yearly: 0 };
const now = new Date('2026-11-24T12:00:00Z'); // a Tuesday, in ISO week 2026-W48

function kept(decisions: ReturnType<typeof decideRetention>) {
  return Object.fromEntries(
    decisions.filter((d) => d.action === 'keep').map((d) => [d.snapshot.tags[TAG.scheduledAt], d.reason]),
  );
}

describe('decideRetention on a calendar', () => {
  it('keeps 7 days, 4 ISO weeks and the months of sixty days of six-hourly snapshots', () => {
    const snapshots = every(6, '2026-09-25T00:00:00Z', '2026-11-24T12:00:00Z').map((t) => managedSnapshot(t));

    const decisions = decideRetention(snapshots, gold, now);

    expect(kept(decisions)).toEqual({
      '2026-09-30T18:00:00.000Z': 'monthly 2026-09',
      '2026-10-31T18:00:00.000Z': 'monthly 2026-10',
      '2026-11-08T18:00:00.000Z': 'weekly 2026-W45',
      '2026-11-15T18:00:00.000Z': 'weekly 2026-W46',
      '2026-11-18T18:00:00.000Z': 'daily 2026-11-18',
      '2026-11-19T18:00:00.000Z': 'daily 2026-11-19',
      '2026-11-20T18:00:00.000Z': 'daily 2026-11-20',
      '2026-11-21T18:00:00.000Z': 'daily 2026-11-21',
      '2026-11-22T18:00:00.000Z': 'daily 2026-11-22, weekly 2026-W47',
      '2026-11-23T18:00:00.000Z': 'daily 2026-11-23',
      '2026-11-24T12:00:00.000Z': 'newest of source db-1, daily 2026-11-24, weekly 2026-W48, monthly 2026-11',
    });
    const deleted = decisions.filter((d) => d.action === 'delete');
    expect(deleted).toHaveLength(snapshots.length - 11);
    expect(deleted[0]!.reason).toBe('beyond retention (daily 7, weekly 4, monthly 12, yearly 0)');
  });

  it('counts a day without a snapshot as one of the D days, so a gap shortens the daily run', () => {
    const snapshots = ['2026-11-20T06:00:00Z', '2026-11-22T06:00:00Z', '2026-11-24T06:00:00Z'].map((t) =>
      managedSnapshot(t),
    );

    const decisions = decideRetention(snapshots, { daily: 3, weekly: 0, monthly: 0, yearly: 0 }, now);

    expect(kept(decisions)).toEqual({
      '2026-11-22T06:00:00.000Z': 'daily 2026-11-22',
      '2026-11-24T06:00:00.000Z': 'newest of source db-1, daily 2026-11-24',
    });
  });

  it('keeps the newest snapshot of a database whose backups stopped long ago, and nothing else of it', () => {
    const snapshots = ['2025-01-10T00:00:00Z', '2025-01-11T00:00:00Z'].map((t) => managedSnapshot(t));

    const decisions = decideRetention(snapshots, gold, now);

    expect(kept(decisions)).toEqual({ '2025-01-11T00:00:00.000Z': 'newest of source db-1' });
  });

  it('keeps one per year with yearly, the newest of each year', () => {
    const snapshots = [
      '2024-03-01',
      '2024-12-31',
      '2025-06-01',
      '2025-07-01',
      '2026-01-01',
      '2026-11-24',
    ].map((d) => managedSnapshot(`${d}T00:00:00Z`));

    const decisions = decideRetention(snapshots, { daily: 0, weekly: 0, monthly: 0, yearly: 2 }, now);

    expect(kept(decisions)).toEqual({
      '2025-07-01T00:00:00.000Z': 'yearly 2025',
      '2026-11-24T00:00:00.000Z': 'newest of source db-1, yearly 2026',
    });
  });

  it('buckets a DR copy by the scheduled time of its original, not by when the copy finished', () => {
    const copy = managedSnapshot('2026-11-23T18:00:00Z', { region: 'eu-west-1' });
    copy.createdAt = new Date('2026-11-24T02:10:00Z');
    const earlier = managedSnapshot('2026-11-23T12:00:00Z', { region: 'eu-west-1' });
    const newest = managedSnapshot('2026-11-24T06:00:00Z', { region: 'eu-west-1' });

    const decisions = decideRetention(
      [copy, earlier, newest],
      { daily: 2, weekly: 0, monthly: 0, yearly: 0 },
      now,
    );

    expect(kept(decisions)).toEqual({
      '2026-11-23T18:00:00.000Z': 'daily 2026-11-23',
      '2026-11-24T06:00:00.000Z': 'newest of source db-1, daily 2026-11-24',
    });
  });

  it('keeps each source on its own calendar, and instance and cluster snapshots of one name apart', () => {
    const snapshots = [
      managedSnapshot('2026-11-24T00:00:00Z', { source: 'db-1' }),
      managedSnapshot('2026-11-24T06:00:00Z', { source: 'db-1' }),
      managedSnapshot('2026-11-24T00:00:00Z', { source: 'db-2' }),
      managedSnapshot('2026-11-23T00:00:00Z', { source: 'db-1', kind: 'cluster' }),
    ];

    const decisions = decideRetention(snapshots, { daily: 1, weekly: 0, monthly: 0, yearly: 0 }, now);

    expect(decisions.map((d) => [d.snapshot.kind, d.snapshot.sourceId, d.action, d.reason])).toEqual([
      ['cluster', 'db-1', 'keep', 'newest of source db-1'],
      ['instance', 'db-1', 'delete', 'beyond retention (daily 1, weekly 0, monthly 0, yearly 0)'],
      ['instance', 'db-2', 'keep', 'newest of source db-2, daily 2026-11-24'],
      ['instance', 'db-1', 'keep', 'newest of source db-1, daily 2026-11-24'],
    ]);
  });

  it('leaves automated, unmanaged, unfinished and in-use snapshots alone, and keeps the newest verified', () => {
    const old = (t: string, options = {}) => managedSnapshot(`2026-10-0${t}T00:00:00Z`, options);
    const unmanaged = old('1', { tags: { [TAG.managed]: 'false' } });
    const creating = old('2', { status: 'creating' });
    const copying = old('3');
    const verifiedOlder = old('4', { tags: { [TAG.verified]: '2026-10-05T01:00:00Z' } });
    const verifiedNewer = old('5', { tags: { [TAG.verified]: '2026-10-06T01:00:00Z' } });
    const plain = old('6');
    const newest = managedSnapshot('2026-11-24T06:00:00Z');
    const automated = automatedSnapshot('2026-10-01T03:00:00Z');

    const decisions = decideRetention(
      [unmanaged, creating, copying, verifiedOlder, verifiedNewer, plain, newest, automated],
      { daily: 1, weekly: 0, monthly: 0, yearly: 0 },
      now,
      { inUse: [copying.arn] },
    );

    const byId = Object.fromEntries(decisions.map((d) => [d.snapshot.id, `${d.action}: ${d.reason}`]));
    expect(byId).toEqual({
      [unmanaged.id]: 'keep: not managed by Lifeboat',
      [automated.id]: 'keep: not managed by Lifeboat (automated snapshot)',
      [creating.id]: 'keep: not available yet (status creating)',
      [copying.id]: 'keep: in use by a copy or a restore',
      [verifiedOlder.id]: 'delete: beyond retention (daily 1, weekly 0, monthly 0, yearly 0)',
      [verifiedNewer.id]: 'keep: newest verified of source db-1',
      [plain.id]: 'delete: beyond retention (daily 1, weekly 0, monthly 0, yearly 0)',
      [newest.id]: 'keep: newest of source db-1, daily 2026-11-24',
    });
  });

  it('keeps a snapshot an in-progress restore names by id, and does not confuse it with another source', () => {
    const a = managedSnapshot('2026-10-01T00:00:00Z', { source: 'db-1' });
    const b = managedSnapshot('2026-10-01T00:00:00Z', { source: 'db-2' });
    const newestA = managedSnapshot('2026-11-24T00:00:00Z', { source: 'db-1' });
    const newestB = managedSnapshot('2026-11-24T00:00:00Z', { source: 'db-2' });

    const decisions = decideRetention(
      [a, b, newestA, newestB],
      { daily: 1, weekly: 0, monthly: 0, yearly: 0 },
      now,
      {
        inUse: [b.id],
      },
    );

    expect(decisions.find((d) => d.snapshot === a)!.action).toBe('delete');
    expect(decisions.find((d) => d.snapshot === b)!.reason).toBe('in use by a copy or a restore');
  });
});
