import { describe, expect, it } from 'vitest';
import {
  reconcile,
  readMonitorState,
  withUnannounced,
  EMPTY_STATE,
  type Check,
} from '../../../../lib/core/monitor/alerts.js';
import { expiredScratch, quotaChecks } from '../../../../lib/core/monitor/housekeeping.js';
import { recoveryMetrics } from '../../../../lib/core/monitor/metrics.js';
import { assessRecovery, newestRestorable } from '../../../../lib/core/monitor/recovery.js';
import { verifiedRestoreFrom } from '../../../../lib/core/monitor/run.js';
import { verifyPeriodMinutes } from '../../../../lib/core/monitor/schedule.js';
import type { DatabaseSource, Snapshot } from '../../../../lib/core/model.js';
import type { ScratchInstance } from '../../../../lib/core/ports.js';
import { PolicySchema } from '../../../../lib/core/policy/schema.js';
import { TAG } from '../../../../lib/core/tags.js';

const now = new Date('2026-11-24T12:00:00Z');
const database: DatabaseSource = {
  kind: 'instance',
  id: 'orders-db',
  arn: 'arn:aws:rds:us-east-1:111111111111:db:orders-db',
  engine: 'postgres',
  status: 'available',
  tags: { 'lifeboat:policy': 'gold' },
};

function snapshot(
  id: string,
  createdAt: string,
  extra: Partial<Snapshot> = {},
  tags: Record<string, string> = {},
): Snapshot {
  return {
    kind: 'instance',
    id,
    arn: `arn:aws:rds:us-east-1:111111111111:snapshot:${id}`,
    sourceId: 'orders-db',
    type: 'manual',
    status: 'available',
    createdAt: new Date(createdAt),
    encrypted: true,
    region: 'us-east-1',
    tags: { [TAG.managed]: 'true', [TAG.source]: 'orders-db', [TAG.tier]: 'primary', ...tags },
    ...extra,
  };
}

const policy = PolicySchema.parse({
  select: { tags: { 'lifeboat:policy': 'gold' } },
  schedule: 'cron(0 */6 * * ? *)',
  rpoMinutes: 360,
  rtoMinutes: 120,
  retention: {},
  copies: [{ region: 'eu-west-1', kmsKeyId: 'alias/dr' }],
  verify: { schedule: 'cron(0 3 ? * SUN *)', instanceClass: 'db.t4g.medium', databases: ['app'] },
});

describe('verifyPeriodMinutes', () => {
  it('is exact for rate() and an upper bound for cron()', () => {
    expect(verifyPeriodMinutes('rate(6 hours)')).toBe(360);
    expect(verifyPeriodMinutes('cron(0 3 ? * SUN *)')).toBe(7 * 24 * 60);
    expect(verifyPeriodMinutes('cron(0 3 1 * ? *)')).toBe(31 * 24 * 60);
    expect(verifyPeriodMinutes('cron(0 3 * * ? *)')).toBe(24 * 60);
    expect(() => verifyPeriodMinutes('cron(0 3 * *)')).toThrow(/not an EventBridge/);
  });
});

describe('newestRestorable', () => {
  it('counts only available snapshots Lifeboat manages, and not the shareable copies in the source region', () => {
    const snapshots = [
      snapshot('old', '2026-11-24T06:00:00Z'),
      snapshot('still-creating', '2026-11-24T11:50:00Z', { status: 'creating' }),
      snapshot('by-hand', '2026-11-24T11:40:00Z', {}, { [TAG.managed]: 'false' }),
      snapshot('share-copy', '2026-11-24T11:30:00Z', {}, { [TAG.tier]: 'dr-account' }),
      snapshot('other-db', '2026-11-24T11:20:00Z', { sourceId: 'other' }, { [TAG.source]: 'other' }),
    ];
    expect(newestRestorable(snapshots, database, 'primary', now)).toEqual({
      id: 'old',
      createdAt: '2026-11-24T06:00:00.000Z',
      ageMinutes: 360,
    });
    expect(newestRestorable(snapshots, database, 'copy', now)?.id).toBe('share-copy');
  });
});

