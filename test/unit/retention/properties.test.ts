import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../../../lib/core/model.js';
import type { Retention } from '../../../lib/core/policy/schema.js';
import { decideRetention, type RetentionDecision } from '../../../lib/core/retention/decide.js';
import { TAG } from '../../../lib/core/tags.js';

const NOW = Date.parse('2026-11-24T12:00:00Z');
const DAY = 86_400_000;

// Snapshots over the last ~3 years (and a little after `now`, as a skewed clock would leave them),
// from a few sources, some unmanaged, automated, unfinished, failed or verified, some with a
// scheduled-at tag that is not to be trusted: ahead of RDS's creation time, or not a full instant.
const snapshotArb = fc
  .record({
    source: fc.constantFrom('db-1', 'db-2', 'aurora-1'),
    kind: fc.constantFrom('instance', 'cluster'),
    offsetMinutes: fc.integer({ min: -3 * 366 * 24 * 60, max: 2 * 24 * 60 }),
    managed: fc.constantFrom(true, true, false),
    type: fc.constantFrom('manual', 'manual', 'manual', 'automated'),
    status: fc.constantFrom(
      'available',
      'available',
      'available',
      'available',
      'creating',
      'copying',
      'failed',
    ),
    scheduledTag: fc.constantFrom('valid', 'valid', 'none', 'ahead', 'not an instant'),
    aheadMinutes: fc.integer({ min: 6, max: 400 * 24 * 60 }),
    garbage: fc.constantFrom('1', '2026-11-24', '2999-01-01', 'yesterday', '2026-11-24T10:00:00'),
    verified: fc.constantFrom(false, false, false, true),
    createdLagMinutes: fc.integer({ min: 0, max: 600 }),
    noCreationTime: fc.constantFrom(false, false, false, false, false, false, false, false, false, true),
    announcedDaysAgo: fc.option(fc.integer({ min: -3, max: 30 }), { nil: undefined }),
    // A pre-change snapshot: kept until some minutes from now (past or future), or a bad tag.
    keepUntil: fc.option(
      fc.oneof(
        fc.integer({ min: -60 * 24 * 60, max: 60 * 24 * 60 }),
        fc.constantFrom('2999-01-01', 'forever', '2999-01-01T00:00:00'),
      ),
      { nil: undefined, freq: 3 },
    ),
  })
  .map((r): Omit<Snapshot, 'id' | 'arn'> => {
    const scheduled = new Date(NOW + r.offsetMinutes * 60_000);
    const created = new Date(scheduled.getTime() + r.createdLagMinutes * 60_000);
    const tag = {
      valid: scheduled.toISOString(),
      none: undefined,
      ahead: new Date(created.getTime() + r.aheadMinutes * 60_000).toISOString(),
      'not an instant': r.garbage,
    }[r.scheduledTag];
    return {
      kind: r.kind as Snapshot['kind'],
      sourceId: r.source,
      type: r.type,
      status: r.status,
      createdAt: r.status === 'creating' || r.noCreationTime ? undefined : created,
      encrypted: true,
      region: 'us-east-1',
      tags: {
        ...(r.managed ? { [TAG.managed]: 'true' } : {}),
        [TAG.source]: r.source,
        ...(tag !== undefined ? { [TAG.scheduledAt]: tag } : {}),
        ...(r.verified ? { [TAG.verified]: scheduled.toISOString() } : {}),
        ...(r.keepUntil === undefined
          ? {}
          : {
              [TAG.reason]: 'migration 42',
              [TAG.keepUntil]:
                typeof r.keepUntil === 'number'
                  ? new Date(NOW + r.keepUntil * 60_000).toISOString()
                  : r.keepUntil,
            }),
        ...(r.status === 'failed' && r.announcedDaysAgo !== undefined
          ? { [TAG.failureAnnounced]: new Date(NOW - r.announcedDaysAgo * DAY).toISOString() }
          : {}),
      },
    };
  });

