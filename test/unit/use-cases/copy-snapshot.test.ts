import {
  AddTagsToResourceCommand,
  CopyDBClusterSnapshotCommand,
  CopyDBSnapshotCommand,
  DBClusterSnapshotNotFoundFault,
  ModifyDBClusterSnapshotAttributeCommand,
  DBSnapshotNotFoundFault,
  DescribeDBClusterSnapshotsCommand,
  DeleteDBSnapshotCommand,
  DescribeDBSnapshotsCommand,
  ModifyDBSnapshotAttributeCommand,
  RDSClient,
  SnapshotQuotaExceededFault,
  type DBSnapshot,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { RdsSnapshotStore } from '../../../lib/adapters/aws/rds-snapshots.js';
import { GuardRefusedError } from '../../../lib/core/errors.js';
import type { Snapshot } from '../../../lib/core/model.js';
import { copyNotifications } from '../../../lib/core/notification/outcomes.js';
import type { CopyTargetPolicy, Policy } from '../../../lib/core/policy/schema.js';
import {
  copyToTargets,
  failuresOf,
  sweepCopies,
  type CopyDeps,
} from '../../../lib/core/use-cases/copy-snapshot.js';
import { goldPolicyFile } from '../../support/policies.js';
import { rdsErrorResponse, rdsFault } from '../../support/sdk-errors.js';

// The DR-account half of a cross-account copy runs here on aws-sdk-client-mock: moto 5.2.1 looks a
// shared snapshot's ARN up among the DR account's own snapshots and answers DBSnapshotNotFound.
// Responses follow the documented shapes of DescribeDBSnapshots, CopyDBSnapshot and
// ModifyDBSnapshotAttribute (AmazonRDS/latest/APIReference).

const SOURCE_ACCOUNT = '111111111111';
const DR_ACCOUNT = '222222222222';
const SHARE_KEY = `arn:aws:kms:us-east-1:${SOURCE_ACCOUNT}:key/66666666-7777-8888-9999-000000000000`;
const DR_KEY = `arn:aws:kms:eu-west-1:${DR_ACCOUNT}:key/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee`;
const EU_KEY = `arn:aws:kms:eu-west-1:${SOURCE_ACCOUNT}:key/11111111-2222-3333-4444-555555555555`;
const FRA_KEY = `arn:aws:kms:eu-central-1:${SOURCE_ACCOUNT}:key/11111111-2222-3333-4444-555555555556`;
const PRIMARY = 'lifeboat-orders-20261124t1200';
const SHAREABLE = `${PRIMARY}-share-${DR_ACCOUNT}`;
const DR_COPY = `${PRIMARY}-eu-west-1-${DR_ACCOUNT}`;
const arnOf = (id: string, account = SOURCE_ACCOUNT, region = 'us-east-1') =>
  `arn:aws:rds:${region}:${account}:snapshot:${id}`;

const MANAGED_TAGS = [
  { Key: 'lifeboat:managed', Value: 'true' },
  { Key: 'lifeboat:policy', Value: 'gold' },
  { Key: 'lifeboat:source', Value: 'orders' },
  { Key: 'lifeboat:scheduled-at', Value: '2026-11-24T12:00:00.000Z' },
];

function dbSnapshot(id: string, extra: Partial<DBSnapshot> = {}): DBSnapshot {
  return {
    DBSnapshotIdentifier: id,
    DBSnapshotArn: arnOf(id),
    DBInstanceIdentifier: 'orders',
    SnapshotType: 'manual',
    Status: 'available',
    Encrypted: false,
    TagList: MANAGED_TAGS,
    ...extra,
  };
}

function primary(extra: Partial<Snapshot> = {}): Snapshot {
  return {
    kind: 'instance',
    id: PRIMARY,
    arn: arnOf(PRIMARY),
    sourceId: 'orders',
    type: 'manual',
    status: 'available',
    encrypted: false,
    region: 'us-east-1',
    tags: Object.fromEntries(MANAGED_TAGS.map((t) => [t.Key, t.Value])),
    ...extra,
  };
}

const NOW = new Date('2026-11-24T12:30:00Z');
const goldPolicy = (copies: object[]): Policy => goldPolicyFile({ copies }).policies.gold!;

const notFound = (id: string) => rdsFault(DBSnapshotNotFoundFault, `DBSnapshot ${id} not found.`, 404);

/** Answers DescribeDBSnapshots by identifier from `snapshots`, DBSnapshotNotFound otherwise. */
function describeFrom(snapshots: Record<string, DBSnapshot>) {
  return (input: { DBSnapshotIdentifier?: string }) => {
    const found = snapshots[input.DBSnapshotIdentifier ?? ''];
    if (!found) throw notFound(input.DBSnapshotIdentifier ?? '');
    return { DBSnapshots: [found] };
  };
}

const sourceClient = new RDSClient({ region: 'us-east-1' });
const drClient = new RDSClient({ region: 'eu-west-1' });
const fraClient = new RDSClient({ region: 'eu-central-1' });
const sourceRds = mockClient(sourceClient);
const drRds = mockClient(drClient);
const fraRds = mockClient(fraClient);
afterEach(() => {
  sourceRds.reset();
  drRds.reset();
  fraRds.reset();
});

const deps: CopyDeps = {
  source: new RdsSnapshotStore({ client: sourceClient, region: 'us-east-1' }),
  storeFor: (target: CopyTargetPolicy) =>
    target.region === 'eu-central-1'
      ? new RdsSnapshotStore({ client: fraClient, region: 'eu-central-1' })
      : new RdsSnapshotStore({ client: drClient, region: 'eu-west-1' }),
};

const drTarget = { region: 'eu-west-1', account: DR_ACCOUNT, shareKmsKeyId: SHARE_KEY, kmsKeyId: DR_KEY };
/** The unencrypted primary snapshot, towards the one DR-account target. */
const copyToDrAccount = () =>
  copyToTargets({ snapshot: primary(), policyName: 'gold', policy: goldPolicy([drTarget]), deps, now: NOW });

describe('copyToTargets, another account', () => {
  it('shares the available shareable copy with the DR account only, and copies it there by ARN under the DR key', async () => {
    sourceRds
      .on(DescribeDBSnapshotsCommand)
      .callsFake(
        describeFrom({ [SHAREABLE]: dbSnapshot(SHAREABLE, { Encrypted: true, KmsKeyId: SHARE_KEY }) }),
      );
    sourceRds.on(ModifyDBSnapshotAttributeCommand).resolves({});
    drRds.on(DescribeDBSnapshotsCommand).callsFake(describeFrom({}));
    drRds.on(CopyDBSnapshotCommand).resolves({
      DBSnapshot: dbSnapshot(DR_COPY, {
        DBSnapshotArn: arnOf(DR_COPY, DR_ACCOUNT, 'eu-west-1'),
        Status: 'pending',
      }),
    });

    const result = await copyToDrAccount();

    expect(result.targets).toEqual([
      expect.objectContaining({ target: `${DR_ACCOUNT}/eu-west-1`, copyId: DR_COPY, outcome: 'started' }),
    ]);
    expect(sourceRds).toHaveReceivedCommandTimes(ModifyDBSnapshotAttributeCommand, 1);
    expect(sourceRds).toHaveReceivedCommandWith(ModifyDBSnapshotAttributeCommand, {
      DBSnapshotIdentifier: SHAREABLE,
      AttributeName: 'restore',
      ValuesToAdd: [DR_ACCOUNT],
    });
    expect(drRds).toHaveReceivedCommandWith(CopyDBSnapshotCommand, {
      SourceDBSnapshotIdentifier: arnOf(SHAREABLE),
      TargetDBSnapshotIdentifier: DR_COPY,
      KmsKeyId: DR_KEY,
      CopyTags: false,
      Tags: expect.arrayContaining([
        { Key: 'lifeboat:managed', Value: 'true' },
        { Key: 'lifeboat:tier', Value: 'dr-account' },
        { Key: 'lifeboat:copy-of', Value: arnOf(SHAREABLE) },
        // The DR copy names the snapshot Lifeboat took, not the shareable copy in between.
        { Key: 'lifeboat:origin', Value: PRIMARY },
        { Key: 'lifeboat:source', Value: 'orders' },
        { Key: 'lifeboat:scheduled-at', Value: '2026-11-24T12:00:00.000Z' },
      ]),
    });
  });

  it('once the DR copy is available, deletes the shareable copy (ending its share) and leaves the primary alone', async () => {
    const shareable = dbSnapshot(SHAREABLE, {
      TagList: [...MANAGED_TAGS, { Key: 'lifeboat:copy-of', Value: arnOf(PRIMARY) }],
    });
    sourceRds.on(DescribeDBSnapshotsCommand).callsFake(describeFrom({ [SHAREABLE]: shareable }));
    sourceRds.on(DeleteDBSnapshotCommand).resolves({});
    drRds.on(DescribeDBSnapshotsCommand).callsFake(describeFrom({ [DR_COPY]: dbSnapshot(DR_COPY) }));

    const result = await copyToDrAccount();

    expect(result.targets.map((t) => t.outcome)).toEqual(['copied']);
    expect(sourceRds).toHaveReceivedCommandTimes(DeleteDBSnapshotCommand, 1);
    expect(sourceRds).toHaveReceivedCommandWith(DeleteDBSnapshotCommand, { DBSnapshotIdentifier: SHAREABLE });
    expect(sourceRds).not.toHaveReceivedCommand(ModifyDBSnapshotAttributeCommand);
    expect(drRds).not.toHaveReceivedCommand(CopyDBSnapshotCommand);
  });

  it('shares a snapshot already under the shareable key itself, and unshares it when the DR copy is available', async () => {
    const underShareKey = primary({ encrypted: true, kmsKeyId: SHARE_KEY });
    sourceRds.on(ModifyDBSnapshotAttributeCommand).resolves({});
    drRds
      .on(DescribeDBSnapshotsCommand)
      .rejectsOnce(notFound(DR_COPY))
      .resolves({ DBSnapshots: [dbSnapshot(DR_COPY)] });
    drRds.on(CopyDBSnapshotCommand).resolves({ DBSnapshot: dbSnapshot(DR_COPY, { Status: 'pending' }) });
    const policy = goldPolicy([drTarget]);

    const started = await copyToTargets({
      snapshot: underShareKey,
      policyName: 'gold',
      policy,
      deps,
      now: NOW,
    });
    const finished = await copyToTargets({
      snapshot: underShareKey,
      policyName: 'gold',
      policy,
      deps,
      now: NOW,
    });

    expect([...started.targets, ...finished.targets].map((t) => t.outcome)).toEqual(['started', 'copied']);
    expect(sourceRds).not.toHaveReceivedCommand(CopyDBSnapshotCommand);
    expect(drRds).toHaveReceivedCommandWith(CopyDBSnapshotCommand, {
      SourceDBSnapshotIdentifier: arnOf(PRIMARY),
    });
    expect(sourceRds).toHaveReceivedNthCommandWith(ModifyDBSnapshotAttributeCommand, 1, {
      DBSnapshotIdentifier: PRIMARY,
      ValuesToAdd: [DR_ACCOUNT],
    });
    expect(sourceRds).toHaveReceivedNthCommandWith(ModifyDBSnapshotAttributeCommand, 2, {
      DBSnapshotIdentifier: PRIMARY,
      ValuesToRemove: [DR_ACCOUNT],
    });
  });

  it('waits while the DR copy is still copying: no second share, no second copy', async () => {
    drRds
      .on(DescribeDBSnapshotsCommand)
      .callsFake(
        describeFrom({ [DR_COPY]: dbSnapshot(DR_COPY, { Status: 'copying', PercentProgress: 40 }) }),
      );

    const result = await copyToDrAccount();

    expect(result.targets).toEqual([
      expect.objectContaining({ outcome: 'in-progress', reason: `copy ${DR_COPY} is copying, 40%` }),
    ]);
    expect(sourceRds).not.toHaveReceivedCommand(ModifyDBSnapshotAttributeCommand);
    expect(drRds).not.toHaveReceivedCommand(CopyDBSnapshotCommand);
  });
});

describe('copyToTargets, an unencrypted Aurora cluster', () => {
  const CLUSTER_PRIMARY = 'lifeboat-billing-20261124t1200';
  const clusterArn = `arn:aws:rds:us-east-1:${SOURCE_ACCOUNT}:cluster-snapshot:${CLUSTER_PRIMARY}`;
  const cluster = primary({ kind: 'cluster', id: CLUSTER_PRIMARY, arn: clusterArn, sourceId: 'billing' });
  const copyRefusingKeys = async (input: {
    KmsKeyId?: string;
    TargetDBClusterSnapshotIdentifier?: string;
  }) => {
    // "If you copy an unencrypted DB cluster snapshot and specify a value for the KmsKeyId parameter,
    // an error is returned" (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CopyDBClusterSnapshot.html).
    if (input.KmsKeyId !== undefined) {
      throw await rdsErrorResponse({
        code: 'InvalidParameterCombination',
        message: 'Cannot encrypt an unencrypted DB cluster snapshot while copying it.',
      });
    }
    return {
      DBClusterSnapshot: {
        DBClusterSnapshotIdentifier: input.TargetDBClusterSnapshotIdentifier,
        Status: 'copying',
        StorageEncrypted: false,
      },
    };
  };

  it('shares the unencrypted snapshot itself with a DR account in its region and copies it there with no key, when the policy allows', async () => {
    drRds
      .on(DescribeDBClusterSnapshotsCommand)
      .rejects(rdsFault(DBClusterSnapshotNotFoundFault, 'DBClusterSnapshot not found.', 404));
    drRds.on(CopyDBClusterSnapshotCommand).callsFake(copyRefusingKeys);
    sourceRds.on(ModifyDBClusterSnapshotAttributeCommand).resolves({});
    // In another region a cluster snapshot takes two steps (test/unit/use-cases/dr-account-copy.test.ts).
    const policy = goldPolicyFile({
      copies: [{ ...drTarget, region: 'us-east-1' }],
      unencryptedSources: { clusters: 'copy-unencrypted' },
    }).policies.gold!;
    const drHere = {
      ...deps,
      storeFor: () => new RdsSnapshotStore({ client: drClient, region: 'us-east-1' }),
    };

    const result = await copyToTargets({
      snapshot: cluster,
      policyName: 'gold',
      policy,
      deps: drHere,
      now: NOW,
    });

    expect(result.targets.map((t) => t.outcome)).toEqual(['started']);
    expect(sourceRds).not.toHaveReceivedCommand(CopyDBClusterSnapshotCommand);
    expect(sourceRds).toHaveReceivedCommandWith(ModifyDBClusterSnapshotAttributeCommand, {
      DBClusterSnapshotIdentifier: CLUSTER_PRIMARY,
      ValuesToAdd: [DR_ACCOUNT],
    });
    expect(drRds).toHaveReceivedCommandWith(CopyDBClusterSnapshotCommand, {
      SourceDBClusterSnapshotIdentifier: clusterArn,
      KmsKeyId: undefined,
    });
  });

  it('refuses under the default policy without asking RDS, in another region and in another account', async () => {
    const policy = goldPolicy([drTarget, { region: 'eu-central-1', kmsKeyId: FRA_KEY }]);

    const result = await copyToTargets({ snapshot: cluster, policyName: 'gold', policy, deps, now: NOW });

    expect(result.targets.map((t) => [t.outcome, t.blocker])).toEqual([
      ['refused', 'unencrypted-cluster'],
      ['refused', 'unencrypted-cluster'],
    ]);
    for (const client of [sourceRds, drRds, fraRds]) {
      expect(client).not.toHaveReceivedCommand(CopyDBClusterSnapshotCommand);
      expect(client).not.toHaveReceivedCommand(ModifyDBClusterSnapshotAttributeCommand);
    }
  });
});

describe('copyToTargets, partial failure', () => {
  it('goes on to the next target when one is refused for the snapshot quota, and calls that retry-later, not failed', async () => {
    drRds.on(DescribeDBSnapshotsCommand).callsFake(describeFrom({}));
    drRds
      .on(CopyDBSnapshotCommand)
      .rejects(rdsFault(SnapshotQuotaExceededFault, 'Cannot create more than 100 manual snapshots'));
    fraRds.on(DescribeDBSnapshotsCommand).callsFake(describeFrom({}));
    fraRds
      .on(CopyDBSnapshotCommand)
      .resolves({ DBSnapshot: dbSnapshot(`${PRIMARY}-eu-central-1`, { Status: 'pending' }) });
    const policy = goldPolicy([
      { region: 'eu-west-1', kmsKeyId: EU_KEY },
      { region: 'eu-central-1', kmsKeyId: FRA_KEY },
    ]);

    const result = await copyToTargets({ snapshot: primary(), policyName: 'gold', policy, deps, now: NOW });

    expect(result.targets.map((t) => [t.target, t.outcome])).toEqual([
      ['eu-west-1', 'retry-later'],
      ['eu-central-1', 'started'],
    ]);
    expect(fraRds).toHaveReceivedCommandWith(CopyDBSnapshotCommand, {
      SourceDBSnapshotIdentifier: arnOf(PRIMARY),
      KmsKeyId: FRA_KEY,
    });
    expect(failuresOf([result])).toBeUndefined();
  });

  it('reports a target that failed for good, after trying the others', async () => {
    drRds.on(DescribeDBSnapshotsCommand).rejects(
      await rdsErrorResponse({
        code: 'AccessDenied',
        message: `User: arn:aws:sts::${DR_ACCOUNT}:assumed-role/lifeboat-dr/copy is not authorized to perform: rds:DescribeDBSnapshots`,
        status: 403,
      }),
    );
    fraRds.on(DescribeDBSnapshotsCommand).callsFake(describeFrom({}));
    fraRds.on(CopyDBSnapshotCommand).resolves({ DBSnapshot: dbSnapshot(`${PRIMARY}-eu-central-1`) });
    const policy = goldPolicy([drTarget, { region: 'eu-central-1', kmsKeyId: FRA_KEY }]);

    const result = await copyToTargets({ snapshot: primary(), policyName: 'gold', policy, deps, now: NOW });

    expect(result.targets.map((t) => t.outcome)).toEqual(['failed', 'started']);
    expect(failuresOf([result])?.message).toMatch(
      new RegExp(
        `copies failed: ${PRIMARY} to ${DR_ACCOUNT}/eu-west-1: AccessDenied: User: .* is not authorized`,
      ),
    );
  });
});

describe('sweepCopies', () => {
  it('sweeps an old snapshot whose shareable copy is still there, and ends the share once the DR copy is done', async () => {
    const old = 'lifeboat-orders-20261001t1200';
    const oldShareable = `${old}-share-${DR_ACCOUNT}`;
    const scheduledLongAgo = [
      ...MANAGED_TAGS.filter((t) => t.Key !== 'lifeboat:scheduled-at'),
      { Key: 'lifeboat:scheduled-at', Value: '2026-10-01T12:00:00.000Z' },
      { Key: 'lifeboat:tier', Value: 'primary' },
    ];
    const inSource = {
      [old]: dbSnapshot(old, { TagList: scheduledLongAgo }),
      [oldShareable]: dbSnapshot(oldShareable, {
        TagList: [...scheduledLongAgo, { Key: 'lifeboat:copy-of', Value: arnOf(old) }],
      }),
      'lifeboat-catalog-20261001t1200': dbSnapshot('lifeboat-catalog-20261001t1200', {
        TagList: scheduledLongAgo,
      }),
    };
    sourceRds
      .on(DescribeDBSnapshotsCommand)
      .callsFake((input: { DBSnapshotIdentifier?: string }) =>
        input.DBSnapshotIdentifier ? describeFrom(inSource)(input) : { DBSnapshots: Object.values(inSource) },
      );
    sourceRds.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [] });
    sourceRds.on(DeleteDBSnapshotCommand).resolves({});
    drRds
      .on(DescribeDBSnapshotsCommand)
      .callsFake(
        describeFrom({ [`${old}-eu-west-1-${DR_ACCOUNT}`]: dbSnapshot(`${old}-eu-west-1-${DR_ACCOUNT}`) }),
      );

    const result = await sweepCopies({
      policies: goldPolicyFile({ copies: [drTarget] }),
      now: new Date('2026-11-24T12:30:00Z'),
      lookbackHours: 48,
      deps,
    });

    expect(result.snapshots.map((s) => [s.snapshot, s.targets.map((t) => t.outcome)])).toEqual([
      [old, ['copied']],
    ]);
    expect(sourceRds).toHaveReceivedCommandTimes(DeleteDBSnapshotCommand, 1);
    expect(sourceRds).toHaveReceivedCommandWith(DeleteDBSnapshotCommand, {
      DBSnapshotIdentifier: oldShareable,
    });
  });
});