describe('assessRecovery', () => {
  it('breaches on an old copy or an unreadable target even when the snapshot is fresh', () => {
    const fresh = [snapshot('fresh', '2026-11-24T11:00:00Z')];
    const base = { database, policyName: 'gold', policy, snapshots: fresh, lastVerified: null, now };
    const oldCopy = [
      snapshot('copy', '2026-11-24T04:00:00Z', { region: 'eu-west-1' }, { [TAG.tier]: 'dr-region' }),
    ];

    expect(
      assessRecovery({ ...base, copies: [{ target: policy.copies[0]!, snapshots: oldCopy }] }).rpo,
    ).toEqual({
      objectiveMinutes: 360,
      state: 'breach',
      reasons: ['newest copy at eu-west-1 is 480 min old'],
    });
    expect(
      assessRecovery({ ...base, copies: [{ target: policy.copies[0]!, error: 'AccessDenied' }] }).rpo.reasons,
    ).toEqual(['copies at eu-west-1 cannot be read: AccessDenied']);
  });

  it('calls a verification stale after the weekly period plus the RTO and an hour', () => {
    const week = 7 * 24 * 60;
    const at = (ageMinutes: number) => ({
      at: new Date(now.getTime() - ageMinutes * 60_000).toISOString(),
      rtoMinutes: 10,
    });
    const assess = (ageMinutes: number) =>
      assessRecovery({
        database,
        policyName: 'gold',
        policy,
        snapshots: [],
        copies: [],
        lastVerified: at(ageMinutes),
        now,
      }).verification.state;
    expect(assess(week + 120 + 60)).toBe('fresh');
    expect(assess(week + 120 + 61)).toBe('stale');
  });
});

describe('reconcile', () => {
  const problem = (key: string): Check => ({
    key,
    problem: {
      version: 1,
      kind: 'rpo.breach',
      severity: 'critical',
      summary: `${key} breached`,
      at: now.toISOString(),
    },
  });
  const healthy = (key: string): Check => ({
    key,
    recovery: {
      version: 1,
      kind: 'rpo.recovered',
      severity: 'info',
      summary: `${key} ok`,
      at: now.toISOString(),
    },
  });

  it('raises a new problem, keeps quiet about a known one, and recovers only what was open', () => {
    const first = reconcile(EMPTY_STATE, [problem('a'), healthy('b')], now);
    expect(first.announcements.map((a) => a.notification.summary)).toEqual(['a breached']);

    const second = reconcile(first.state, [problem('a'), healthy('b')], new Date('2026-11-24T12:15:00Z'));
    expect(second.announcements).toEqual([]);
    expect(second.state.open.a!.since).toBe(now.toISOString());

    const third = reconcile(second.state, [healthy('a')], new Date('2026-11-24T12:30:00Z'));
    expect(third.announcements.map((a) => a.notification)).toEqual([
      expect.objectContaining({ summary: 'a ok', details: { problemSince: now.toISOString() } }),
    ]);
    expect(third.state.open).toEqual({});
  });

  it('tells next run what could not be published this run', () => {
    const before = reconcile(EMPTY_STATE, [problem('b')], now).state;
    const { announcements, state } = reconcile(before, [problem('a'), healthy('b')], now);

    const saved = withUnannounced(state, before, announcements);

    expect(Object.keys(saved.open)).toEqual(['b']);
    const next = reconcile(saved, [problem('a'), healthy('b')], now);
    expect(next.announcements.map((a) => a.key)).toEqual(['a', 'b']);
  });

  it('treats an unreadable state as empty, so an ongoing problem is told again rather than hidden', () => {
    expect(readMonitorState({ version: 2 })).toEqual(EMPTY_STATE);
    expect(readMonitorState(undefined)).toEqual(EMPTY_STATE);
  });
});

