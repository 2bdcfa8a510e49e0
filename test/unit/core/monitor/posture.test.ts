import { describe, expect, it } from 'vitest';
import { formatStatus } from '../../../../cli/commands/status.js';
import { slackMessage } from '../../../../lib/core/chat/slack.js';
import { teamsMessage } from '../../../../lib/core/chat/teams.js';
import type { DatabaseSource } from '../../../../lib/core/model.js';
import { EMPTY_STATE, reconcile } from '../../../../lib/core/monitor/alerts.js';
import { assessPosture, postureChecks } from '../../../../lib/core/monitor/posture.js';
import type { DatabaseRecovery } from '../../../../lib/core/monitor/recovery.js';
import { parseNotification } from '../../../../lib/core/notification/message.js';
import { adaptiveCardProblems } from '../../../support/adaptive-card.js';
import { blockKitProblems } from '../../../support/block-kit.js';

const now = new Date('2026-11-24T12:00:00Z');
const where = { account: '111111111111', region: 'us-east-1' };
const healthy: DatabaseSource = {
  kind: 'instance',
  id: 'orders-db',
  arn: 'arn:aws:rds:us-east-1:111111111111:db:orders-db',
  engine: 'postgres',
  status: 'available',
  tags: {},
  backup: { retentionDays: 7, deletionProtection: true, storageEncrypted: true, replications: [] },
};
const policy = { minimumBackupRetentionDays: 7 };

function recoveryOf(posture: DatabaseRecovery['posture'], pointInTime: DatabaseRecovery['pointInTime'] = []) {
  return {
    database: 'orders-db',
    kind: 'instance',
    policy: 'gold',
    rpo: { objectiveMinutes: 60, state: 'ok', reasons: [] },
    snapshot: null,
    copies: [],
    verification: { state: 'not-scheduled', dueWithinMinutes: null, last: null },
    pointInTime,
    posture,
  } satisfies DatabaseRecovery;
}

describe('assessPosture', () => {
  it('finds nothing on a database that keeps 7 days of backups, is protected and encrypted', () => {
    expect(assessPosture(healthy, policy, [])).toEqual([]);
  });

  it('finds each setting that leaves the database unprotected, with the command that fixes it', () => {
    const exposed = {
      ...healthy,
      backup: { retentionDays: 3, deletionProtection: false, storageEncrypted: false, replications: [] },
    };

    const findings = assessPosture(exposed, policy, []);

    expect(findings.map((f) => f.problem)).toEqual([
      'backups-short',
      'deletion-protection-off',
      'not-encrypted',
    ]);
    expect(findings[0]).toMatchObject({
      summary: "Automated backups are kept 3 days, fewer than the policy's minimum of 7.",
      action: expect.stringContaining(
        'aws rds modify-db-instance --db-instance-identifier orders-db --backup-retention-period 7',
      ),
    });
    expect(findings[1]!.action).toContain('--deletion-protection');
    expect(findings[2]!.action).toContain('RDS cannot encrypt an existing instance');
  });

  it('tells backups off apart from short, and for a cluster names the cluster command', () => {
    const off = { ...healthy, kind: 'cluster' as const, backup: { ...healthy.backup!, retentionDays: 0 } };

    expect(assessPosture(off, policy, [])).toEqual([
      expect.objectContaining({
        problem: 'backups-off',
        action: expect.stringContaining('aws rds modify-db-cluster --db-cluster-identifier orders-db'),
      }),
    ]);
  });

  it('finds a configured replication that is not running or cannot be, but not one that is starting or unreadable', () => {
    const findings = assessPosture(healthy, policy, [
      {
        target: 'eu-west-1',
        state: 'not-running',
        latestRestorableTime: null,
        lagMinutes: null,
        detail: 'KMS refused',
      },
      { target: 'eu-central-1', state: 'starting', latestRestorableTime: null, lagMinutes: null },
      { target: 'eu-north-1', state: 'unreadable', latestRestorableTime: null, lagMinutes: null },
      {
        target: 'eu-south-1',
        state: 'refused',
        latestRestorableTime: null,
        lagMinutes: null,
        detail: 'Aurora ...',
      },
    ]);

    expect(findings.map((f) => [f.problem, f.target])).toEqual([
      ['pitr-not-running', 'eu-west-1'],
      ['pitr-not-running', 'eu-south-1'],
    ]);
    expect(findings[0]!.summary).toContain('KMS refused');
    expect(findings[0]!.action).toContain(
      'start-db-instance-automated-backups-replication --region eu-west-1',
    );
  });
});