// Some snapshots listed twice (as an inventory or a repeated listing page would), identically or
// with a tag that differs.
const snapshotsArb = fc
  .record({
    list: fc.array(snapshotArb, { maxLength: 120 }),
    repeats: fc.array(fc.record({ index: fc.nat(), differ: fc.boolean() }), { maxLength: 6 }),
  })
  .map(({ list, repeats }) => {
    const snapshots = list.map((s, i): Snapshot => {
      const id = `snap-${String(i).padStart(3, '0')}`;
      return { ...s, id, arn: `arn:aws:rds:us-east-1:111111111111:snapshot:${id}` };
    });
    const again =
      snapshots.length === 0
        ? []
        : repeats.map(({ index, differ }) => {
            const original = snapshots[index % snapshots.length]!;
            return differ
              ? { ...original, tags: { ...original.tags, [TAG.verified]: 'differs' } }
              : { ...original };
          });
    return [...snapshots, ...again];
  });

const retentionArb: fc.Arbitrary<Retention> = fc.record({
  daily: fc.integer({ min: 0, max: 40 }),
  weekly: fc.integer({ min: 0, max: 12 }),
  monthly: fc.integer({ min: 0, max: 18 }),
  yearly: fc.integer({ min: 0, max: 3 }),
});

const now = new Date(NOW);

/** The fields a test compares: which snapshot, what, why. */
const summary = (decisions: RetentionDecision[]) =>
  decisions.map((d) => ({ id: d.snapshot.id, action: d.action, reason: d.reason }));

// Written apart from the code under test: a full instant with seconds and a zone, not later than
// the creation time plus 5 minutes, else the creation time.
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const trustedTag = (s: Snapshot) => {
  const tag = s.tags[TAG.scheduledAt];
  return tag !== undefined && INSTANT.test(tag) && Date.parse(tag) <= s.createdAt!.getTime() + 5 * 60_000;
};
const timeOf = (s: Snapshot) => (trustedTag(s) ? new Date(s.tags[TAG.scheduledAt]!) : s.createdAt!);
/** Snapshots listed twice with different details: held, whatever retention says. */
const conflicting = (snapshots: Snapshot[]) => {
  const seen = new Map<string, string>();
  const differing = new Set<string>();
  for (const s of snapshots) {
    const text = JSON.stringify(s.tags);
    const before = seen.get(s.id);
    if (before !== undefined && before !== text) differing.add(s.id);
    seen.set(s.id, text);
  }
  return differing;
};
/** A keep-until tag that is a full instant after `now`, read apart from the code under test. */
const keptUntil = (s: Snapshot) => {
  const tag = s.tags[TAG.keepUntil];
  return tag !== undefined && INSTANT.test(tag) && Date.parse(tag) > NOW;
};
const isCandidate = (s: Snapshot) =>
  s.tags[TAG.managed] === 'true' &&
  s.type === 'manual' &&
  s.status === 'available' &&
  s.createdAt !== undefined;
const seriesOf = (s: Snapshot) => `${s.kind}/${s.tags[TAG.source] ?? s.sourceId}`;

function newestBy<K>(snapshots: Snapshot[], key: (s: Snapshot) => K): Map<K, Snapshot> {
  const newest = new Map<K, Snapshot>();
  for (const s of snapshots) {
    const current = newest.get(key(s));
    const later =
      !current ||
      timeOf(s).getTime() > timeOf(current).getTime() ||
      (timeOf(s).getTime() === timeOf(current).getTime() && s.id > current.id);
    if (later) newest.set(key(s), s);
  }
  return newest;
}

// Period windows written a second way (calendar arithmetic on dates, not bucket indexes), so the
// test does not trust the code under test to know what "the last 4 ISO weeks" are.
const dayLabel = (d: Date) => d.toISOString().slice(0, 10);
const mondayOf = (d: Date) => dayLabel(new Date(d.getTime() - ((d.getUTCDay() + 6) % 7) * DAY));
const monthLabel = (d: Date) => d.toISOString().slice(0, 7);
const yearLabel = (d: Date) => String(d.getUTCFullYear());

const windows: Array<{
  period: keyof Retention;
  label: (d: Date) => string;
  inWindow: (d: Date, n: number) => boolean;
}> = [
  {
    period: 'daily',
    label: dayLabel,
    inWindow: (d, n) => d.getTime() >= Date.parse(dayLabel(now)) - (n - 1) * DAY,
  },
  {
    period: 'weekly',
    label: mondayOf,
    inWindow: (d, n) => d.getTime() >= Date.parse(mondayOf(now)) - (n - 1) * 7 * DAY,
  },
  {
    period: 'monthly',
    label: monthLabel,
    inWindow: (d, n) => d.getTime() >= Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - (n - 1), 1),
  },
  {
    period: 'yearly',
    label: yearLabel,
    inWindow: (d, n) => d.getUTCFullYear() >= now.getUTCFullYear() - (n - 1),
  },
];

