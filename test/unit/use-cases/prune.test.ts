import {
  AddTagsToResourceCommand,
  DeleteDBSnapshotCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
  type DBSnapshot,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHandler } from '../../../functions/prune/handler.js';
import { RdsSnapshotStore } from '../../../lib/adapters/aws/rds-snapshots.js';
import type { Policy } from '../../../lib/core/policy/schema.js';
import { TAG } from '../../../lib/core/tags.js';
import { prune } from '../../../lib/core/use-cases/prune.js';
import { rdsErrorResponse, throttling } from '../../support/sdk-errors.js';
import { recordingNotifier } from '../../support/topic.js';

const NOW = new Date('2026-11-24T04:15:00Z');
const target = {
  region: 'eu-west-1',
  kmsKeyId: 'arn:aws:kms:eu-west-1:111111111111:key/11111111-2222-3333-4444-555555555555',
  retention: { daily: 1, weekly: 0, monthly: 0, yearly: 0 },
};
const policy: Policy = {
  select: { tags: { 'lifeboat:policy': 'gold' } },
  schedule: 'cron(0 */6 * * ? *)',
  rpoMinutes: 360,
  rtoMinutes: 120,
  retention: { daily: 1, weekly: 0, monthly: 0, yearly: 0 },
  unencryptedSources: 'encrypt',
  copies: [target],
  minimumBackupRetentionDays: 7,
};

/** A DB snapshot as DescribeDBSnapshots returns it, managed by policy gold, scheduled on `day`. */
function described(
  id: string,
  day: string,
  extra: Partial<DBSnapshot> = {},
  tags: Record<string, string> = {},
) {
  const region = extra.DBSnapshotArn?.split(':')[3] ?? 'us-east-1';
  return {
    DBSnapshotIdentifier: id,
    DBSnapshotArn: `arn:aws:rds:${region}:111111111111:snapshot:${id}`,
    DBInstanceIdentifier: 'db-1',
    SnapshotType: 'manual',
    Status: 'available',
    SnapshotCreateTime: new Date(`${day}T00:05:00Z`),
    Encrypted: true,
    ...extra,
    TagList: Object.entries({
      [TAG.managed]: 'true',
      [TAG.policy]: 'gold',
      [TAG.source]: 'db-1',
      [TAG.scheduledAt]: `${day}T00:00:00.000Z`,
      ...tags,
    }).map(([Key, Value]) => ({ Key, Value })),
  } satisfies DBSnapshot;
}

const old = ['2026-11-19', '2026-11-20', '2026-11-21', '2026-11-22'].map((day, i) =>
  described(`lifeboat-old-${i + 1}`, day),
);
const newest = described('lifeboat-newest', '2026-11-24');

const sourceClient = new RDSClient({ region: 'us-east-1' });
const targetClient = new RDSClient({ region: 'eu-west-1' });
const sourceRds = mockClient(sourceClient);
const targetRds = mockClient(targetClient);

/** A region whose listing returns `snapshots`, and whose guard reads each one back by id. */
function serve(rds: typeof sourceRds, snapshots: DBSnapshot[], instances: object[] = []) {
  rds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: snapshots });
  for (const s of snapshots) {
    rds
      .on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: s.DBSnapshotIdentifier })
      .resolves({ DBSnapshots: [s] });
  }
  rds.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [] });
  rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: instances });
  rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [] });
  rds.on(DeleteDBSnapshotCommand).resolves({});
}

const request = (overrides: Partial<Parameters<typeof prune>[0]> = {}) => ({
  policyName: 'gold',
  policy,
  now: NOW,
  source: new RdsSnapshotStore({ region: 'us-east-1', client: sourceClient }),
  targets: [{ target, store: new RdsSnapshotStore({ region: 'eu-west-1', client: targetClient }) }],
  dryRun: false,
  ...overrides,
});

beforeEach(() => {
  sourceRds.reset();
  targetRds.reset();
});
afterEach(() => {
  sourceRds.reset();
  targetRds.reset();
});

