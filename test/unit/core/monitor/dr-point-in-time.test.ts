import { describe, expect, it } from 'vitest';
import { formatStatus } from '../../../../cli/commands/status.js';
import {
  drPointInTimeState,
  isReplicaOf,
  type HeldDatabase,
} from '../../../../lib/core/monitor/dr-point-in-time.js';
import { drRpo } from '../../../../lib/core/monitor/dr-site.js';
import { recoveryMetrics } from '../../../../lib/core/monitor/metrics.js';
import type { ReplicatedBackup } from '../../../../lib/core/monitor/point-in-time.js';
import type { DatabaseRecovery } from '../../../../lib/core/monitor/recovery.js';
import { AURORA_INSTEAD } from '../../../../lib/core/policy/point-in-time.js';

const now = new Date('2026-11-24T12:00:00Z');
const primary = { account: '111111111111', region: 'us-east-1' };
const SOURCE_ARN = 'arn:aws:rds:us-east-1:111111111111:db:orders-db';
// As heldSourcesIn describes a database from its copies: with lifeboat:source-arn, and without.
const tagged: HeldDatabase = { id: 'orders-db', kind: 'instance', arn: SOURCE_ARN };
const untagged: HeldDatabase = {
  id: 'orders-db',
  kind: 'instance',
  arn: 'arn:aws:rds:eu-west-1:111111111111:snapshot:lifeboat-orders-db-20261124t0600',
};

function backup(status: string, latest?: string, sourceArn = SOURCE_ARN): ReplicatedBackup {
  return {
    arn: 'arn:aws:rds:eu-west-1:111111111111:auto-backup:ab-orders',
    sourceArn,
    status,
    ...(latest ? { latest: new Date(latest), earliest: new Date('2026-11-20T00:00:00Z') } : {}),
  };
}

describe('isReplicaOf', () => {
  it("matches the copies' source ARN, else the instance of that name in the primary's region and account", () => {
    expect(isReplicaOf(backup('active'), tagged, primary)).toBe(true);
    expect(isReplicaOf(backup('active'), untagged, primary)).toBe(true);
    expect(
      isReplicaOf(
        backup('active', undefined, 'arn:aws-cn:rds:us-east-1:111111111111:db:orders-db'),
        untagged,
        primary,
      ),
    ).toBe(true);
  });

  it('does not take the backups of another instance, region, account or resource type', () => {
    for (const other of [
      'arn:aws:rds:us-east-1:111111111111:db:orders-db-2',
      'arn:aws:rds:us-west-2:111111111111:db:orders-db',
      'arn:aws:rds:us-east-1:333333333333:db:orders-db',
      'arn:aws:rds:us-east-1:111111111111:cluster:orders-db',
      '',
    ]) {
      expect(isReplicaOf(backup('active', undefined, other), untagged, primary), other).toBe(false);
    }
  });
});

describe('drPointInTimeState', () => {
  it('measures the lag from the newest running replicated backup of the database', () => {
    const state = drPointInTimeState(
      untagged,
      'eu-west-1',
      primary,
      [
        backup('retained', '2026-11-23T08:00:00Z'),
        backup('active', '2026-11-24T11:53:00Z'),
        backup('active', '2026-11-24T11:59:00Z', 'arn:aws:rds:us-east-1:111111111111:db:other-db'),
      ],
      now,
    );

    expect(state).toEqual({
      target: 'eu-west-1',
      state: 'running',
      latestRestorableTime: '2026-11-24T11:53:00.000Z',
      lagMinutes: 7,
      backupArn: 'arn:aws:rds:eu-west-1:111111111111:auto-backup:ab-orders',
    });
  });

  it('is starting while RDS sets it up', () => {
    expect(drPointInTimeState(tagged, 'eu-west-1', primary, [backup('creating')], now)).toMatchObject({
      state: 'starting',
      lagMinutes: null,
    });
  });

  it('is not running, saying why and who starts it, when no backup is replicated here or it is no longer fed', () => {
    const none = drPointInTimeState(
      tagged,
      'eu-west-1',
      primary,
      [backup('active', '2026-11-24T11:59:00Z', 'arn:aws:rds:us-east-1:111111111111:db:other-db')],
      now,
    );
    const stopped = drPointInTimeState(
      tagged,
      'eu-west-1',
      primary,
      [backup('retained', '2026-11-23T08:00:00Z')],
      now,
    );

    expect(none).toEqual({
      target: 'eu-west-1',
      state: 'not-running',
      latestRestorableTime: null,
      lagMinutes: null,
      detail:
        "no automated backups of orders-db are replicated here from us-east-1; the primary's monitor starts the replication, and its posture check says why it cannot",
    });
    expect(stopped.state).toBe('not-running');
    expect(stopped.detail).toMatch(
      /^the automated backups of orders-db replicated here are no longer fed \(retained\)/,
    );
  });

  it('refuses an Aurora cluster, with what to use instead', () => {
    const cluster = {
      id: 'ledger',
      kind: 'cluster' as const,
      arn: 'arn:aws:rds:us-east-1:111111111111:cluster:ledger',
    };

    expect(drPointInTimeState(cluster, 'eu-west-1', primary, [], now)).toMatchObject({
      state: 'refused',
      detail: AURORA_INSTEAD,
    });
  });
});

