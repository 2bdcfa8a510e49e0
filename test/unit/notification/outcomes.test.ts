import { describe, expect, it } from 'vitest';
import { parseNotification } from '../../../lib/core/notification/message.js';
import {
  copyNotifications,
  pruneRunNotification,
  snapshotRunNotification,
  sourceOfSnapshotId,
} from '../../../lib/core/notification/outcomes.js';
import type { Snapshot } from '../../../lib/core/model.js';
import type { SnapshotCopyResult } from '../../../lib/core/use-cases/copy-snapshot.js';
import type { PruneResult } from '../../../lib/core/use-cases/prune.js';
import type { TakeSnapshotsResult } from '../../../lib/core/use-cases/take-snapshots.js';

const now = new Date('2026-11-24T10:00:00Z');
const site = { region: 'us-east-1', account: '111111111111' };

function snapshotRun(databases: TakeSnapshotsResult['databases']): TakeSnapshotsResult {
  return { policy: 'gold', scheduledAt: '2026-11-24T09:45:00.000Z', databases };
}

describe('snapshotRunNotification', () => {
  it('reports a clean run as info with the snapshots taken', () => {
    const message = parseNotification(
      snapshotRunNotification(
        'gold',
        snapshotRun([
          {
            kind: 'instance',
            database: 'orders',
            outcome: 'created',
            snapshotId: 'lifeboat-orders-20261124t0945',
            reason: 'snapshot requested',
          },
          {
            kind: 'instance',
            database: 'users',
            outcome: 'existing',
            snapshotId: 'lifeboat-users-20261124t0945',
            reason: 'already taken',
          },
        ]),
        now,
        site,
      ),
    );
    expect(message).toMatchObject({ kind: 'snapshot.run', severity: 'info', policy: 'gold', ...site });
    expect(message.database).toBeUndefined();
    expect(message.action).toBeUndefined();
    expect(message.summary).toBe('Policy gold: 2 snapshots taken');
    expect(message.details).toMatchObject({
      taken: 2,
      failed: 0,
      snapshots: ['lifeboat-orders-20261124t0945', 'lifeboat-users-20261124t0945'],
    });
    expect(message.at).toBe(now.toISOString());
  });

  it('names the one failed database, critical when no retry will fix it', () => {
    const message = parseNotification(
      snapshotRunNotification(
        'gold',
        snapshotRun([
          {
            kind: 'instance',
            database: 'orders',
            outcome: 'created',
            snapshotId: 'lifeboat-orders-20261124t0945',
            reason: 'ok',
          },
          {
            kind: 'instance',
            database: 'users',
            outcome: 'failed',
            reason: 'AccessDenied: no',
            retryable: false,
          },
        ]),
        now,
      ),
    );
    expect(message).toMatchObject({ severity: 'critical', database: 'users' });
    expect(message.summary).toContain('users');
    expect(message.action).toMatch(/manual snapshot/);
    expect(message.details.failures).toEqual([
      { database: 'users', reason: 'AccessDenied: no', retryable: false },
    ]);
  });

  it('is a warning when every failure is one Lambda retries', () => {
    const message = snapshotRunNotification(
      'gold',
      snapshotRun([
        { kind: 'instance', database: 'a', outcome: 'failed', reason: 'busy', retryable: true },
        { kind: 'instance', database: 'b', outcome: 'failed', reason: 'throttled', retryable: true },
        { kind: 'instance', database: 'c', outcome: 'skipped', reason: 'member of a cluster' },
      ]),
      now,
    );
    expect(message.severity).toBe('warning');
    expect(message.database).toBeUndefined();
    expect(message.summary).toBe('Policy gold: snapshot failed for a, b (0 of 2 taken)');
    expect(message.action).toMatch(/retries/);
  });
});