describe('prune', () => {
  it('goes on deleting when one delete is throttled, and reports that one as failed', async () => {
    serve(sourceRds, [...old, newest]);
    serve(targetRds, []);
    sourceRds
      .on(DeleteDBSnapshotCommand, { DBSnapshotIdentifier: 'lifeboat-old-2' })
      .rejects(await throttling());

    const result = await prune(request());

    expect(sourceRds).toHaveReceivedCommandTimes(DeleteDBSnapshotCommand, 4);
    for (const id of ['lifeboat-old-1', 'lifeboat-old-2', 'lifeboat-old-3', 'lifeboat-old-4']) {
      expect(sourceRds).toHaveReceivedCommandWith(DeleteDBSnapshotCommand, { DBSnapshotIdentifier: id });
    }
    expect(sourceRds).not.toHaveReceivedCommandWith(DeleteDBSnapshotCommand, {
      DBSnapshotIdentifier: 'lifeboat-newest',
    });
    const outcomes = Object.fromEntries(result.scopes[0]!.outcomes.map((o) => [o.snapshot.id, o.result]));
    expect(outcomes).toEqual({
      'lifeboat-old-1': 'deleted',
      'lifeboat-old-2': 'failed',
      'lifeboat-old-3': 'deleted',
      'lifeboat-old-4': 'deleted',
    });
    expect(result.scopes[0]!.outcomes.find((o) => o.result === 'failed')!.error).toMatch(
      /^RetryLaterError: .*Throttling/,
    );
    expect(result).toMatchObject({ deleted: 3, failed: 1 });
  });

  it('deletes a backlog a few at a time, not one by one nor all at once', async () => {
    const backlog = Array.from({ length: 12 }, (_, i) =>
      described(`lifeboat-backlog-${i}`, `2026-10-${10 + i}`),
    );
    serve(sourceRds, [...backlog, newest]);
    serve(targetRds, []);
    let inFlight = 0;
    let most = 0;
    sourceRds.on(DeleteDBSnapshotCommand).callsFake(async () => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      return {};
    });

    const result = await prune(request());

    expect(result.deleted).toBe(12);
    expect(most).toBe(4);
  });

  it('deletes nothing anywhere when a copy target cannot be listed, since its copies in progress are unknown', async () => {
    serve(sourceRds, [...old, newest]);
    targetRds.on(DescribeDBSnapshotsCommand).rejects(
      await rdsErrorResponse({
        code: 'AccessDenied',
        message:
          'User: arn:aws:sts::111111111111:assumed-role/lifeboat-prune/prune is not authorized to perform: rds:DescribeDBSnapshots',
        status: 403,
      }),
    );

    const result = await prune(request());

    expect(sourceRds).not.toHaveReceivedCommand(DeleteDBSnapshotCommand);
    expect(result.scopes[1]!.error).toMatch(/eu-west-1.*not authorized/);
    expect(result.scopes[0]!.outcomes.map((o) => o.result)).toEqual(Array(4).fill('not attempted'));
    expect(result.scopes[0]!.outcomes[0]!.error).toMatch(/could not tell which snapshots are in use/);
  });

  it('keeps the snapshot that a copy still in progress at a target reads from', async () => {
    serve(sourceRds, [...old, newest]);
    const copying = described(
      'lifeboat-old-3-eu-west-1',
      '2026-11-21',
      {
        Status: 'copying',
        DBSnapshotArn: 'arn:aws:rds:eu-west-1:111111111111:snapshot:lifeboat-old-3-eu-west-1',
      },
      { [TAG.copyOf]: old[2]!.DBSnapshotArn, [TAG.target]: 'eu-west-1' },
    );
    serve(targetRds, [copying]);

    const result = await prune(request());

    expect(sourceRds).not.toHaveReceivedCommandWith(DeleteDBSnapshotCommand, {
      DBSnapshotIdentifier: 'lifeboat-old-3',
    });
    expect(result.scopes[0]!.decisions.find((d) => d.snapshot.id === 'lifeboat-old-3')!.reason).toBe(
      'in use by a copy or a restore',
    );
    expect(result.deleted).toBe(3);
  });

  it('keeps the snapshot a scratch instance is restored from', async () => {
    serve(
      sourceRds,
      [...old, newest],
      [
        {
          DBInstanceIdentifier: 'lifeboat-scratch-1',
          TagList: [{ Key: TAG.restoredFrom, Value: 'lifeboat-old-1' }],
        },
      ],
    );
    serve(targetRds, []);

    await prune(request());

    expect(sourceRds).not.toHaveReceivedCommandWith(DeleteDBSnapshotCommand, {
      DBSnapshotIdentifier: 'lifeboat-old-1',
    });
    expect(sourceRds).toHaveReceivedCommandTimes(DeleteDBSnapshotCommand, 3);
  });

  it('applies the target retention to copies made for the target, and leaves other snapshots there alone', async () => {
    serve(sourceRds, [newest]);
    const copy = (id: string, day: string, tags: Record<string, string>) =>
      described(id, day, { DBSnapshotArn: `arn:aws:rds:eu-west-1:111111111111:snapshot:${id}` }, tags);
    const arn = (id: string) => `arn:aws:rds:us-east-1:111111111111:snapshot:${id}`;
    serve(targetRds, [
      copy('lifeboat-copy-old', '2026-11-20', { [TAG.copyOf]: arn('a'), [TAG.target]: 'eu-west-1' }),
      copy('lifeboat-copy-new', '2026-11-23', { [TAG.copyOf]: arn('b'), [TAG.target]: 'eu-west-1' }),
      copy('lifeboat-other-target', '2026-11-19', {
        [TAG.copyOf]: arn('c'),
        [TAG.target]: '222222222222/eu-west-1',
      }),
      copy('lifeboat-not-a-copy', '2026-11-18', {}),
      copy('lifeboat-silver-copy', '2026-11-18', { [TAG.policy]: 'silver', [TAG.copyOf]: arn('d') }),
    ]);

    const result = await prune(request());

    expect(targetRds).toHaveReceivedCommandTimes(DeleteDBSnapshotCommand, 1);
    expect(targetRds).toHaveReceivedCommandWith(DeleteDBSnapshotCommand, {
      DBSnapshotIdentifier: 'lifeboat-copy-old',
    });
    expect(result.scopes[1]!.decisions.map((d) => d.snapshot.id)).toEqual([
      'lifeboat-copy-old',
      'lifeboat-copy-new',
    ]);
  });

  it('in a dry run decides the same and deletes nothing', async () => {
    serve(sourceRds, [...old, newest]);
    serve(targetRds, []);

    const result = await prune(request({ dryRun: true }));

    expect(sourceRds).not.toHaveReceivedCommand(DeleteDBSnapshotCommand);
    expect(result.scopes[0]!.outcomes.map((o) => [o.snapshot.id, o.result])).toEqual([
      ['lifeboat-old-1', 'dry run'],
      ['lifeboat-old-2', 'dry run'],
      ['lifeboat-old-3', 'dry run'],
      ['lifeboat-old-4', 'dry run'],
    ]);
  });

  it('does not ask a DR account for its databases: the role there may only list and delete snapshots', async () => {
    serve(sourceRds, [newest]);
    serve(targetRds, []);
    const drTarget = {
      ...target,
      account: '222222222222',
      roleArn: 'arn:aws:iam::222222222222:role/lifeboat-dr-copy',
    };

    const result = await prune(
      request({
        targets: [
          { target: drTarget, store: new RdsSnapshotStore({ region: 'eu-west-1', client: targetClient }) },
        ],
      }),
    );

    expect(targetRds).toHaveReceivedCommand(DescribeDBSnapshotsCommand);
    expect(targetRds).not.toHaveReceivedCommand(DescribeDBInstancesCommand);
    expect(result.scopes[1]!.scope).toBe('copy eu-west-1 account 222222222222');
  });
});