/** What GFS requires to be kept among the managed, available snapshots, independent of the code. */
function required(snapshots: Snapshot[], retention: Retention, inUse: Set<string>): Set<string> {
  const differing = conflicting(snapshots);
  const unique = [...new Map(snapshots.map((s) => [s.id, s])).values()];
  const candidates = unique.filter((s) => isCandidate(s) && !differing.has(s.id));
  const keep = new Set<Snapshot>(
    candidates.filter((s) => inUse.has(s.id) || inUse.has(s.arn) || keptUntil(s)),
  );
  for (const s of newestBy(candidates, seriesOf).values()) keep.add(s);
  const verified = candidates.filter((s) => s.tags[TAG.verified] !== undefined);
  for (const s of newestBy(verified, seriesOf).values()) keep.add(s);
  for (const { period, label, inWindow } of windows) {
    const n = retention[period];
    if (n === 0) continue;
    const inside = candidates.filter((s) => inWindow(timeOf(s), n));
    for (const s of newestBy(inside, (s) => `${seriesOf(s)}@${label(timeOf(s))}`).values()) keep.add(s);
  }
  return new Set([...keep].map((s) => s.id));
}

const inUseArb = (snapshots: Snapshot[]) =>
  fc.subarray(
    snapshots.flatMap((s) => [s.id, s.arn]),
    { maxLength: Math.min(4, snapshots.length * 2) },
  );

const scenarioArb = snapshotsArb.chain((snapshots) =>
  fc.record({ snapshots: fc.constant(snapshots), retention: retentionArb, inUse: inUseArb(snapshots) }),
);