describe('drRpo', () => {
  const copy = {
    id: 'lifeboat-orders-db-20261124t0600',
    createdAt: '2026-11-24T06:00:00.000Z',
    ageMinutes: 360,
  };
  const running = (lagMinutes: number) => ({
    target: 'eu-west-1',
    state: 'running' as const,
    latestRestorableTime: new Date(now.getTime() - lagMinutes * 60_000).toISOString(),
    lagMinutes,
  });

  it('is the lag of the replicated backups while they are fed, not the age of the copy', () => {
    expect(drRpo(60, 'eu-west-1', copy, running(7))).toEqual({ breached: false, reasons: [] });
    expect(drRpo(60, 'eu-west-1', copy, running(61))).toEqual({
      breached: true,
      reasons: [
        'point-in-time restores at eu-west-1 are 61 min behind (replicated latest restorable time 2026-11-24T10:59:00.000Z)',
      ],
    });
  });

  it('falls back on the copy otherwise, and a breach says why no point in time helps', () => {
    const notRunning = {
      ...running(0),
      state: 'not-running' as const,
      lagMinutes: null,
      latestRestorableTime: null,
      detail: 'none here',
    };

    expect(drRpo(400, 'eu-west-1', copy, notRunning)).toEqual({ breached: false, reasons: [] });
    expect(drRpo(60, 'eu-west-1', copy, notRunning)).toEqual({
      breached: true,
      reasons: [
        'newest copy at eu-west-1 holds data 360 min old (lifeboat-orders-db-20261124t0600)',
        'no point-in-time restore at eu-west-1 (not-running): none here',
      ],
    });
    expect(drRpo(60, 'eu-west-1', null, undefined)).toEqual({
      breached: true,
      reasons: ['no available copy at eu-west-1'],
    });
  });
});

describe("a DR site's point-in-time state in its metrics and status", () => {
  const recovery = (database: string, lagMinutes: number | null): DatabaseRecovery => ({
    database,
    kind: 'instance',
    policy: 'gold',
    rpo: { objectiveMinutes: 60, state: 'ok', reasons: [] },
    snapshot: null,
    copies: [{ target: 'eu-west-1', newest: null, pending: null, breached: false }],
    verification: { state: 'not-scheduled', dueWithinMinutes: null, last: null },
    rto: { objectiveMinutes: 30, state: 'unknown' },
    pointInTime: [
      lagMinutes === null
        ? {
            target: 'eu-west-1',
            state: 'not-running',
            latestRestorableTime: null,
            lagMinutes: null,
            detail: 'no automated backups of ledger-db are replicated here from us-east-1',
          }
        : {
            target: 'eu-west-1',
            state: 'running',
            latestRestorableTime: new Date(now.getTime() - lagMinutes * 60_000).toISOString(),
            lagMinutes,
          },
    ],
  });

  it('publishes PointInTimeLag per database and the largest per policy and target, for the alarm', () => {
    const lags = recoveryMetrics([
      recovery('orders-db', 7),
      recovery('billing-db', 12),
      recovery('ledger-db', null),
    ])
      .filter((m) => m.name === 'PointInTimeLag')
      .map((m) => [m.value, m.dimensions]);

    expect(lags).toEqual([
      [7 * 60, { Database: 'orders-db', Policy: 'gold', Target: 'eu-west-1' }],
      [12 * 60, { Database: 'billing-db', Policy: 'gold', Target: 'eu-west-1' }],
      [12 * 60, { Policy: 'gold', Target: 'eu-west-1' }],
    ]);
  });

  it('prints the pitr line of each database in the DR view, running or not', () => {
    const text = formatStatus([recovery('orders-db', 7), recovery('ledger-db', null)], 'eu-west-1', now, 'b');

    expect(text).toContain('  pitr eu-west-1 restorable to 2026-11-24T11:53Z (7 min ago)');
    expect(text).toContain(
      '  pitr eu-west-1 NOT-RUNNING: no automated backups of ledger-db are replicated here from us-east-1',
    );
  });
});