describe('prune with failed snapshots and inconsistent listings', () => {
  const failed = (id: string, tags: Record<string, string> = {}) =>
    described(id, '2026-11-23', { Status: 'failed', SnapshotCreateTime: undefined }, tags);

  it('announces a failed snapshot once, remembering when in a tag, and keeps it meanwhile', async () => {
    serve(sourceRds, [...old, newest, failed('lifeboat-broken')]);
    serve(targetRds, []);
    sourceRds.on(AddTagsToResourceCommand).resolves({});

    const result = await prune(request());

    expect(result.scopes[0]!.failedSnapshots.map((f) => f.snapshot.id)).toEqual(['lifeboat-broken']);
    expect(sourceRds).toHaveReceivedCommandWith(AddTagsToResourceCommand, {
      ResourceName: 'arn:aws:rds:us-east-1:111111111111:snapshot:lifeboat-broken',
      Tags: [{ Key: TAG.failureAnnounced, Value: NOW.toISOString() }],
    });
    expect(sourceRds).not.toHaveReceivedCommandWith(DeleteDBSnapshotCommand, {
      DBSnapshotIdentifier: 'lifeboat-broken',
    });
    const decision = result.scopes[0]!.decisions.find((d) => d.snapshot.id === 'lifeboat-broken')!;
    expect(decision).toMatchObject({ action: 'keep', reason: expect.stringMatching(/^failed/) });
  });

  it('neither tags nor announces again a failed snapshot announced before, and deletes it after 7 days through the guarded delete', async () => {
    const announced = (days: number) => new Date(NOW.getTime() - days * 86_400_000).toISOString();
    serve(sourceRds, [
      newest,
      failed('lifeboat-recent', { [TAG.failureAnnounced]: announced(6) }),
      failed('lifeboat-stale', { [TAG.failureAnnounced]: announced(7) }),
      // Not ours: whatever its status, prune leaves it.
      described(
        'lifeboat-theirs',
        '2026-11-01',
        { Status: 'failed' },
        { [TAG.managed]: 'false', [TAG.failureAnnounced]: announced(30) },
      ),
    ]);
    serve(targetRds, []);

    const result = await prune(request());

    expect(result.scopes[0]!.failedSnapshots).toEqual([]);
    expect(sourceRds).not.toHaveReceivedCommand(AddTagsToResourceCommand);
    expect(result.scopes[0]!.outcomes.map((o) => [o.snapshot.id, o.result])).toEqual([
      ['lifeboat-stale', 'deleted'],
    ]);
    // The delete read the snapshot back first (its managed tag), as every delete does.
    expect(sourceRds).toHaveReceivedCommandWith(DescribeDBSnapshotsCommand, {
      DBSnapshotIdentifier: 'lifeboat-stale',
    });
  });

  it('announces a failed snapshot in a dry run without tagging it or deleting anything', async () => {
    serve(sourceRds, [newest, failed('lifeboat-broken')]);
    serve(targetRds, []);

    const result = await prune(request({ dryRun: true }));

    expect(result.scopes[0]!.failedSnapshots.map((f) => f.snapshot.id)).toEqual(['lifeboat-broken']);
    expect(sourceRds).not.toHaveReceivedCommand(AddTagsToResourceCommand);
    expect(sourceRds).not.toHaveReceivedCommand(DeleteDBSnapshotCommand);
  });

  it('keeps an available snapshot RDS gives no creation time, and reports it as a problem', async () => {
    serve(sourceRds, [
      ...old,
      newest,
      described('lifeboat-odd', '2026-11-10', { SnapshotCreateTime: undefined }),
    ]);
    serve(targetRds, []);

    const result = await prune(request());

    expect(result.scopes[0]!.problems).toEqual([
      {
        snapshot: expect.objectContaining({ id: 'lifeboat-odd' }),
        problem: expect.stringContaining('no creation time'),
      },
    ]);
    expect(sourceRds).not.toHaveReceivedCommandWith(DeleteDBSnapshotCommand, {
      DBSnapshotIdentifier: 'lifeboat-odd',
    });
  });

  it('decides once for a snapshot listed twice, and deletes it once', async () => {
    serve(sourceRds, [...old, old[0]!, newest, newest]);
    serve(targetRds, []);

    const result = await prune(request());

    const ids = result.scopes[0]!.decisions.map((d) => d.snapshot.id);
    expect(ids).toEqual([
      'lifeboat-old-1',
      'lifeboat-old-2',
      'lifeboat-old-3',
      'lifeboat-old-4',
      'lifeboat-newest',
    ]);
    expect(sourceRds).toHaveReceivedCommandTimes(DeleteDBSnapshotCommand, 4);
  });

  it('keeps the really newest snapshot when an older one carries a scheduled-at tag in the future', async () => {
    const forged = described(
      'lifeboat-forged',
      '2026-11-20',
      {},
      { [TAG.scheduledAt]: '2026-11-30T00:00:00.000Z' },
    );
    serve(sourceRds, [forged, newest]);
    serve(targetRds, []);

    const result = await prune(request());

    expect(sourceRds).not.toHaveReceivedCommandWith(DeleteDBSnapshotCommand, {
      DBSnapshotIdentifier: 'lifeboat-newest',
    });
    expect(result.scopes[0]!.outcomes.map((o) => o.snapshot.id)).toEqual(['lifeboat-forged']);
  });
});

