import { describe, expect, it } from 'vitest';
import type { DatabaseSource } from '../../../../lib/core/model.js';
import { recoveryMetrics } from '../../../../lib/core/monitor/metrics.js';
import {
  decideReplication,
  pointInTimeState,
  type PointInTimeTarget,
  type ReplicatedBackup,
} from '../../../../lib/core/monitor/point-in-time.js';
import { assessRecovery } from '../../../../lib/core/monitor/recovery.js';
import { PolicySchema } from '../../../../lib/core/policy/schema.js';

const now = new Date('2026-11-24T12:00:00Z');
const KEY = 'arn:aws:kms:eu-west-1:111111111111:key/11111111-2222-3333-4444-555555555555';
const orders: DatabaseSource = {
  kind: 'instance',
  id: 'orders-db',
  arn: 'arn:aws:rds:us-east-1:111111111111:db:orders-db',
  engine: 'postgres',
  status: 'available',
  tags: { 'lifeboat:policy': 'gold' },
  backup: { retentionDays: 7, deletionProtection: true, storageEncrypted: true, replications: [] },
};
const policy = PolicySchema.parse({
  select: { tags: { 'lifeboat:policy': 'gold' } },
  schedule: 'cron(0 */6 * * ? *)',
  rpoMinutes: 30,
  rtoMinutes: 120,
  retention: {},
  copies: [{ region: 'eu-west-1', kmsKeyId: KEY, pointInTime: { retentionDays: 14 } }],
});
const target = policy.copies[0] as PointInTimeTarget;

function replicated(status: string, latest?: string, sourceArn = orders.arn): ReplicatedBackup {
  return {
    arn: 'arn:aws:rds:eu-west-1:111111111111:auto-backup:ab-orders',
    sourceArn,
    status,
    ...(latest ? { latest: new Date(latest), earliest: new Date('2026-11-20T00:00:00Z') } : {}),
  };
}

describe('decideReplication', () => {
  it('starts the replication of a new instance, in the target region, with the retention and key of the policy', () => {
    expect(decideReplication(orders, target, [], now)).toEqual({
      action: 'start',
      reason: 'replication to eu-west-1 is not set up',
      request: { sourceArn: orders.arn, retentionDays: 14, kmsKeyId: KEY },
    });
  });

  it("starts it again when it was stopped, and does not count another instance's backups", () => {
    const decision = decideReplication(
      orders,
      target,
      [
        replicated('retained', '2026-11-23T08:00:00Z'),
        replicated('active', '2026-11-24T11:59:00Z', 'arn:other'),
      ],
      now,
    );

    expect(decision).toMatchObject({
      action: 'start',
      reason: 'replication to eu-west-1 is stopped (retained)',
    });
  });

  it('leaves a running replication alone and measures its lag from the latest restorable time', () => {
    const decision = decideReplication(
      orders,
      target,
      [replicated('retained', '2026-11-20T08:00:00Z'), replicated('active', '2026-11-24T11:52:00Z')],
      now,
    );

    expect(decision).toMatchObject({ action: 'running', latest: '2026-11-24T11:52:00.000Z', lagMinutes: 8 });
    expect(pointInTimeState('eu-west-1', decision)).toEqual({
      target: 'eu-west-1',
      state: 'running',
      latestRestorableTime: '2026-11-24T11:52:00.000Z',
      lagMinutes: 8,
      backupArn: 'arn:aws:rds:eu-west-1:111111111111:auto-backup:ab-orders',
    });
  });

  it('waits while RDS sets it up, also when running has no restore window yet', () => {
    expect(decideReplication(orders, target, [replicated('creating')], now).action).toBe('starting');
    expect(decideReplication(orders, target, [replicated('active')], now).action).toBe('starting');
  });

  it('does not start what RDS would refuse: backups off, an instance that is not available', () => {
    const off = { ...orders, backup: { ...orders.backup!, retentionDays: 0 } };
    const stopped = { ...orders, status: 'stopped' };

    expect(decideReplication(off, target, [], now)).toMatchObject({
      action: 'blocked',
      reason: expect.stringContaining('automated backups are off'),
    });
    expect(decideReplication(stopped, target, [], now)).toMatchObject({
      action: 'blocked',
      reason: expect.stringContaining('the instance is stopped'),
    });
    // A busy instance is waited for: no start RDS would refuse, and no finding.
    const creating = decideReplication({ ...orders, status: 'creating' }, target, [], now);
    expect(creating).toMatchObject({ action: 'wait' });
    expect(pointInTimeState('eu-west-1', creating).state).toBe('starting');
  });

  it('refuses an Aurora cluster, with what to use instead', () => {
    const cluster: DatabaseSource = {
      ...orders,
      kind: 'cluster',
      arn: 'arn:aws:rds:us-east-1:111111111111:cluster:b',
    };

    expect(decideReplication(cluster, target, [], now)).toMatchObject({
      action: 'refused',
      reason: expect.stringMatching(/Aurora global database/),
    });
  });
});