describe('copyToTargets, a DR copy that RDS failed', () => {
  const EU_COPY = `${PRIMARY}-eu-west-1`;
  const policy = goldPolicy([{ region: 'eu-west-1', kmsKeyId: EU_KEY }]);
  const MARK = 'lifeboat:copy-announced:eu-west-1';
  const failedCopy = dbSnapshot(EU_COPY, {
    DBSnapshotArn: arnOf(EU_COPY, SOURCE_ACCOUNT, 'eu-west-1'),
    Status: 'failed',
    TagList: [...MANAGED_TAGS, { Key: 'lifeboat:copy-of', Value: arnOf(PRIMARY) }],
  });
  const withMark = (value: string | undefined) =>
    primary(value === undefined ? {} : { tags: { ...primary().tags, [MARK]: value } });
  const marked = () =>
    sourceRds.commandCalls(AddTagsToResourceCommand).map((call) => call.args[0].input.Tags?.[0]?.Value);

  it('announces the first failure once, deletes the failed copy and retries, and gives up after the last attempt', async () => {
    drRds.on(DescribeDBSnapshotsCommand).callsFake(describeFrom({ [EU_COPY]: failedCopy }));
    drRds.on(DeleteDBSnapshotCommand).resolves({});

    const first = await copyToTargets({
      snapshot: withMark(undefined),
      policyName: 'gold',
      policy,
      deps,
      now: NOW,
    });
    const second = await copyToTargets({
      snapshot: withMark('failed-1'),
      policyName: 'gold',
      policy,
      deps,
      now: NOW,
    });
    const third = await copyToTargets({
      snapshot: withMark('failed-2'),
      policyName: 'gold',
      policy,
      deps,
      now: NOW,
    });

    expect(
      [first, second, third].map((r) => [
        r.targets[0]!.outcome,
        r.targets[0]!.blocker,
        r.targets[0]!.announce,
      ]),
    ).toEqual([
      ['retry-later', 'copy-failed', true],
      ['retry-later', 'copy-failed', false],
      ['refused', 'retries-exhausted', true],
    ]);
    expect(marked()).toEqual(['failed-1', 'failed-2', 'failed-2 gave-up']);
    expect(drRds).toHaveReceivedCommandTimes(DeleteDBSnapshotCommand, 3);
    expect(drRds).toHaveReceivedCommandWith(DeleteDBSnapshotCommand, { DBSnapshotIdentifier: EU_COPY });
    expect(drRds).not.toHaveReceivedCommand(CopyDBSnapshotCommand);
    const messages = copyNotifications([first, second, third], NOW);
    expect(messages.map((m) => [m.kind, m.severity])).toEqual([
      ['copy.failed', 'critical'],
      ['copy.failed', 'critical'],
    ]);
    expect(messages[1]!.summary).toMatch(/gave up/);
  });

  it('copies again on the pass after the failed copy was deleted, and not at all once it gave up', async () => {
    drRds.on(DescribeDBSnapshotsCommand).callsFake(describeFrom({}));
    drRds.on(CopyDBSnapshotCommand).resolves({ DBSnapshot: dbSnapshot(EU_COPY, { Status: 'pending' }) });

    const retried = await copyToTargets({
      snapshot: withMark('failed-1'),
      policyName: 'gold',
      policy,
      deps,
      now: NOW,
    });
    const gaveUp = await copyToTargets({
      snapshot: withMark('failed-2 gave-up'),
      policyName: 'gold',
      policy,
      deps,
      now: NOW,
    });

    expect(retried.targets[0]!.outcome).toBe('started');
    expect(gaveUp.targets[0]).toMatchObject({
      outcome: 'refused',
      blocker: 'retries-exhausted',
      announce: false,
    });
    expect(drRds).toHaveReceivedCommandTimes(CopyDBSnapshotCommand, 1);
    expect(copyNotifications([gaveUp], NOW)).toEqual([]);
  });

  it.each([
    ['that is no longer failed', { Status: 'copying' }, /copying, not failed/],
    ['that is not a copy', { TagList: MANAGED_TAGS }, /not a copy/],
    ['not named lifeboat-*', { DBSnapshotIdentifier: 'orders-by-hand' }, /not named lifeboat-/],
    [
      'not managed',
      { TagList: [{ Key: 'lifeboat:copy-of', Value: arnOf(PRIMARY) }] },
      /not tagged lifeboat:managed/,
    ],
  ] as Array<[string, Partial<DBSnapshot>, RegExp]>)(
    'refuses to delete, as a failed copy, a snapshot %s',
    async (_label, now, message) => {
      const current: DBSnapshot = { ...failedCopy, ...now };
      drRds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [current] });
      const store = new RdsSnapshotStore({ client: drClient, region: 'eu-west-1' });

      const run = store.deleteSnapshot(
        { ...primary(), id: current.DBSnapshotIdentifier!, status: 'failed' },
        { failedCopy: true },
      );

      await expect(run).rejects.toBeInstanceOf(GuardRefusedError);
      await expect(run).rejects.toThrow(message);
      expect(drRds).not.toHaveReceivedCommand(DeleteDBSnapshotCommand);
    },
  );

  it('announces once a copy still copying a day after its snapshot was taken', async () => {
    drRds
      .on(DescribeDBSnapshotsCommand)
      .callsFake(
        describeFrom({ [EU_COPY]: dbSnapshot(EU_COPY, { Status: 'copying', PercentProgress: 12 }) }),
      );
    const dayLater = new Date('2026-11-25T12:30:00Z');

    const early = await copyToTargets({
      snapshot: withMark(undefined),
      policyName: 'gold',
      policy,
      deps,
      now: NOW,
    });
    const late = await copyToTargets({
      snapshot: withMark(undefined),
      policyName: 'gold',
      policy,
      deps,
      now: dayLater,
    });
    const again = await copyToTargets({
      snapshot: withMark('overdue'),
      policyName: 'gold',
      policy,
      deps,
      now: dayLater,
    });

    expect(
      [early, late, again].map((r) => [r.targets[0]!.outcome, r.targets[0]!.blocker, r.targets[0]!.announce]),
    ).toEqual([
      ['in-progress', undefined, undefined],
      ['in-progress', 'overdue', true],
      ['in-progress', 'overdue', false],
    ]);
    expect(copyNotifications([early, late, again], dayLater).map((m) => [m.kind, m.severity])).toEqual([
      ['copy.overdue', 'warning'],
    ]);
  });
});