describe('prune handler', () => {
  const notifier = recordingNotifier();
  const handler = createHandler({
    policyFile: { policies: { gold: policy } },
    source: new RdsSnapshotStore({ region: 'us-east-1', client: sourceClient }),
    targetsFor: () => [
      { target, store: new RdsSnapshotStore({ region: 'eu-west-1', client: targetClient }) },
    ],
    notifier,
    clock: () => NOW,
  });
  const context = { functionName: 'lifeboat-test-prune', awsRequestId: 'req-1' } as never;

  it('tries every delete, then fails the invocation naming the snapshot that was not deleted', async () => {
    serve(sourceRds, [...old, newest]);
    serve(targetRds, []);
    sourceRds
      .on(DeleteDBSnapshotCommand, { DBSnapshotIdentifier: 'lifeboat-old-4' })
      .rejects(await throttling());

    await expect(handler({ policy: 'gold', time: NOW.toISOString() }, context)).rejects.toThrow(
      /prune of policy gold incomplete: source us-east-1: lifeboat-old-4: RetryLaterError/,
    );
    expect(sourceRds).toHaveReceivedCommandTimes(DeleteDBSnapshotCommand, 4);
    // Published before the invocation failed, naming the snapshot left.
    expect(notifier.published.at(-1)).toMatchObject({
      kind: 'prune.run',
      severity: 'warning',
      details: { failures: [{ snapshot: 'lifeboat-old-4' }] },
    });
  });

  it('fails the invocation when the summary cannot be published, after a clean run', async () => {
    serve(sourceRds, [...old, newest]);
    serve(targetRds, []);
    const refusing = createHandler({
      policyFile: { policies: { gold: policy } },
      source: new RdsSnapshotStore({ region: 'us-east-1', client: sourceClient }),
      targetsFor: () => [],
      notifier: { publish: () => Promise.reject(new Error('AuthorizationError: not allowed')) },
      clock: () => NOW,
    });

    await expect(refusing({ policy: 'gold', time: NOW.toISOString() }, context)).rejects.toThrow(
      /1 of 1 notifications not published: prune.run \(Error: AuthorizationError: not allowed\)/,
    );
    expect(sourceRds).toHaveReceivedCommandTimes(DeleteDBSnapshotCommand, 4);
  });

  it('with "dryRun": true in the event, returns what it would delete and deletes nothing', async () => {
    serve(sourceRds, [...old, newest]);
    serve(targetRds, []);

    const result = await handler({ policy: 'gold', time: NOW.toISOString(), dryRun: true }, context);

    expect(sourceRds).not.toHaveReceivedCommand(DeleteDBSnapshotCommand);
    expect(result).toMatchObject({ dryRun: true, deleted: 0, failed: 0 });
    expect(result.scopes[0]).toEqual({
      scope: 'source us-east-1',
      kept: 1,
      deleted: [],
      wouldDelete: ['lifeboat-old-1', 'lifeboat-old-2', 'lifeboat-old-3', 'lifeboat-old-4'],
    });
  });

  it('refuses an event without a time, naming the key, and lists or deletes nothing', async () => {
    serve(sourceRds, [...old, newest]);

    await expect(handler({ policy: 'gold' }, context)).rejects.toThrow(
      /prune event is invalid:\n {2}- time: /,
    );
    expect(sourceRds.calls()).toHaveLength(0);
  });

  it('refuses a policy the policy file does not have', async () => {
    serve(sourceRds, [...old, newest]);

    await expect(handler({ policy: 'bronze', time: NOW.toISOString() }, context)).rejects.toMatchObject({
      name: 'ConfigError',
      message: expect.stringContaining('unknown policy "bronze"'),
    });
    expect(sourceRds.calls()).toHaveLength(0);
  });

  it.each([
    ['a misspelt dry-run key', { dryrun: true }, /\(top level\): unknown key "dryrun"/],
    ['any other unknown key', { force: 'yes' }, /unknown key "force"/],
    [
      'a time more than 5 minutes ahead of the clock',
      { time: '2026-11-24T04:21:00Z' },
      /- time: is 6 minutes ahead/,
    ],
    ['a time a year ahead', { time: '2027-11-24T04:15:00Z' }, /- time: is \d+ hours ahead/],
    ['a time more than a day old', { time: '2026-11-23T04:14:00Z' }, /- time: is 24 hours old/],
    ['a date without a time', { time: '2026-11-24' }, /- time: must be an ISO 8601 time/],
    ['a time without a zone', { time: '2026-11-24T04:15:00' }, /- time: must be an ISO 8601 time/],
    ['a number Date would read as a year', { time: '1' }, /- time: must be an ISO 8601 time/],
    ['dryRun as text', { dryRun: 'true' }, /- dryRun: must be true or false/],
  ])('refuses an event with %s, and lists or deletes nothing', async (_case, change, message) => {
    serve(sourceRds, [...old, newest]);

    const event = { policy: 'gold', time: NOW.toISOString(), ...change };
    await expect(handler(event, context)).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringMatching(message),
    });
    expect(sourceRds.calls()).toHaveLength(0);
  });

  it('accepts a scheduled time a retried delivery brings late, or a skewed clock a little early', async () => {
    serve(sourceRds, [...old, newest]);
    serve(targetRds, []);

    for (const time of ['2026-11-23T04:16:00Z', '2026-11-24T04:19:59.999+00:00']) {
      await expect(handler({ policy: 'gold', time, dryRun: true }, context)).resolves.toMatchObject({
        dryRun: true,
      });
    }
  });

  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])(
    'refuses the policy name "%s" as unknown rather than finding a member of every object',
    async (name) => {
      await expect(handler({ policy: name, time: NOW.toISOString() }, context)).rejects.toMatchObject({
        name: 'ConfigError',
        message: expect.stringContaining(`unknown policy "${name}"`),
      });
      expect(sourceRds.calls()).toHaveLength(0);
    },
  );

  it('publishes a failed snapshot once as a warning, and fails the run over a snapshot without a creation time', async () => {
    const failedOne = described('lifeboat-broken', '2026-11-23', {
      Status: 'failed',
      SnapshotCreateTime: undefined,
    });
    serve(sourceRds, [newest, failedOne]);
    serve(targetRds, []);
    sourceRds.on(AddTagsToResourceCommand).resolves({});

    await handler({ policy: 'gold', time: NOW.toISOString() }, context);
    expect(notifier.published.at(-1)).toMatchObject({
      severity: 'warning',
      summary: expect.stringContaining('1 snapshot failed in RDS'),
      details: { failedSnapshots: [{ snapshot: 'lifeboat-broken' }] },
    });

    serve(sourceRds, [newest, described('lifeboat-odd', '2026-11-10', { SnapshotCreateTime: undefined })]);
    await expect(handler({ policy: 'gold', time: NOW.toISOString() }, context)).rejects.toThrow(
      /source us-east-1: lifeboat-odd: RDS lists it as available but gives no creation time/,
    );
  });
});
