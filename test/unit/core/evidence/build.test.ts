import { describe, expect, it } from 'vitest';
import { buildEvidence, type EvidenceInput } from '../../../../lib/core/evidence/build.js';
import type { DatabaseEvidence } from '../../../../lib/core/evidence/types.js';
import { verifyRunFrom } from '../../../../lib/core/evidence/verify-runs.js';
import { TAG } from '../../../../lib/core/tags.js';
import { EVIDENCE_NOW, evidenceFixture } from '../../../support/evidence-fixture.js';
import { goldPolicyFile } from '../../../support/policies.js';
import { managedSnapshot } from '../../../support/snapshot-builder.js';

const NOW = new Date(EVIDENCE_NOW);
const MONTH = { from: new Date('2026-10-31T12:00:00Z'), to: NOW };

function fixtureEvidence(database?: string) {
  const fixture = evidenceFixture();
  return buildEvidence({
    policies: fixture.policies,
    period: MONTH,
    databases: [],
    snapshots: fixture.source,
    targets: fixture.targets,
    reports: fixture.reports,
    ...(database ? { database } : {}),
    sources: { snapshots: 'fixture', reports: 'fixture' },
  });
}

const byName = (databases: DatabaseEvidence[], name: string) => databases.find((d) => d.database === name)!;

describe('buildEvidence on a month of two databases', () => {
  const evidence = fixtureEvidence();
  const orders = byName(evidence.databases, 'orders');
  const ledger = byName(evidence.databases, 'ledger');

  it('finds both databases from their snapshots and reports alone, with their policies', () => {
    expect(evidence.databases.map((d) => [d.database, d.kind, d.policy])).toEqual([
      ['ledger', 'cluster', 'silver'],
      ['orders', 'instance', 'gold'],
    ]);
    expect(evidence.period.days).toBe(30);
  });

  it('counts the missed snapshot of 2026-11-20 against the 15 scheduled times retention keeps', () => {
    // 30 daily runs; retention (14 daily, 4 weekly, 12 monthly) keeps 15 of them, one of which was missed.
    expect(orders.adherence).toEqual({
      expected: 30,
      taken: 14,
      missed: 1,
      notCheckable: 15,
      percent: 93.3,
      missedAt: ['2026-11-20T02:00:00.000Z'],
    });
    expect(ledger.adherence).toMatchObject({
      expected: 120,
      taken: 10,
      missed: 0,
      notCheckable: 110,
      percent: 100,
    });
  });

  it('measures the 48 h 5 min without a new snapshot around the missed day, over the 26 h objective', () => {
    expect(orders.rpo.largestGap).toEqual({
      from: '2026-11-19T02:00:00.000Z',
      to: '2026-11-21T02:05:00.000Z',
      minutes: 2885,
      thinnedByRetention: false,
    });
    expect(orders.rpo.met).toBe(false);
    // The DR copy arrives 50 minutes after its snapshot's scheduled time.
    expect(orders.copies[0]!.rpo.largestGapMinutes).toBe(2930);
  });

  it("cannot tell the RPO where only retention's gaps exceed the objective, and says how large they are", () => {
    // Every 6 h against 7 h, but retention keeps one snapshot a day: the listing cannot show the rest.
    expect(ledger.rpo.met).toBeNull();
    expect(ledger.rpo.largestGapMinutes).toBe(360);
    expect(ledger.rpo.largestThinnedGapMinutes).toBeGreaterThan(24 * 60);
    expect(ledger.rpo.gaps.filter((g) => !g.thinnedByRetention).every((g) => g.minutes <= 420)).toBe(true);
  });

  it('finds the DR copy the DR account never got, among the snapshots its retention keeps', () => {
    expect(orders.copies[0]).toMatchObject({ target: 'eu-west-1', present: 13, expected: 13, missing: [] });
    expect(ledger.copies[0]).toMatchObject({
      target: 'eu-central-1/222222222222',
      present: 7,
      expected: 8,
      missing: ['lifeboat-ledger-20261128T1800'],
    });
  });

  it('lists every restore-verify of the period with its target and RTO, and none from before it', () => {
    expect(orders.verifications.map((v) => [v.at.slice(0, 10), v.target, v.result, v.rtoMinutes])).toEqual([
      ['2026-11-01', 'primary', 'passed', 38],
      ['2026-11-08', 'primary', 'passed', 41],
      ['2026-11-15', 'primary', 'failed', null],
      ['2026-11-22', 'primary', 'passed', 47],
      ['2026-11-22', 'eu-west-1', 'passed', 52],
      ['2026-11-29', 'primary', 'passed', 44],
    ]);
    expect(orders.rto).toEqual({ runs: 5, maxMinutes: 52, medianMinutes: 44, met: true });
    expect(ledger.rto).toEqual({ runs: 3, maxMinutes: 72, medianMinutes: 40, met: false });
    expect(ledger.verifications.find((v) => v.rtoMinutes === 72)!.rtoMet).toBe(false);
  });

  it('gives each failure its reason and the time until the same target passed again', () => {
    expect(orders.failures).toEqual([
      expect.objectContaining({
        at: '2026-11-15T03:47:00.000Z',
        target: 'primary',
        problem: 'the restored data differs from the baseline',
        recoveredAt: '2026-11-22T03:49:00.000Z',
        minutesToRecovery: 7 * 1440 + 2,
      }),
    ]);
    expect(ledger.failures[0]).toMatchObject({
      problem: expect.stringMatching(/^WaitForScratch: States.Timeout/),
      minutesToRecovery: 7 * 1440 - 20,
    });
  });

  it('keeps to one database with --db, and says so when none is called that', () => {
    expect(fixtureEvidence('orders').databases.map((d) => d.database)).toEqual(['orders']);
    const none = fixtureEvidence('nosuch');
    expect(none.databases).toEqual([]);
    expect(none.notes).toEqual(['no snapshot, report or selected database is named nosuch']);
  });
});