describe('copyToTargets, the manual snapshot quota and the copies in flight', () => {
  const policy = goldPolicy([{ region: 'eu-west-1', kmsKeyId: EU_KEY }]);
  const refusedWith = (message: string) => {
    drRds.on(DescribeDBSnapshotsCommand).callsFake(describeFrom({}));
    drRds.on(CopyDBSnapshotCommand).rejects(rdsFault(SnapshotQuotaExceededFault, message));
  };

  it('tells the manual snapshot quota once, and keeps retrying', async () => {
    refusedWith('Cannot create more than 100 manual snapshots');
    const marked = primary({ tags: { ...primary().tags, 'lifeboat:copy-announced:eu-west-1': 'quota' } });

    const first = await copyToTargets({ snapshot: primary(), policyName: 'gold', policy, deps, now: NOW });
    const again = await copyToTargets({ snapshot: marked, policyName: 'gold', policy, deps, now: NOW });

    expect(
      [first, again].map((r) => [r.targets[0]!.outcome, r.targets[0]!.blocker, r.targets[0]!.announce]),
    ).toEqual([
      ['retry-later', 'snapshot-quota', true],
      ['retry-later', 'snapshot-quota', false],
    ]);
    const messages = copyNotifications([first, again], NOW);
    expect(messages.map((m) => [m.kind, m.severity, m.region])).toEqual([
      ['quota.warning', 'critical', 'eu-west-1'],
    ]);
    expect(failuresOf([first, again])).toBeUndefined();
  });

  it('takes SnapshotQuotaExceeded for copies in flight as passing, with nothing to tell', async () => {
    refusedWith('Cannot copy more than 5 snapshots across regions');

    const result = await copyToTargets({ snapshot: primary(), policyName: 'gold', policy, deps, now: NOW });

    expect(result.targets[0]).toMatchObject({
      outcome: 'retry-later',
      reason: expect.stringMatching(/in progress/),
    });
    expect(result.targets[0]!.blocker).toBeUndefined();
    expect(copyNotifications([result], NOW)).toEqual([]);
    expect(sourceRds).not.toHaveReceivedCommand(AddTagsToResourceCommand);
  });
});