describe('postureChecks', () => {
  it('tells a finding once, and once when it is resolved', () => {
    const exposed = { ...healthy, backup: { ...healthy.backup!, deletionProtection: false } };
    const first = reconcile(
      EMPTY_STATE,
      postureChecks(recoveryOf(assessPosture(exposed, policy, [])), where, now),
      now,
    );

    expect(first.announcements).toHaveLength(1);
    const told = parseNotification(first.announcements[0]!.notification);
    expect(told).toMatchObject({
      kind: 'posture.finding',
      severity: 'warning',
      database: 'orders-db',
      summary: 'Deletion protection is off: a single call deletes the database.',
      action: expect.stringContaining('--deletion-protection'),
    });

    const again = reconcile(
      first.state,
      postureChecks(recoveryOf(assessPosture(exposed, policy, [])), where, now),
      now,
    );
    expect(again.announcements).toEqual([]);

    const fixed = reconcile(
      again.state,
      postureChecks(recoveryOf(assessPosture(healthy, policy, [])), where, now),
      now,
    );
    expect(fixed.announcements.map((a) => parseNotification(a.notification))).toEqual([
      expect.objectContaining({
        kind: 'posture.resolved',
        severity: 'info',
        summary: 'Resolved: deletion protection is on.',
      }),
    ]);
    expect(fixed.state.open).toEqual({});
  });

  it('reaches Slack and Teams with its title and what to do', () => {
    const exposed = { ...healthy, backup: { ...healthy.backup!, retentionDays: 0 } };
    const [check] = postureChecks(recoveryOf(assessPosture(exposed, policy, [])), where, now);
    const finding = parseNotification(check!.problem);

    const slack = JSON.stringify(slackMessage(finding));
    const teams = JSON.stringify(teamsMessage(finding));

    expect(blockKitProblems(slackMessage(finding))).toEqual([]);
    expect(adaptiveCardProblems(teamsMessage(finding))).toEqual([]);
    for (const payload of [slack, teams]) {
      expect(payload).toContain('Backup posture finding: orders-db');
      expect(payload).toContain('--backup-retention-period 7');
    }
  });

  it('checks nothing for a database whose posture is unknown', () => {
    expect(postureChecks(recoveryOf(undefined), where, now)).toEqual([]);
  });
});

describe('lifeboat status', () => {
  it('prints the PITR lag per target and each posture finding with what to do', () => {
    const text = formatStatus(
      [
        recoveryOf(
          [
            {
              problem: 'not-encrypted',
              summary: 'Storage is not encrypted at rest.',
              action: 'Copy a snapshot with a key.',
            },
          ],
          [
            {
              target: 'eu-west-1',
              state: 'running',
              latestRestorableTime: '2026-11-24T11:53:00.000Z',
              lagMinutes: 7,
            },
            {
              target: 'eu-central-1',
              state: 'not-running',
              latestRestorableTime: null,
              lagMinutes: null,
              detail: 'KMS refused',
            },
          ],
        ),
      ],
      'us-east-1',
      now,
      'bucket',
    );

    // The target column is as wide as the longest target, so eu-central-1 keeps its space.
    expect(text).toContain('  pitr eu-west-1    restorable to 2026-11-24T11:53Z (7 min ago)');
    expect(text).toContain('  pitr eu-central-1 NOT-RUNNING: KMS refused');
    expect(text).toContain(
      '  posture        Storage is not encrypted at rest.\n                 what to do: Copy a snapshot with a key.',
    );
  });
});

describe('formatStatus, copy targets', () => {
  it('keeps an account/region target apart from its copy, aligned with the region targets', () => {
    const recovery = {
      ...recoveryOf([]),
      copies: [
        {
          target: 'eu-west-1',
          newest: { id: 'lifeboat-orders-db-a', createdAt: '2026-11-24T11:00:00.000Z', ageMinutes: 60 },
          pending: 0,
          breached: false,
        },
        {
          target: '222222222222/eu-central-1',
          newest: { id: 'lifeboat-orders-db-b', createdAt: '2026-11-24T10:00:00.000Z', ageMinutes: 120 },
          pending: 0,
          breached: false,
        },
      ],
    } satisfies DatabaseRecovery;

    const lines = formatStatus([recovery], 'us-east-1', now).split('\n');

    expect(lines).toContain(
      `  copy eu-west-1${' '.repeat(16)} lifeboat-orders-db-a  2026-11-24T11:00Z (60 min ago)`,
    );
    expect(lines).toContain(
      '  copy 222222222222/eu-central-1 lifeboat-orders-db-b  2026-11-24T10:00Z (2 h ago)',
    );
  });
});