describe('housekeeping', () => {
  const scratch = (id: string, tags: Record<string, string>, status = 'available'): ScratchInstance => ({
    kind: 'instance',
    id,
    instanceId: id,
    status,
    engine: 'postgres',
    tags,
  });

  it('picks scratch instances past their expiry, never one without a scratch tag or a readable expiry', () => {
    const expired = expiredScratch(
      [
        scratch('expired', { [TAG.scratch]: 'true', [TAG.expiresAt]: '2026-11-24T11:00:00Z' }),
        scratch('later', { [TAG.scratch]: 'true', [TAG.expiresAt]: '2026-11-24T13:00:00Z' }),
        scratch('garbled', { [TAG.scratch]: 'true', [TAG.expiresAt]: 'tomorrow' }),
        scratch('no-expiry', { [TAG.scratch]: 'true' }),
        scratch('untagged', { [TAG.expiresAt]: '2026-11-24T11:00:00Z' }),
        scratch('already', { [TAG.scratch]: 'true', [TAG.expiresAt]: '2026-11-24T11:00:00Z' }, 'deleting'),
      ],
      now,
    );
    expect(expired.map((instance) => instance.id)).toEqual(['expired']);
  });

  it('warns at 80% of a snapshot quota and ignores other quotas', () => {
    const checks = quotaChecks(
      [
        { name: 'ManualSnapshots', used: 79, max: 100 },
        { name: 'ManualClusterSnapshots', used: 80, max: 100 },
        { name: 'DBInstances', used: 40, max: 40 },
      ],
      { region: 'us-east-1' },
      now,
    );
    expect(checks.map((check) => [check.key, check.problem?.severity])).toEqual([
      ['quota:ManualSnapshots', undefined],
      ['quota:ManualClusterSnapshots', 'warning'],
    ]);
  });
});

describe('recovery metrics and reports', () => {
  it('publishes ages in seconds per database and target, and nothing for what is missing', () => {
    const recovery = assessRecovery({
      database,
      policyName: 'gold',
      policy,
      snapshots: [snapshot('fresh', '2026-11-24T11:00:00Z')],
      copies: [{ target: policy.copies[0]!, snapshots: [] }],
      lastVerified: null,
      now,
    });
    expect(recoveryMetrics([recovery])).toEqual([
      {
        name: 'SnapshotAge',
        unit: 'Seconds',
        value: 3600,
        dimensions: { Database: 'orders-db', Policy: 'gold' },
      },
      // No copy at the target yet: the one snapshot waits for it.
      {
        name: 'CopyBacklog',
        unit: 'Count',
        value: 1,
        dimensions: { Database: 'orders-db', Policy: 'gold', Target: policy.copies[0]!.region },
      },
    ]);
  });

  it('counts the copy backlog from the newest snapshot copied, and publishes the last RTO', () => {
    const taken = ['2026-11-24T00:00:00Z', '2026-11-24T06:00:00Z', '2026-11-24T11:00:00Z'].map((t, i) =>
      snapshot(`s${i}`, t),
    );
    const copy = {
      ...taken[0]!,
      id: 's0-copy',
      tags: { ...taken[0]!.tags, [TAG.tier]: 'dr-region', [TAG.origin]: 's0' },
    };
    const recovery = assessRecovery({
      database,
      policyName: 'gold',
      policy,
      snapshots: taken,
      copies: [{ target: policy.copies[0]!, snapshots: [copy] }],
      lastVerified: { at: '2026-11-24T10:00:00Z', rtoMinutes: 12.5 },
      now,
    });
    expect(recovery.copies[0]!.pending).toBe(2);
    const metrics = recoveryMetrics([recovery]);
    expect(metrics.find((m) => m.name === 'CopyBacklog')!.value).toBe(2);
    expect(metrics.find((m) => m.name === 'VerifiedRestoreRto')).toMatchObject({
      unit: 'Seconds',
      value: 750,
    });
  });

  it('reads a passed report with its RTO and ignores a failed one', () => {
    const key = 'reports/orders-db/20261124T093000Z.json';
    expect(
      verifiedRestoreFrom(
        { verdict: 'passed', finishedAt: '2026-11-24T09:45:00Z', rto: { minutes: 12 } },
        key,
      ),
    ).toEqual({ at: '2026-11-24T09:45:00.000Z', rtoMinutes: 12, reportKey: key });
    expect(verifiedRestoreFrom({ verdict: 'failed', finishedAt: '2026-11-24T09:45:00Z' }, key)).toBeNull();
  });
});