describe('copyNotifications', () => {
  const result = (targets: SnapshotCopyResult['targets']): SnapshotCopyResult => ({
    snapshot: 'lifeboat-orders-20261124t0945',
    policy: 'gold',
    targets,
  });

  it('publishes copy.done per copied target and copy.failed per failed or refused one, nothing for steps on the way', () => {
    const messages = copyNotifications(
      [
        result([
          {
            target: 'eu-west-1',
            copyId: 'c1',
            outcome: 'copied',
            reason: 'copy c1 is available',
            announce: true,
          },
          {
            target: '222222222222/eu-west-2',
            copyId: 'c2',
            outcome: 'failed',
            reason: 'KMSKeyNotAccessibleFault',
          },
          { target: 'us-west-2', copyId: 'c3', outcome: 'in-progress', reason: 'copying, 40%' },
          { target: 'us-west-1', copyId: 'c4', outcome: 'retry-later', reason: 'throttled' },
          { target: 'ca-central-1', copyId: 'c5', outcome: 'started', reason: 'requested' },
          { target: 'ap-south-1', copyId: 'c6', outcome: 'awaiting-shareable-copy', reason: 'copying' },
          { target: 'sa-east-1', copyId: 'c7', outcome: 'refused', reason: 'unencrypted', announce: true },
        ]),
      ],
      now,
    ).map(parseNotification);
    expect(messages.map((m) => [m.kind, m.severity, m.details.copy])).toEqual([
      ['copy.done', 'info', 'c1'],
      ['copy.failed', 'critical', 'c2'],
      ['copy.failed', 'critical', 'c7'],
    ]);
    expect(messages[0]).toMatchObject({ database: 'orders', policy: 'gold', region: 'eu-west-1' });
    expect(messages[0]!.action).toBeUndefined();
    expect(messages[1]).toMatchObject({ region: 'eu-west-2', account: '222222222222' });
    expect(messages[1]!.summary).toContain('KMSKeyNotAccessibleFault');
    expect(messages[1]!.action).toBeTruthy();
    expect(messages[2]!.action).toMatch(/unencryptedSources/);
  });

  it('publishes nothing for a run with no target at an end', () => {
    expect(
      copyNotifications(
        [result([{ target: 'eu-west-1', copyId: 'c1', outcome: 'started', reason: 'x' }])],
        now,
      ),
    ).toEqual([]);
  });

  it('announces a copy or a refusal once: not again when a later sweep finds it so again', () => {
    const copied = { target: 'eu-west-1', copyId: 'c1', outcome: 'copied' as const, reason: 'available' };
    const refused = { target: 'eu-west-1', copyId: 'c1', outcome: 'refused' as const, reason: 'unencrypted' };

    for (const seenBefore of [copied, refused]) {
      expect(copyNotifications([result([{ ...seenBefore, announce: false }])], now)).toEqual([]);
      expect(copyNotifications([result([seenBefore])], now)).toEqual([]);
    }
  });

  it('reads the database from a scheduled snapshot id, and nothing from another', () => {
    expect(sourceOfSnapshotId('lifeboat-orders-db-20261124t0945')).toBe('orders-db');
    expect(sourceOfSnapshotId('manual-orders')).toBeUndefined();
  });
});

describe('pruneRunNotification', () => {
  const snapshot = (id: string) => ({ id }) as Snapshot;
  const prune = (overrides: Partial<PruneResult['scopes'][number]> = {}, dryRun = false): PruneResult => {
    const scope = {
      scope: 'us-east-1',
      region: 'us-east-1',
      retention: {} as PruneResult['scopes'][number]['retention'],
      decisions: [
        { snapshot: snapshot('keep-1'), action: 'keep', reason: 'daily' },
        { snapshot: snapshot('old-1'), action: 'delete', reason: 'expired' },
      ] as unknown as PruneResult['scopes'][number]['decisions'],
      outcomes: [
        { snapshot: snapshot('old-1'), result: dryRun ? 'dry run' : 'deleted' },
      ] as PruneResult['scopes'][number]['outcomes'],
      failedSnapshots: [],
      problems: [],
      ...overrides,
    };
    return { policy: 'gold', dryRun, scopes: [scope], deleted: 1, failed: 0 };
  };

  it('reports a clean run as info with the deleted snapshots', () => {
    const message = parseNotification(pruneRunNotification('gold', prune(), now, site));
    expect(message).toMatchObject({
      kind: 'prune.run',
      severity: 'info',
      policy: 'gold',
      region: 'us-east-1',
    });
    expect(message.summary).toBe('Policy gold: 1 snapshot deleted, 1 kept');
    expect(message.details).toMatchObject({ deleted: ['old-1'], kept: 1 });
    expect(message.action).toBeUndefined();
  });

  it('says what a dry run would delete', () => {
    const message = pruneRunNotification('gold', prune({}, true), now);
    expect(message.summary).toContain('dry run, 1 snapshot would be deleted');
    expect(message.details).toMatchObject({ wouldDelete: ['old-1'], deleted: [] });
  });

  it('is a warning naming failed deletes and scopes not pruned', () => {
    const message = parseNotification(
      pruneRunNotification(
        'gold',
        prune({
          outcomes: [{ snapshot: snapshot('old-1'), result: 'failed', error: 'InvalidDBSnapshotState' }],
          error: undefined,
        }),
        now,
      ),
    );
    expect(message.severity).toBe('warning');
    expect(message.summary).toBe('Policy gold: prune incomplete, 1 not deleted (0 snapshots deleted)');
    expect(message.details.failures).toEqual([
      { scope: 'us-east-1', snapshot: 'old-1', error: 'InvalidDBSnapshotState' },
    ]);
    expect(message.action).toBeTruthy();

    const unlisted = pruneRunNotification('gold', prune({ outcomes: [], error: 'AccessDenied' }), now);
    expect(unlisted.severity).toBe('warning');
    expect(unlisted.summary).toContain('us-east-1 not pruned');
  });
});