describe('copyToTargets, copies in flight per kind', () => {
  const policy = goldPolicy([{ region: 'eu-west-1', kmsKeyId: EU_KEY }]);
  const clusterArn = `arn:aws:rds:us-east-1:${SOURCE_ACCOUNT}:cluster-snapshot:lifeboat-billing-20261124t1200`;
  const cluster = primary({
    kind: 'cluster',
    id: 'lifeboat-billing-20261124t1200',
    arn: clusterArn,
    sourceId: 'billing',
    encrypted: true,
    kmsKeyId: EU_KEY,
  });
  const copying = (n: number) =>
    Array.from({ length: n }, (_, i) => ({
      DBClusterSnapshotIdentifier: `someone-elses-${i}`,
      SnapshotType: 'manual',
      Status: 'copying',
    }));
  const inEuWest = (running: number) => {
    drRds
      .on(DescribeDBClusterSnapshotsCommand)
      .callsFake((input: { DBClusterSnapshotIdentifier?: string }) => {
        if (input.DBClusterSnapshotIdentifier) {
          throw rdsFault(DBClusterSnapshotNotFoundFault, 'DBClusterSnapshot not found.', 404);
        }
        return { DBClusterSnapshots: copying(running) };
      });
    drRds.on(CopyDBClusterSnapshotCommand).resolves({ DBClusterSnapshot: { Status: 'copying' } });
  };

  it('waits for the next sweep at 5 Aurora cluster copies in progress, without asking RDS', async () => {
    inEuWest(5);

    const result = await copyToTargets({ snapshot: cluster, policyName: 'gold', policy, deps, now: NOW });

    expect(result.targets[0]).toMatchObject({
      outcome: 'retry-later',
      reason: expect.stringMatching(/5 cluster snapshot copies already in progress in eu-west-1/),
    });
    expect(drRds).not.toHaveReceivedCommand(CopyDBClusterSnapshotCommand);
    expect(copyNotifications([result], NOW)).toEqual([]);
  });

  it('copies a cluster snapshot at 4 in progress, and a DB snapshot with 5 DB snapshot copies in progress', async () => {
    inEuWest(4);
    drRds.on(DescribeDBSnapshotsCommand).callsFake((input: { DBSnapshotIdentifier?: string }) =>
      input.DBSnapshotIdentifier
        ? describeFrom({})(input)
        : {
            DBSnapshots: Array.from({ length: 5 }, (_, i) => dbSnapshot(`other-${i}`, { Status: 'copying' })),
          },
    );
    drRds
      .on(CopyDBSnapshotCommand)
      .resolves({ DBSnapshot: dbSnapshot(`${PRIMARY}-eu-west-1`, { Status: 'pending' }) });
    const instance = primary({ encrypted: true, kmsKeyId: EU_KEY });

    const clusterResult = await copyToTargets({
      snapshot: cluster,
      policyName: 'gold',
      policy,
      deps,
      now: NOW,
    });
    const instanceResult = await copyToTargets({
      snapshot: instance,
      policyName: 'gold',
      policy,
      deps,
      now: NOW,
    });

    expect([clusterResult, instanceResult].map((r) => r.targets[0]!.outcome)).toEqual(['started', 'started']);
  });
});