describe('decideRetention properties', () => {
  it('makes the same decisions whatever order the snapshots come in', () => {
    fc.assert(
      fc.property(
        scenarioArb.chain((s) =>
          fc.record({
            scenario: fc.constant(s),
            shuffled: fc.shuffledSubarray(s.snapshots, { minLength: s.snapshots.length }),
          }),
        ),
        ({ scenario, shuffled }) => {
          const a = decideRetention(scenario.snapshots, scenario.retention, now, { inUse: scenario.inUse });
          const b = decideRetention(shuffled, scenario.retention, now, {
            inUse: [...scenario.inUse].reverse(),
          });
          expect(summary(b)).toEqual(summary(a));
        },
      ),
    );
  });

  it('returns one decision per snapshot id, however many times it is listed', () => {
    fc.assert(
      fc.property(scenarioArb, ({ snapshots, retention, inUse }) => {
        const decisions = decideRetention(snapshots, retention, now, { inUse });
        const ids = decisions.map((d) => d.snapshot.id).sort();
        expect(ids).toEqual([...new Set(snapshots.map((s) => s.id))].sort());
      }),
    );
  });

  it('keeps a snapshot listed twice with different details, whatever retention says', () => {
    fc.assert(
      fc.property(scenarioArb, ({ snapshots, retention, inUse }) => {
        const differing = conflicting(snapshots);
        for (const d of decideRetention(snapshots, retention, now, { inUse })) {
          if (differing.has(d.snapshot.id)) expect(d.action, d.snapshot.id).toBe('keep');
        }
      }),
    );
  });

  it('never deletes a snapshot that is unmanaged, automated or not yet available, nor a failed one within 7 days of its announcement', () => {
    fc.assert(
      fc.property(scenarioArb, ({ snapshots, retention, inUse }) => {
        for (const d of decideRetention(snapshots, retention, now, { inUse })) {
          if (isCandidate(d.snapshot)) continue;
          const s = d.snapshot;
          const announced = s.tags[TAG.failureAnnounced];
          const graceOver =
            s.tags[TAG.managed] === 'true' &&
            s.type === 'manual' &&
            s.status === 'failed' &&
            announced !== undefined &&
            Date.parse(announced) <= NOW - 7 * DAY &&
            !inUse.includes(s.id) &&
            !inUse.includes(s.arn);
          if (!graceOver) expect(d.action, `${s.id} ${d.reason}`).toBe('keep');
        }
      }),
    );
  });

  it('announces every managed failed snapshot not announced yet, and only those', () => {
    fc.assert(
      fc.property(scenarioArb, ({ snapshots, retention, inUse }) => {
        for (const d of decideRetention(snapshots, retention, now, { inUse })) {
          const s = d.snapshot;
          const announced = s.tags[TAG.failureAnnounced];
          const due =
            s.tags[TAG.managed] === 'true' &&
            s.type === 'manual' &&
            s.status === 'failed' &&
            !conflicting(snapshots).has(s.id) &&
            (announced === undefined || Date.parse(announced) > NOW + 5 * 60_000);
          expect(d.announceFailure === true, `${s.id} ${d.reason}`).toBe(due);
          if (due) expect(d.action).toBe('keep');
        }
      }),
    );
  });

  it('places a snapshot by RDS creation time when its scheduled-at tag is ahead of it or not a full instant', () => {
    fc.assert(
      fc.property(scenarioArb, ({ snapshots, retention, inUse }) => {
        for (const d of decideRetention(snapshots, retention, now, { inUse })) {
          if (!isCandidate(d.snapshot) || d.action !== 'keep') continue;
          const time = timeOf(d.snapshot);
          for (const part of d.reason.split(', ')) {
            const [period, label] = part.split(' ');
            if (period === 'daily') expect(label, d.reason).toBe(dayLabel(time));
            if (period === 'monthly') expect(label, d.reason).toBe(monthLabel(time));
            if (period === 'yearly') expect(label, d.reason).toBe(yearLabel(time));
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps the newest snapshot by creation time, not one whose scheduled-at tag claims a later time', () => {
    fc.assert(
      fc.property(scenarioArb, ({ snapshots, inUse }) => {
        const none = { daily: 0, weekly: 0, monthly: 0, yearly: 0 };
        const decisions = decideRetention(snapshots, none, now, { inUse });
        const differing = conflicting(snapshots);
        const candidates = snapshots.filter((s) => isCandidate(s) && !differing.has(s.id));
        for (const newest of newestBy(candidates, seriesOf).values()) {
          expect(decisions.find((d) => d.snapshot.id === newest.id)?.reason).toContain('newest of source');
        }
        for (const d of decisions) {
          if (
            d.reason.includes('newest of source') &&
            !trustedTag(d.snapshot) &&
            d.snapshot.tags[TAG.scheduledAt]
          ) {
            // Its untrusted tag gave it no advantage: it is the newest by what RDS says.
            expect(newestBy(candidates, seriesOf).get(seriesOf(d.snapshot))?.id).toBe(d.snapshot.id);
          }
        }
      }),
    );
  });

  it('always keeps the newest managed snapshot of each source, even with every period at 0', () => {
    const none = { daily: 0, weekly: 0, monthly: 0, yearly: 0 };
    fc.assert(
      fc.property(scenarioArb, fc.boolean(), ({ snapshots, retention, inUse }, zero) => {
        const decisions = decideRetention(snapshots, zero ? none : retention, now, { inUse });
        const kept = new Set(decisions.filter((d) => d.action === 'keep').map((d) => d.snapshot.id));
        for (const newest of newestBy(snapshots.filter(isCandidate), seriesOf).values()) {
          expect(kept.has(newest.id), newest.id).toBe(true);
        }
      }),
    );
  });

  it('keeps the newest of each of the last N days, ISO weeks, months and years that has one, in-use and newest-verified ones, and nothing else', () => {
    fc.assert(
      fc.property(scenarioArb, ({ snapshots, retention, inUse }) => {
        const decisions = decideRetention(snapshots, retention, now, { inUse });
        const must = required(snapshots, retention, new Set(inUse));
        for (const d of decisions) {
          if (!isCandidate(d.snapshot)) continue;
          if (conflicting(snapshots).has(d.snapshot.id)) continue;
          expect(d.action, `${d.snapshot.id} ${timeOf(d.snapshot).toISOString()} ${d.reason}`).toBe(
            must.has(d.snapshot.id) ? 'keep' : 'delete',
          );
        }
      }),
      { numRuns: 300 },
    );
  });

  it('always keeps a snapshot with a keep-until in the future, with a reason naming it', () => {
    fc.assert(
      fc.property(scenarioArb, ({ snapshots, retention, inUse }) => {
        const decisions = decideRetention(snapshots, retention, now, { inUse });
        // A failed snapshot is no backup: its grace period rules, whatever it was kept for.
        const pinned = decisions.filter((d) => keptUntil(d.snapshot) && d.snapshot.status !== 'failed');
        for (const d of pinned) {
          expect(d.action, `${d.snapshot.id} ${d.reason}`).toBe('keep');
          if (isCandidate(d.snapshot) && !conflicting(snapshots).has(d.snapshot.id)) {
            expect(d.reason).toContain(
              `kept until ${new Date(d.snapshot.tags[TAG.keepUntil]!).toISOString()}`,
            );
            expect(d.reason).toContain('migration 42');
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('treats a snapshot whose keep-until has passed like any other', () => {
    const base = {
      kind: 'instance' as const,
      sourceId: 'db-1',
      type: 'manual',
      status: 'available',
      encrypted: true,
      region: 'us-east-1',
    };
    const snapshot = (id: string, daysAgo: number, keepUntil: number): Snapshot => ({
      ...base,
      id,
      arn: `arn:aws:rds:us-east-1:111111111111:snapshot:${id}`,
      createdAt: new Date(NOW - daysAgo * DAY),
      tags: {
        [TAG.managed]: 'true',
        [TAG.source]: 'db-1',
        [TAG.reason]: 'upgrade to 16',
        [TAG.keepUntil]: new Date(NOW + keepUntil * DAY).toISOString(),
      },
    });
    const decisions = decideRetention(
      [snapshot('pinned', 40, 1), snapshot('expired', 40, -1), snapshot('newest', 0, -10)],
      { daily: 1, weekly: 0, monthly: 0, yearly: 0 },
      now,
    );
    expect(summary(decisions)).toEqual([
      {
        id: 'expired',
        action: 'delete',
        reason: 'beyond retention (daily 1, weekly 0, monthly 0, yearly 0)',
      },
      {
        id: 'pinned',
        action: 'keep',
        reason: `pre-change (upgrade to 16), kept until ${new Date(NOW + DAY).toISOString()}`,
      },
      { id: 'newest', action: 'keep', reason: 'newest of source db-1, daily 2026-11-24' },
    ]);
  });

  it('keeps every snapshot a copy or restore is using, and the newest verified one of each source', () => {
    fc.assert(
      fc.property(scenarioArb, ({ snapshots, retention, inUse }) => {
        const decisions = decideRetention(snapshots, retention, now, { inUse });
        const kept = new Set(decisions.filter((d) => d.action === 'keep').map((d) => d.snapshot.id));
        for (const s of snapshots.filter((s) => inUse.includes(s.id) || inUse.includes(s.arn))) {
          expect(kept.has(s.id), s.id).toBe(true);
        }
        const verified = snapshots.filter((s) => isCandidate(s) && s.tags[TAG.verified] !== undefined);
        for (const s of newestBy(verified, seriesOf).values()) expect(kept.has(s.id), s.id).toBe(true);
      }),
    );
  });

  it('deletes nothing on a second run over what the first kept', () => {
    fc.assert(
      fc.property(scenarioArb, ({ snapshots, retention, inUse }) => {
        const first = decideRetention(snapshots, retention, now, { inUse });
        // Every listing of what was kept, as the next run's listing would show them.
        const keptIds = new Set(first.filter((d) => d.action === 'keep').map((d) => d.snapshot.id));
        const left = snapshots.filter((s) => keptIds.has(s.id));
        const second = decideRetention(left, retention, now, { inUse });
        expect(second.filter((d) => d.action === 'delete').map((d) => d.snapshot.id)).toEqual([]);
      }),
    );
  });

  it('gives every deletion the retention it was measured against as its reason', () => {
    fc.assert(
      fc.property(scenarioArb, ({ snapshots, retention, inUse }) => {
        for (const d of decideRetention(snapshots, retention, now, { inUse })) {
          if (d.action === 'delete' && d.snapshot.status === 'failed') {
            expect(d.reason).toMatch(/^failed \(status failed\), announced \S+, 7-day grace over$/);
          } else if (d.action === 'delete') {
            expect(d.reason).toBe(
              `beyond retention (daily ${retention.daily}, weekly ${retention.weekly}, monthly ${retention.monthly}, yearly ${retention.yearly})`,
            );
          } else {
            expect(d.reason).not.toBe('');
          }
        }
      }),
    );
  });
});