describe('the RPO at a point-in-time target', () => {
  const snapshot = {
    kind: 'instance' as const,
    id: 'lifeboat-orders-db-a',
    arn: 'arn:aws:rds:us-east-1:111111111111:snapshot:lifeboat-orders-db-a',
    sourceId: 'orders-db',
    type: 'manual',
    status: 'available',
    createdAt: new Date('2026-11-24T11:45:00Z'),
    encrypted: true,
    region: 'us-east-1',
    tags: { 'lifeboat:managed': 'true', 'lifeboat:source': 'orders-db', 'lifeboat:tier': 'primary' },
  };
  const assess = (lagMinutes: number | null) =>
    assessRecovery({
      database: orders,
      policyName: 'gold',
      policy,
      snapshots: [snapshot],
      // The newest copy is 5 hours old: over the 30-minute objective.
      copies: [
        {
          target,
          snapshots: [
            {
              ...snapshot,
              id: 'lifeboat-orders-db-a-eu-west-1',
              region: 'eu-west-1',
              createdAt: new Date('2026-11-24T07:00:00Z'),
              tags: { ...snapshot.tags, 'lifeboat:tier': 'dr-region' },
            },
          ],
        },
      ],
      lastVerified: null,
      pointInTime: [
        {
          target: 'eu-west-1',
          state: lagMinutes === null ? 'starting' : 'running',
          latestRestorableTime:
            lagMinutes === null ? null : new Date(now.getTime() - lagMinutes * 60_000).toISOString(),
          lagMinutes,
        },
      ],
      now,
    });

  it('is the replication lag while it runs, not the age of the copies', () => {
    expect(assess(10).rpo).toEqual({ objectiveMinutes: 30, state: 'ok', reasons: [] });
    expect(assess(45).rpo.reasons).toEqual([
      'point-in-time restores at eu-west-1 are 45 min behind (replicated latest restorable time 2026-11-24T11:15:00.000Z)',
    ]);
  });

  it('falls back on the copies while the replication is not running', () => {
    expect(assess(null).rpo.reasons).toEqual(['newest copy at eu-west-1 is 300 min old']);
  });

  it('publishes the lag per database and, for the alarm, the largest per policy and target', () => {
    const lagging = { ...assess(45), database: 'orders-db' };
    const other = { ...assess(12), database: 'billing-db' };

    const lags = recoveryMetrics([lagging, other]).filter((metric) => metric.name === 'PointInTimeLag');

    expect(lags).toEqual([
      {
        name: 'PointInTimeLag',
        unit: 'Seconds',
        value: 2700,
        dimensions: { Database: 'orders-db', Policy: 'gold', Target: 'eu-west-1' },
      },
      {
        name: 'PointInTimeLag',
        unit: 'Seconds',
        value: 720,
        dimensions: { Database: 'billing-db', Policy: 'gold', Target: 'eu-west-1' },
      },
      {
        name: 'PointInTimeLag',
        unit: 'Seconds',
        value: 2700,
        dimensions: { Policy: 'gold', Target: 'eu-west-1' },
      },
    ]);
  });
});