describe('buildEvidence edge cases', () => {
  const policies = goldPolicyFile({
    schedule: 'cron(0 */6 * * ? *)',
    rpoMinutes: 360,
    retention: { daily: 7 },
  });
  const day = { from: new Date('2026-11-29T00:00:00Z'), to: new Date('2026-11-30T00:00:00Z') };
  const input = (overrides: Partial<EvidenceInput>): EvidenceInput => ({
    policies,
    period: day,
    databases: [],
    snapshots: [],
    targets: new Map(),
    reports: [],
    sources: { snapshots: 'test', reports: 'test' },
    ...overrides,
  });

  it('holds a database with no snapshot at all to one gap as long as the period, a breach', () => {
    const evidence = buildEvidence(
      input({
        databases: [
          {
            kind: 'instance',
            id: 'db-1',
            arn: 'arn:aws:rds:us-east-1:111111111111:db:db-1',
            engine: 'postgres',
            status: 'available',
            tags: { 'lifeboat:policy': 'gold' },
          },
        ],
      }),
    );
    const [db] = evidence.databases;
    expect(db!.rpo).toMatchObject({ snapshots: 0, largestGapMinutes: 1440, met: false });
    expect(db!.adherence).toMatchObject({ expected: 4, taken: 0, missed: 1, notCheckable: 3, percent: 0 });
  });

  it('does not count an hand-made snapshot as a scheduled one, but as restorable data', () => {
    const scheduled = ['2026-11-29T00:00:00Z', '2026-11-29T06:00:00Z', '2026-11-29T18:00:00Z'].map((t) =>
      managedSnapshot(t),
    );
    const preChange = managedSnapshot('2026-11-29T13:00:00Z', { tags: { [TAG.reason]: 'migration 42' } });
    const [db] = buildEvidence(input({ snapshots: [...scheduled, preChange] })).databases;
    // 12:00 is missed but not checkable: retention keeps only the newest of the day (18:00).
    expect(db!.adherence).toMatchObject({ expected: 4, taken: 3, missed: 0, notCheckable: 1 });
    // From the period's start to the first snapshot, then 06:00 -> 13:05 (the pre-change one) is
    // 425 min; without it, 06:00 -> 18:05 would be 725.
    expect(db!.rpo.gaps.map((g) => [g.minutes, g.thinnedByRetention])).toEqual([
      [5, false],
      [365, false],
      // Retention would have deleted a 12:00 snapshot: an upper bound, not held against the objective.
      [425, true],
      [305, false],
      [360, false],
    ]);
    // 00:00 -> 06:05: the next snapshot became restorable 5 min after the 6 h objective.
    expect(db!.rpo).toMatchObject({ largestGapMinutes: 365, largestThinnedGapMinutes: 425, met: false });
  });
});

describe('verifyRunFrom', () => {
  it('reads an old report without an RTO objective against the one given', () => {
    const read = verifyRunFrom(
      { verdict: 'passed', finishedAt: '2026-11-01T04:00:00Z', rto: { minutes: 130 } },
      'reports/orders/20261101T030000Z.json',
      120,
    );
    expect(read).toMatchObject({
      source: { id: 'orders' },
      run: { target: 'primary', rtoMinutes: 130, rtoMet: false },
    });
  });

  it('is not a run: the monitor state, or a file without a verdict', () => {
    expect(verifyRunFrom({ open: {} }, 'reports/state.json', 60)).toBeUndefined();
    expect(verifyRunFrom('text', 'reports/a/b.json', 60)).toBeUndefined();
  });
});
