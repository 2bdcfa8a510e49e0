import {
  AddTagsToResourceCommand,
  CopyDBClusterSnapshotCommand,
  DBClusterSnapshotNotFoundFault,
  DeleteDBClusterSnapshotCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBSnapshotsCommand,
  ModifyDBClusterSnapshotAttributeCommand,
  RDSClient,
  type RDSClientResolvedConfig,
  type ServiceInputTypes,
  type ServiceOutputTypes,
  type DBClusterSnapshot,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { RdsSnapshotStore } from '../../../lib/adapters/aws/rds-snapshots.js';
import type { Snapshot } from '../../../lib/core/model.js';
import { copyNotifications } from '../../../lib/core/notification/outcomes.js';
import type { CopyTargetPolicy } from '../../../lib/core/policy/schema.js';
import { copyToTargets, sweepCopies, type CopyDeps } from '../../../lib/core/use-cases/copy-snapshot.js';
import { goldPolicyFile } from '../../support/policies.js';
import { rdsErrorResponse, rdsFault } from '../../support/sdk-errors.js';

/*
 * An Aurora cluster snapshot bound for a DR account in another region. RDS (unlike moto) refuses
 * the single step: "You can't copy a DB cluster snapshot across Regions and accounts in a single
 * step" (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_CopySnapshot.html), "You
 * can only copy DB cluster snapshots across accounts in the same AWS Region"
 * (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_CopyDBClusterSnapshot.CrossAccount.html).
 * AWS documents no error code for it: the RDS mock answers InvalidParameterValue, a common error of
 * every RDS action (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/CommonErrors.html),
 * with the constraint on SourceDBClusterSnapshotIdentifier from
 * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CopyDBClusterSnapshot.html.
 * Each client answers from its own snapshots, so a step sees what the steps before it made.
 */

const SOURCE_ACCOUNT = '111111111111';
const DR_ACCOUNT = '222222222222';
const DR_KEY = `arn:aws:kms:eu-west-1:${DR_ACCOUNT}:key/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee`;
const SHARE_KEY = `arn:aws:kms:us-east-1:${SOURCE_ACCOUNT}:key/66666666-7777-8888-9999-000000000000`;
const TARGET_SHARE_KEY = `arn:aws:kms:eu-west-1:${SOURCE_ACCOUNT}:key/77777777-8888-9999-0000-111111111111`;
const HOME_KEY = `arn:aws:kms:us-east-1:${SOURCE_ACCOUNT}:key/12121212-3434-5656-7878-909090909090`;
const PRIMARY = 'lifeboat-billing-20261124t1200';
const SHAREABLE = `${PRIMARY}-share-${DR_ACCOUNT}`;
const DR_COPY = `${PRIMARY}-eu-west-1-${DR_ACCOUNT}`;
const NOW = new Date('2026-11-24T12:30:00Z');
const arnOf = (id: string, region: string, account = SOURCE_ACCOUNT) =>
  `arn:aws:rds:${region}:${account}:cluster-snapshot:${id}`;
const MANAGED = {
  'lifeboat:managed': 'true',
  'lifeboat:policy': 'gold',
  'lifeboat:source': 'billing',
  'lifeboat:tier': 'primary',
  'lifeboat:scheduled-at': '2026-11-24T12:00:00.000Z',
};

const drTarget = {
  region: 'eu-west-1',
  account: DR_ACCOUNT,
  shareKmsKeyId: SHARE_KEY,
  targetShareKmsKeyId: TARGET_SHARE_KEY,
  kmsKeyId: DR_KEY,
};

function primary(extra: Partial<Snapshot> = {}): Snapshot {
  return {
    kind: 'cluster',
    id: PRIMARY,
    arn: arnOf(PRIMARY, 'us-east-1'),
    sourceId: 'billing',
    type: 'manual',
    status: 'available',
    encrypted: true,
    kmsKeyId: HOME_KEY,
    region: 'us-east-1',
    tags: { ...MANAGED },
    ...extra,
  };
}

type RdsMock = ReturnType<typeof mockClient<ServiceInputTypes, ServiceOutputTypes, RDSClientResolvedConfig>>;

/** One region of one account, as RDS answers for its cluster snapshots. */
function site(rds: RdsMock, region: string, account: string) {
  const snapshots = new Map<string, DBClusterSnapshot>();
  rds.on(DescribeDBClusterSnapshotsCommand).callsFake((input: { DBClusterSnapshotIdentifier?: string }) => {
    const found = input.DBClusterSnapshotIdentifier
      ? snapshots.get(input.DBClusterSnapshotIdentifier)
      : undefined;
    if (input.DBClusterSnapshotIdentifier && !found) {
      throw rdsFault(
        DBClusterSnapshotNotFoundFault,
        `DBClusterSnapshot ${input.DBClusterSnapshotIdentifier} not found.`,
        404,
      );
    }
    return { DBClusterSnapshots: found ? [found] : [...snapshots.values()] };
  });
  rds
    .on(CopyDBClusterSnapshotCommand)
    .callsFake(
      async (input: {
        SourceDBClusterSnapshotIdentifier: string;
        TargetDBClusterSnapshotIdentifier: string;
        KmsKeyId?: string;
        Tags?: Array<{ Key: string; Value: string }>;
      }) => {
        const [, , , sourceRegion, sourceAccount] = input.SourceDBClusterSnapshotIdentifier.split(':');
        if (sourceRegion !== region && sourceAccount !== account) {
          throw await rdsErrorResponse({
            code: 'InvalidParameterValue',
            message:
              'You can only copy a shared DB cluster snapshot, whether encrypted or not, in the same AWS Region.',
          });
        }
        const copy: DBClusterSnapshot = {
          DBClusterSnapshotIdentifier: input.TargetDBClusterSnapshotIdentifier,
          DBClusterSnapshotArn: arnOf(input.TargetDBClusterSnapshotIdentifier, region, account),
          DBClusterIdentifier: 'billing',
          SnapshotType: 'manual',
          Status: 'available',
          StorageEncrypted: input.KmsKeyId !== undefined,
          KmsKeyId: input.KmsKeyId,
          TagList: input.Tags,
        };
        snapshots.set(input.TargetDBClusterSnapshotIdentifier, copy);
        return { DBClusterSnapshot: { ...copy, Status: 'copying' } };
      },
    );
  rds.on(ModifyDBClusterSnapshotAttributeCommand).resolves({});
  rds.on(DeleteDBClusterSnapshotCommand).callsFake((input: { DBClusterSnapshotIdentifier: string }) => {
    snapshots.delete(input.DBClusterSnapshotIdentifier);
    return {};
  });
  rds.on(AddTagsToResourceCommand).resolves({});
  return snapshots;
}

const sourceClient = new RDSClient({ region: 'us-east-1' });
const primaryEuClient = new RDSClient({ region: 'eu-west-1' });
const drClient = new RDSClient({ region: 'eu-west-1' });
const sourceRds = mockClient(sourceClient);
const primaryEuRds = mockClient(primaryEuClient);
const drRds = mockClient(drClient);
afterEach(() => {
  sourceRds.reset();
  primaryEuRds.reset();
  drRds.reset();
});

const deps: CopyDeps = {
  source: new RdsSnapshotStore({ client: sourceClient, region: 'us-east-1' }),
  storeFor: (target: CopyTargetPolicy) =>
    target.account
      ? new RdsSnapshotStore({ client: drClient, region: target.region })
      : new RdsSnapshotStore({ client: primaryEuClient, region: target.region }),
};

function world() {
  return {
    source: site(sourceRds, 'us-east-1', SOURCE_ACCOUNT),
    primaryEu: site(primaryEuRds, 'eu-west-1', SOURCE_ACCOUNT),
    dr: site(drRds, 'eu-west-1', DR_ACCOUNT),
  };
}

const copyOnce = (snapshot: Snapshot, copies: object[] = [drTarget], extra: object = {}) =>
  copyToTargets({
    snapshot,
    policyName: 'gold',
    policy: goldPolicyFile({ copies, ...extra }).policies.gold!,
    deps,
    now: NOW,
  });

describe('copyToTargets, an Aurora cluster snapshot for a DR account in another region', () => {
  it('copies it into that region under the target share key, shares that copy there, has the DR account copy it there, then deletes the copy in between', async () => {
    const sites = world();
    const snapshot = primary();

    const first = await copyOnce(snapshot);

    expect(first.targets.map((t) => t.outcome)).toEqual(['awaiting-shareable-copy']);
    expect(primaryEuRds).toHaveReceivedCommandWith(CopyDBClusterSnapshotCommand, {
      SourceDBClusterSnapshotIdentifier: snapshot.arn,
      TargetDBClusterSnapshotIdentifier: SHAREABLE,
      KmsKeyId: TARGET_SHARE_KEY,
      Tags: expect.arrayContaining([
        { Key: 'lifeboat:managed', Value: 'true' },
        { Key: 'lifeboat:copy-of', Value: snapshot.arn },
        { Key: 'lifeboat:target', Value: `${DR_ACCOUNT}/eu-west-1` },
      ]),
    });
    expect(drRds).not.toHaveReceivedCommand(CopyDBClusterSnapshotCommand);

    const second = await copyOnce(snapshot);

    expect(second.targets.map((t) => t.outcome)).toEqual(['started']);
    expect(primaryEuRds).toHaveReceivedCommandWith(ModifyDBClusterSnapshotAttributeCommand, {
      DBClusterSnapshotIdentifier: SHAREABLE,
      AttributeName: 'restore',
      ValuesToAdd: [DR_ACCOUNT],
    });
    expect(drRds).toHaveReceivedCommandWith(CopyDBClusterSnapshotCommand, {
      SourceDBClusterSnapshotIdentifier: arnOf(SHAREABLE, 'eu-west-1'),
      TargetDBClusterSnapshotIdentifier: DR_COPY,
      KmsKeyId: DR_KEY,
      Tags: expect.arrayContaining([
        { Key: 'lifeboat:tier', Value: 'dr-account' },
        { Key: 'lifeboat:origin', Value: PRIMARY },
      ]),
    });
    // Nothing is shared from the source region: the DR account could not copy it from there.
    expect(sourceRds).not.toHaveReceivedCommand(ModifyDBClusterSnapshotAttributeCommand);
    expect(sourceRds).not.toHaveReceivedCommand(CopyDBClusterSnapshotCommand);

    const third = await copyOnce(snapshot);

    expect(third.targets).toEqual([expect.objectContaining({ outcome: 'copied', announce: true })]);
    expect(primaryEuRds).toHaveReceivedCommandWith(DeleteDBClusterSnapshotCommand, {
      DBClusterSnapshotIdentifier: SHAREABLE,
    });
    expect([...sites.primaryEu.keys()]).toEqual([]);
    expect([...sites.dr.keys()]).toEqual([DR_COPY]);
    expect(sourceRds).not.toHaveReceivedCommand(DeleteDBClusterSnapshotCommand);
  });

  it('copies even a snapshot already under the source share key through the target region', async () => {
    world();

    const first = await copyOnce(primary({ kmsKeyId: SHARE_KEY }));

    expect(first.targets.map((t) => t.outcome)).toEqual(['awaiting-shareable-copy']);
    expect(sourceRds).not.toHaveReceivedCommand(ModifyDBClusterSnapshotAttributeCommand);
    expect(primaryEuRds).toHaveReceivedCommandWith(CopyDBClusterSnapshotCommand, {
      TargetDBClusterSnapshotIdentifier: SHAREABLE,
      KmsKeyId: TARGET_SHARE_KEY,
    });
  });

  it('copies an unencrypted cluster the same two ways with no key, when the policy allows it unencrypted', async () => {
    world();
    const snapshot = primary({ encrypted: false, kmsKeyId: undefined });
    const allow = { unencryptedSources: { clusters: 'copy-unencrypted' } };

    await copyOnce(snapshot, [drTarget], allow);
    const second = await copyOnce(snapshot, [drTarget], allow);

    expect(second.targets.map((t) => t.outcome)).toEqual(['started']);
    expect(primaryEuRds).toHaveReceivedCommandWith(CopyDBClusterSnapshotCommand, {
      TargetDBClusterSnapshotIdentifier: SHAREABLE,
      KmsKeyId: undefined,
    });
    expect(drRds).toHaveReceivedCommandWith(CopyDBClusterSnapshotCommand, {
      SourceDBClusterSnapshotIdentifier: arnOf(SHAREABLE, 'eu-west-1'),
      KmsKeyId: undefined,
    });
  });

  it('refuses once, saying what to set, when the target has no key in its region, and asks RDS for nothing', async () => {
    world();
    const snapshot = primary();
    const { targetShareKmsKeyId: _none, ...withoutKey } = drTarget;

    const result = await copyOnce(snapshot, [withoutKey]);

    expect(result.targets).toEqual([
      expect.objectContaining({ outcome: 'refused', blocker: 'no-target-share-key', announce: true }),
    ]);
    for (const client of [sourceRds, primaryEuRds, drRds]) {
      expect(client).not.toHaveReceivedCommand(CopyDBClusterSnapshotCommand);
      expect(client).not.toHaveReceivedCommand(ModifyDBClusterSnapshotAttributeCommand);
    }
    const [told, ...more] = copyNotifications([result], NOW);
    expect(more).toEqual([]);
    expect(told).toMatchObject({ kind: 'copy.failed', severity: 'critical' });
    expect(told!.action).toMatch(/targetShareKmsKeyId/);

    const again = await copyOnce(snapshot, [withoutKey]);
    expect(again.targets).toEqual([expect.objectContaining({ outcome: 'refused', announce: false })]);
    expect(copyNotifications([again], NOW)).toEqual([]);
  });

  it('leaves a snapshot in the copy-in-between name alone when it is not a copy of this snapshot', async () => {
    const sites = world();
    sites.dr.set(DR_COPY, {
      DBClusterSnapshotIdentifier: DR_COPY,
      Status: 'available',
      SnapshotType: 'manual',
    });
    sites.primaryEu.set(SHAREABLE, {
      DBClusterSnapshotIdentifier: SHAREABLE,
      DBClusterSnapshotArn: arnOf(SHAREABLE, 'eu-west-1'),
      SnapshotType: 'manual',
      Status: 'available',
      TagList: Object.entries(MANAGED).map(([Key, Value]) => ({ Key, Value })),
    });

    const result = await copyOnce(primary());

    expect(result.targets).toEqual([
      expect.objectContaining({ outcome: 'failed', reason: expect.stringMatching(/not a copy of/) }),
    ]);
    expect(primaryEuRds).not.toHaveReceivedCommand(DeleteDBClusterSnapshotCommand);
    expect([...sites.primaryEu.keys()]).toEqual([SHAREABLE]);
  });
});

describe('sweepCopies, a cluster copy in between in the DR target region', () => {
  it('sweeps an old snapshot whose copy in between is still in the target region, and deletes it once the DR copy is there', async () => {
    const sites = world();
    const old = primary();
    sites.source.set(PRIMARY, {
      DBClusterSnapshotIdentifier: PRIMARY,
      DBClusterSnapshotArn: old.arn,
      DBClusterIdentifier: 'billing',
      SnapshotType: 'manual',
      Status: 'available',
      StorageEncrypted: true,
      KmsKeyId: HOME_KEY,
      TagList: Object.entries(MANAGED).map(([Key, Value]) => ({ Key, Value })),
    });
    sourceRds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [] });
    await copyOnce(old);
    await copyOnce(old);
    expect([...sites.dr.keys()]).toEqual([DR_COPY]);

    // A week later: only the copy in between, in eu-west-1, still points at the old snapshot.
    const swept = await sweepCopies({
      policies: goldPolicyFile({ copies: [drTarget] }),
      now: new Date('2026-12-01T12:00:00Z'),
      lookbackHours: 48,
      deps,
    });

    expect(swept.snapshots.map((s) => [s.snapshot, s.targets.map((t) => t.outcome)])).toEqual([
      [PRIMARY, ['copied']],
    ]);
    expect([...sites.primaryEu.keys()]).toEqual([]);
  });
});
