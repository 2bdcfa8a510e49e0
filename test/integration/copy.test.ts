import { readFileSync } from 'node:fs';
import {
  CopyDBClusterSnapshotCommand,
  CopyDBSnapshotCommand,
  CreateDBSnapshotCommand,
  DeleteDBSnapshotCommand,
  DescribeDBClusterSnapshotAttributesCommand,
  DescribeDBSnapshotAttributesCommand,
  ModifyDBClusterSnapshotAttributeCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { KMSClient } from '@aws-sdk/client-kms';
import { SNSClient } from '@aws-sdk/client-sns';
import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHandler, targetStores, type CopyHandlerDeps } from '../../functions/copy/handler.js';
import { RdsSnapshotStore } from '../../lib/adapters/aws/rds-snapshots.js';
import { SnsNotifier } from '../../lib/adapters/aws/sns-notifier.js';
import { assumedRoleCredentials, type StsSettings } from '../../lib/adapters/aws/sts-credentials.js';
import { InvalidInputError, NotFoundError } from '../../lib/core/errors.js';
import type { PolicyFile } from '../../lib/core/policy/schema.js';
import { TAG } from '../../lib/core/tags.js';
import type { CopyEventResult, SweepResult } from '../../lib/core/use-cases/copy-snapshot.js';
import { takePreChangeSnapshot } from '../../lib/core/use-cases/take-pre-change-snapshot.js';
import { takeSnapshots } from '../../lib/core/use-cases/take-snapshots.js';
import { lambdaContext } from '../support/lambda-context.js';
import { motoClientConfig, startMoto, type Moto } from '../support/moto.js';
import { goldPolicyFile } from '../support/policies.js';
import { createCluster, createInstance, createKey, snapshotIds } from '../support/rds-fixtures.js';
import { watchTopic, type WatchedTopic } from '../support/topic.js';

const fixture = (name: string) =>
  JSON.parse(readFileSync(`test/fixtures/events/${name}.json`, 'utf8')) as object;
const snapshotCreated = fixture('rds-db-snapshot-created');
const clusterSnapshotCreated = fixture('rds-db-cluster-snapshot-created');
const shareableCopyFinished = fixture('rds-db-snapshot-copy-finished');
const SCHEDULED = new Date('2026-11-24T12:00:00Z');
const NOW = new Date('2026-11-24T12:30:00Z');
const GOLD = { 'lifeboat:policy': 'gold' };
const DR_ACCOUNT = '222222222222';
const DR_ROLE = `arn:aws:iam::${DR_ACCOUNT}:role/lifeboat-dr-copy`;
const PRIMARY = 'lifeboat-orders-20261124t1200';

const goldPolicy = (copies: object[], extra: object = {}): PolicyFile => goldPolicyFile({ copies, ...extra });

interface World {
  moto: Moto;
  rds: RDSClient;
  euRds: RDSClient;
  source: RdsSnapshotStore;
  euStore: RdsSnapshotStore;
  sts: StsSettings;
  /** The Lifeboat topic with a queue reading it; made again after each moto reset. */
  topic?: WatchedTopic;
}

async function startWorld(options: { sharedSnapshots?: boolean } = {}): Promise<World> {
  const moto = await startMoto(options);
  const rds = new RDSClient(motoClientConfig(moto));
  const euRds = new RDSClient(motoClientConfig(moto, 'eu-west-1'));
  return {
    moto,
    rds,
    euRds,
    source: new RdsSnapshotStore({ client: rds, region: 'us-east-1' }),
    euStore: new RdsSnapshotStore({ client: euRds, region: 'eu-west-1' }),
    sts: motoClientConfig(moto),
  };
}

function copyHandler(world: World, policies: PolicyFile) {
  const deps: CopyHandlerDeps = {
    policies,
    copy: {
      source: world.source,
      storeFor: targetStores(motoClientConfig(world.moto), world.sts),
    },
    notifier: new SnsNotifier({
      topicArn: world.topic!.topicArn,
      client: new SNSClient(motoClientConfig(world.moto)),
    }),
    logger: new Logger({ serviceName: 'lifeboat-copy', logLevel: 'SILENT' }),
    now: () => NOW,
  };
  const handler = createHandler(() => deps);
  return (event: unknown) => handler(event, lambdaContext('copy'));
}

async function takeGoldSnapshots(world: World, policies: PolicyFile) {
  await takeSnapshots({
    policyName: 'gold',
    policy: policies.policies.gold!,
    scheduledAt: SCHEDULED,
    store: world.source,
  });
}

describe('copy function against moto', () => {
  let world: World;
  let euKey: string;

  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(async () => world?.moto.stop());
  beforeEach(async () => {
    await world.moto.reset();
    euKey = await createKey(new KMSClient(motoClientConfig(world.moto, 'eu-west-1')));
    world.topic = await watchTopic(world.moto);
  });

  it('copies a new snapshot to the DR region under that region key, with the original tags carried over', async () => {
    const policies = goldPolicy([{ region: 'eu-west-1', kmsKeyId: euKey }]);
    await createInstance(world.rds, 'orders', GOLD);
    await takeGoldSnapshots(world, policies);
    const primary = (await world.source.getSnapshot('instance', PRIMARY))!;

    const result = (await copyHandler(world, policies)(snapshotCreated)) as CopyEventResult;

    expect(result.copies?.targets).toEqual([
      expect.objectContaining({ target: 'eu-west-1', copyId: `${PRIMARY}-eu-west-1`, outcome: 'started' }),
    ]);
    const copy = await world.euStore.getSnapshot('instance', `${PRIMARY}-eu-west-1`);
    expect(copy).toMatchObject({ encrypted: true, kmsKeyId: euKey, sourceId: 'orders' });
    expect(copy?.tags).toEqual({
      [TAG.managed]: 'true',
      [TAG.policy]: 'gold',
      [TAG.tier]: 'dr-region',
      [TAG.source]: 'orders',
      [TAG.sourceArn]: primary.tags[TAG.sourceArn],
      [TAG.scheduledAt]: '2026-11-24T12:00:00.000Z',
      [TAG.copyOf]: primary.arn,
      [TAG.origin]: PRIMARY,
      [TAG.target]: 'eu-west-1',
    });
  });

  it('finds its own copy on a repeated event and makes no second one', async () => {
    const policies = goldPolicy([{ region: 'eu-west-1', kmsKeyId: euKey }]);
    await createInstance(world.rds, 'orders', GOLD);
    await takeGoldSnapshots(world, policies);
    const copy = copyHandler(world, policies);
    await copy(snapshotCreated);

    // A copy requested is a step on the way: nothing for chat yet.
    expect(await world.topic!.published()).toEqual([]);

    const again = (await copy(snapshotCreated)) as CopyEventResult;

    expect(again.copies?.targets.map((t) => t.outcome)).toEqual(['copied']);
    expect(await snapshotIds(world.euRds)).toEqual([`${PRIMARY}-eu-west-1`]);
    expect(await world.topic!.published()).toEqual([
      expect.objectContaining({
        kind: 'copy.done',
        severity: 'info',
        database: 'orders',
        policy: 'gold',
        region: 'eu-west-1',
        details: expect.objectContaining({ snapshot: PRIMARY, copy: `${PRIMARY}-eu-west-1` }),
      }),
    ]);

    // The sweep meets the same available copy on every pass: it is announced once, not each time.
    const third = (await copy(snapshotCreated)) as CopyEventResult;
    expect(third.copies?.targets.map((t) => t.outcome)).toEqual(['copied']);
    expect(third.copies?.targets[0]?.announce).toBe(false);
    expect(await world.topic!.published()).toEqual([]);
    const primary = await world.source.getSnapshot('instance', PRIMARY);
    expect(primary?.tags[`${TAG.copyAnnounced}eu-west-1`]).toBe('true');
  });

  it('copies an encrypted Aurora cluster snapshot named as in the AWS sample event ("rds:" prefix)', async () => {
    const policies = goldPolicy([{ region: 'eu-west-1', kmsKeyId: euKey }]);
    const homeKey = await createKey(new KMSClient(motoClientConfig(world.moto)));
    await createCluster(world.rds, 'billing', GOLD, { kmsKeyId: homeKey });
    await takeGoldSnapshots(world, policies);

    const result = (await copyHandler(world, policies)(clusterSnapshotCreated)) as CopyEventResult;

    expect(result.snapshot).toBe('lifeboat-billing-20261124t1200');
    expect(
      await world.euStore.getSnapshot('cluster', 'lifeboat-billing-20261124t1200-eu-west-1'),
    ).toMatchObject({
      kind: 'cluster',
      kmsKeyId: euKey,
      tags: expect.objectContaining({ [TAG.tier]: 'dr-region', [TAG.source]: 'billing' }),
    });
  });

  it('makes a shareable copy of an unencrypted snapshot, shares only that with the DR account, and copies as the DR account', async () => {
    const shareKey = await createKey(new KMSClient(motoClientConfig(world.moto)));
    const drKms = new KMSClient({
      ...motoClientConfig(world.moto, 'eu-west-1'),
      credentials: assumedRoleCredentials({ sts: world.sts, roleArn: DR_ROLE }),
    });
    const drKey = await createKey(drKms);
    expect(drKey).toContain(`:${DR_ACCOUNT}:`);
    const policies = goldPolicy([
      { region: 'eu-west-1', account: DR_ACCOUNT, shareKmsKeyId: shareKey, kmsKeyId: drKey },
    ]);
    await createInstance(world.rds, 'orders', GOLD);
    await takeGoldSnapshots(world, policies);
    const copy = copyHandler(world, policies);
    const shareableId = `${PRIMARY}-share-${DR_ACCOUNT}`;
    const restoreAccounts = async (id: string) =>
      (
        await world.rds.send(new DescribeDBSnapshotAttributesCommand({ DBSnapshotIdentifier: id }))
      ).DBSnapshotAttributesResult?.DBSnapshotAttributes?.find((a) => a.AttributeName === 'restore')
        ?.AttributeValues ?? [];

    // Step 1: the primary snapshot is unencrypted, so it cannot be shared as it is.
    const first = (await copy(snapshotCreated)) as CopyEventResult;
    expect(first.copies?.targets.map((t) => t.outcome)).toEqual(['awaiting-shareable-copy']);
    const shareable = await world.source.getSnapshot('instance', shareableId);
    expect(shareable).toMatchObject({ encrypted: true, kmsKeyId: shareKey });
    expect(shareable?.tags[TAG.copyOf]).toBe(`arn:aws:rds:us-east-1:123456789012:snapshot:${PRIMARY}`);
    expect(await restoreAccounts(PRIMARY)).toEqual([]);

    // Step 2: the shareable copy's completion event shares it and asks the DR account to copy it.
    // moto 5.2.1 looks the shared ARN up in the DR account's own snapshots and answers
    // DBSnapshotNotFound; the call's shape on success is covered in test/unit/use-cases/copy-snapshot.test.ts.
    await expect(copy(shareableCopyFinished)).rejects.toThrow(
      new RegExp(`copies failed: ${PRIMARY} to ${DR_ACCOUNT}/eu-west-1: NotFoundError.*DBSnapshotNotFound`),
    );
    expect(await restoreAccounts(shareableId)).toEqual([DR_ACCOUNT]);
    expect(await restoreAccounts(PRIMARY)).toEqual([]);
    expect(await snapshotIds(world.euRds)).toEqual([]);
  });

  it('refuses to copy an unencrypted snapshot when the policy says so, and creates nothing', async () => {
    const policies = goldPolicy([{ region: 'eu-west-1', kmsKeyId: euKey }], { unencryptedSources: 'refuse' });
    await createInstance(world.rds, 'orders', GOLD);
    await takeGoldSnapshots(world, policies);

    const result = (await copyHandler(world, policies)(snapshotCreated)) as CopyEventResult;

    expect(result.copies?.targets).toEqual([
      expect.objectContaining({ outcome: 'refused', reason: expect.stringMatching(/unencrypted/) }),
    ]);
    expect(await snapshotIds(world.euRds)).toEqual([]);
    const [refusal, ...more] = await world.topic!.published();
    expect(more).toEqual([]);
    expect(refusal).toMatchObject({
      kind: 'copy.failed',
      severity: 'critical',
      database: 'orders',
      region: 'eu-west-1',
    });
    expect(refusal!.action).toMatch(/unencryptedSources/);

    // The sweep refuses the same snapshot on every pass: chat hears of it once.
    const again = (await copyHandler(world, policies)(snapshotCreated)) as CopyEventResult;
    expect(again.copies?.targets).toEqual([expect.objectContaining({ outcome: 'refused', announce: false })]);
    expect(await world.topic!.published()).toEqual([]);
    const primary = await world.source.getSnapshot('instance', PRIMARY);
    expect(primary?.tags[`${TAG.copyAnnounced}eu-west-1`]).toBe('refused');
  });

  // moto 5.2.1 copies an unencrypted cluster snapshot under a KmsKeyId; RDS answers an error
  // (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CopyDBClusterSnapshot.html).
  it('refuses once, saying what to do, to copy an unencrypted Aurora cluster under the default policy, and asks RDS for nothing', async () => {
    const policies = goldPolicy([{ region: 'eu-west-1', kmsKeyId: euKey }]);
    await createCluster(world.rds, 'billing', GOLD);
    await takeGoldSnapshots(world, policies);
    const copy = copyHandler(world, policies);

    const result = (await copy(clusterSnapshotCreated)) as CopyEventResult;

    expect(result.copies?.targets).toEqual([
      expect.objectContaining({ outcome: 'refused', blocker: 'unencrypted-cluster', announce: true }),
    ]);
    expect(await snapshotIds(world.euRds)).toEqual([]);
    const [refusal, ...more] = await world.topic!.published();
    expect(more).toEqual([]);
    expect(refusal).toMatchObject({ kind: 'copy.failed', severity: 'critical', database: 'billing' });
    expect(refusal!.action).toMatch(/kms-key-id/);
    expect(refusal!.action).toMatch(/clusters: copy-unencrypted/);

    const swept = (await copy({ sweep: true })) as SweepResult;
    expect(swept.snapshots[0]?.targets).toEqual([
      expect.objectContaining({ outcome: 'refused', announce: false }),
    ]);
    expect(await world.topic!.published()).toEqual([]);
  });

  it('copies an unencrypted Aurora cluster unencrypted, with no key, when the policy allows it', async () => {
    const policies = goldPolicy([{ region: 'eu-west-1', kmsKeyId: euKey }], {
      unencryptedSources: { clusters: 'copy-unencrypted' },
    });
    await createCluster(world.rds, 'billing', GOLD);
    await takeGoldSnapshots(world, policies);

    const result = (await copyHandler(world, policies)(clusterSnapshotCreated)) as CopyEventResult;

    expect(result.copies?.targets.map((t) => t.outcome)).toEqual(['started']);
    const copy = await world.euStore.getSnapshot('cluster', 'lifeboat-billing-20261124t1200-eu-west-1');
    expect(copy).toMatchObject({
      encrypted: false,
      tags: expect.objectContaining({ [TAG.tier]: 'dr-region' }),
    });
    expect(copy?.kmsKeyId).toBeUndefined();
  });

  it('ignores snapshots that Lifeboat does not manage', async () => {
    const policies = goldPolicy([{ region: 'eu-west-1', kmsKeyId: euKey }]);
    await createInstance(world.rds, 'orders', GOLD);
    await world.rds.send(
      new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'orders', DBSnapshotIdentifier: PRIMARY }),
    );

    const result = (await copyHandler(world, policies)(snapshotCreated)) as CopyEventResult;

    expect(result.ignored).toBe('not managed by Lifeboat');
    expect(await snapshotIds(world.euRds)).toEqual([]);
  });

  it('fails with NotFoundError for an event naming a missing snapshot, and creates nothing', async () => {
    const policies = goldPolicy([{ region: 'eu-west-1', kmsKeyId: euKey }]);
    await createInstance(world.rds, 'orders', GOLD);
    const before = await snapshotIds(world.rds);

    const run = copyHandler(world, policies)(snapshotCreated);

    await expect(run).rejects.toBeInstanceOf(NotFoundError);
    await expect(run).rejects.toThrow(`instance snapshot ${PRIMARY} not found in us-east-1`);
    expect(await snapshotIds(world.rds)).toEqual(before);
    expect(await snapshotIds(world.euRds)).toEqual([]);
  });

  it.each([
    [
      'without SourceIdentifier',
      { ...snapshotCreated, detail: { EventID: 'RDS-EVENT-0042' } },
      /detail\.SourceIdentifier/,
    ],
    ['of another detail-type', { ...snapshotCreated, 'detail-type': 'RDS DB Instance Event' }, /detail-type/],
    ['from another source', { ...snapshotCreated, source: 'aws.ec2' }, /source/],
    ['sweep that is not true', { sweep: 'yes' }, /sweep/],
    ['sweep with a negative lookback', { sweep: true, lookbackHours: -1 }, /lookbackHours/],
    ['empty', {}, /neither an RDS snapshot event nor/],
  ] as const)('refuses a malformed event (%s) and creates nothing', async (_label, event, message) => {
    const policies = goldPolicy([{ region: 'eu-west-1', kmsKeyId: euKey }]);
    await createInstance(world.rds, 'orders', GOLD);
    await takeGoldSnapshots(world, policies);
    const before = await snapshotIds(world.rds);

    const run = copyHandler(world, policies)(event);

    await expect(run).rejects.toBeInstanceOf(InvalidInputError);
    await expect(run).rejects.toThrow(message);
    expect(await snapshotIds(world.rds)).toEqual(before);
    expect(await snapshotIds(world.euRds)).toEqual([]);
  });

  const otherArn = (arn: string) => arn.replace(':123456789012:', ':999999999999:');
  it.each([
    ['from another account', { ...snapshotCreated, account: '999999999999' }, /from account 999999999999/],
    ['from another region', { ...snapshotCreated, region: 'eu-west-1' }, /in eu-west-1/],
    [
      'whose SourceIdentifier is an ARN of another account',
      {
        ...snapshotCreated,
        detail: {
          ...(snapshotCreated as { detail: object }).detail,
          SourceIdentifier: otherArn(`arn:aws:rds:us-east-1:123456789012:snapshot:${PRIMARY}`),
        },
      },
      /arn:aws:rds:us-east-1:999999999999:snapshot/,
    ],
    [
      'whose SourceArn names another region',
      {
        ...snapshotCreated,
        detail: {
          ...(snapshotCreated as { detail: object }).detail,
          SourceArn: `arn:aws:rds:eu-west-1:123456789012:snapshot:${PRIMARY}`,
        },
      },
      /arn:aws:rds:eu-west-1:123456789012:snapshot/,
    ],
    [
      'whose resources name another account',
      { ...snapshotCreated, resources: [`arn:aws:rds:us-east-1:999999999999:snapshot:${PRIMARY}`] },
      /999999999999/,
    ],
  ] as const)(
    'refuses an event %s, although a local snapshot has that name, and copies nothing',
    async (_label, event, message) => {
      const policies = goldPolicy([{ region: 'eu-west-1', kmsKeyId: euKey }]);
      await createInstance(world.rds, 'orders', GOLD);
      await takeGoldSnapshots(world, policies);
      const before = await snapshotIds(world.rds);

      const run = copyHandler(world, policies)(event);

      await expect(run).rejects.toBeInstanceOf(InvalidInputError);
      await expect(run).rejects.toThrow(message);
      expect(await snapshotIds(world.rds)).toEqual(before);
      expect(await snapshotIds(world.euRds)).toEqual([]);
      expect(await world.topic!.published()).toEqual([]);
    },
  );

  it('sweeps recent snapshots whose event never came, and leaves older ones alone', async () => {
    const policies = goldPolicy([{ region: 'eu-west-1', kmsKeyId: euKey }]);
    await createInstance(world.rds, 'orders', GOLD);
    await takeGoldSnapshots(world, policies);
    await takeSnapshots({
      policyName: 'gold',
      policy: policies.policies.gold!,
      scheduledAt: new Date('2026-11-20T12:00:00Z'),
      store: world.source,
    });

    const result = (await copyHandler(world, policies)(fixture('copy-sweep'))) as SweepResult;

    expect(result.since).toBe('2026-11-22T12:30:00.000Z');
    expect(result.snapshots.map((s) => [s.snapshot, s.targets.map((t) => t.outcome)])).toEqual([
      [PRIMARY, ['started']],
    ]);
    expect(await snapshotIds(world.euRds)).toEqual([`${PRIMARY}-eu-west-1`]);
  });

  it('sweeps a pre-change snapshot to the DR region, its reason and keep-until carried so DR keeps it as long', async () => {
    const policies = goldPolicy([{ region: 'eu-west-1', kmsKeyId: euKey }]);
    await createInstance(world.rds, 'orders', GOLD);
    await takePreChangeSnapshot({
      database: 'orders',
      reason: 'migration 42',
      keepUntil: new Date('2026-12-01T00:00:00Z'),
      policies,
      requestedAt: new Date('2026-11-24T12:10:00Z'),
      store: world.source,
    });
    const pre = 'lifeboat-orders-20261124t121000-pre';

    const result = (await copyHandler(world, policies)(fixture('copy-sweep'))) as SweepResult;

    expect(result.snapshots.map((s) => [s.snapshot, s.targets.map((t) => t.outcome)])).toEqual([
      [pre, ['started']],
    ]);
    const copy = await world.euStore.getSnapshot('instance', `${pre}-eu-west-1`);
    expect(copy?.tags).toMatchObject({
      [TAG.tier]: 'dr-region',
      [TAG.reason]: 'migration 42',
      [TAG.keepUntil]: '2026-12-01T00:00:00.000Z',
      [TAG.origin]: pre,
    });
  });
});

describe('copy refused for the snapshot quota, against moto with a quota of 3', () => {
  let world: World;
  let euKey: string;

  beforeAll(async () => {
    // moto reads MOTO_RDS_SNAPSHOT_LIMIT per request and refuses with SnapshotQuotaExceeded, as RDS
    // does when the region's manual snapshot quota is used up.
    process.env.MOTO_RDS_SNAPSHOT_LIMIT = '3';
    try {
      world = await startWorld();
    } finally {
      delete process.env.MOTO_RDS_SNAPSHOT_LIMIT;
    }
    euKey = await createKey(new KMSClient(motoClientConfig(world.moto, 'eu-west-1')));
    world.topic = await watchTopic(world.moto);
  });
  afterAll(async () => world?.moto.stop());

  it('reports retry-later without failing the event, tells the quota once, and the next sweep makes the copy once room is made', async () => {
    const policies = goldPolicy([{ region: 'eu-west-1', kmsKeyId: euKey }]);
    await createInstance(world.rds, 'orders', GOLD);
    await takeGoldSnapshots(world, policies);
    const primary = (await world.source.getSnapshot('instance', PRIMARY))!;
    for (const n of [1, 2, 3]) {
      await world.euRds.send(
        new CopyDBSnapshotCommand({
          SourceDBSnapshotIdentifier: primary.arn,
          TargetDBSnapshotIdentifier: `someone-elses-${n}`,
        }),
      );
    }
    const copy = copyHandler(world, policies);

    const refused = (await copy(snapshotCreated)) as CopyEventResult;

    expect(refused.copies?.targets).toEqual([
      expect.objectContaining({
        outcome: 'retry-later',
        reason: expect.stringMatching(/SnapshotQuotaExceeded/),
      }),
    ]);
    // The quota needs a person (delete snapshots or raise it): told once, and the sweep retries.
    const [told, ...more] = await world.topic!.published();
    expect(more).toEqual([]);
    expect(told).toMatchObject({ kind: 'quota.warning', severity: 'critical', region: 'eu-west-1' });
    const again = (await copy({ sweep: true })) as SweepResult;
    expect(again.snapshots[0]?.targets).toEqual([
      expect.objectContaining({ outcome: 'retry-later', blocker: 'snapshot-quota', announce: false }),
    ]);
    expect(await world.topic!.published()).toEqual([]);

    await world.euRds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: 'someone-elses-3' }));
    const swept = (await copy({ sweep: true })) as SweepResult;

    expect(swept.snapshots[0]?.targets.map((t) => t.outcome)).toEqual(['started']);
    expect(await world.euStore.getSnapshot('instance', `${PRIMARY}-eu-west-1`)).toMatchObject({
      kmsKeyId: euKey,
    });
  });
});

describe('an Aurora cluster copied to a DR account in another region, against moto sharing as RDS does', () => {
  let world: World;

  beforeAll(async () => {
    // test/support/moto-shared-snapshots.py: the DR account finds a snapshot shared with it by ARN,
    // and a shared cluster snapshot is copied only in its own region, as RDS answers.
    world = await startWorld({ sharedSnapshots: true });
    world.topic = await watchTopic(world.moto);
  });
  afterAll(async () => world?.moto.stop());

  it('copies it into that region under the target share key, shares it there, copies it as the DR account, then deletes the copy in between', async () => {
    const drRole = assumedRoleCredentials({ sts: world.sts, roleArn: DR_ROLE });
    const drEuRds = new RDSClient({ ...motoClientConfig(world.moto, 'eu-west-1'), credentials: drRole });
    const homeKey = await createKey(new KMSClient(motoClientConfig(world.moto)));
    const shareKey = await createKey(new KMSClient(motoClientConfig(world.moto)));
    const targetShareKey = await createKey(new KMSClient(motoClientConfig(world.moto, 'eu-west-1')));
    const drKey = await createKey(
      new KMSClient({ ...motoClientConfig(world.moto, 'eu-west-1'), credentials: drRole }),
    );
    const target = {
      region: 'eu-west-1',
      account: DR_ACCOUNT,
      shareKmsKeyId: shareKey,
      targetShareKmsKeyId: targetShareKey,
      kmsKeyId: drKey,
    };
    const policies = goldPolicy([target]);
    await createCluster(world.rds, 'billing', GOLD, { kmsKeyId: homeKey });
    await takeGoldSnapshots(world, policies);
    const primaryId = 'lifeboat-billing-20261124t1200';
    const shareableId = `${primaryId}-share-${DR_ACCOUNT}`;
    const drCopyId = `${primaryId}-eu-west-1-${DR_ACCOUNT}`;
    const primary = (await world.source.getSnapshot('cluster', primaryId))!;
    const restoreAccounts = async (rds: RDSClient, id: string) =>
      (
        await rds.send(new DescribeDBClusterSnapshotAttributesCommand({ DBClusterSnapshotIdentifier: id }))
      ).DBClusterSnapshotAttributesResult?.DBClusterSnapshotAttributes?.find(
        (a) => a.AttributeName === 'restore',
      )?.AttributeValues ?? [];
    const copy = copyHandler(world, policies);

    // The one step RDS refuses, refused here too: the test would not pass on the single-step flow.
    await world.rds.send(
      new ModifyDBClusterSnapshotAttributeCommand({
        DBClusterSnapshotIdentifier: primaryId,
        AttributeName: 'restore',
        ValuesToAdd: [DR_ACCOUNT],
      }),
    );
    await expect(
      drEuRds.send(
        new CopyDBClusterSnapshotCommand({
          SourceDBClusterSnapshotIdentifier: primary.arn,
          TargetDBClusterSnapshotIdentifier: 'one-step',
          KmsKeyId: drKey,
        }),
      ),
    ).rejects.toThrow(/same AWS Region/);
    await world.rds.send(
      new ModifyDBClusterSnapshotAttributeCommand({
        DBClusterSnapshotIdentifier: primaryId,
        AttributeName: 'restore',
        ValuesToRemove: [DR_ACCOUNT],
      }),
    );

    // The snapshot's event: the first copy, into eu-west-1 in this account.
    const first = (await copy(clusterSnapshotCreated)) as CopyEventResult;
    expect(first.copies?.targets.map((t) => t.outcome)).toEqual(['awaiting-shareable-copy']);
    expect(await world.euStore.getSnapshot('cluster', shareableId)).toMatchObject({
      encrypted: true,
      kmsKeyId: targetShareKey,
      tags: expect.objectContaining({ [TAG.copyOf]: primary.arn, [TAG.managed]: 'true' }),
    });

    // Its completion event stays in eu-west-1: the sweep shares it there and copies it as the DR account.
    const second = (await copy({ sweep: true })) as SweepResult;
    expect(second.snapshots[0]?.targets.map((t) => t.outcome)).toEqual(['started']);
    expect(await restoreAccounts(world.euRds, shareableId)).toEqual([DR_ACCOUNT]);
    expect(await restoreAccounts(world.rds, primaryId)).toEqual([]);

    // The DR copy is available: the copy in between (and with it its share) goes.
    const third = (await copy({ sweep: true })) as SweepResult;
    expect(third.snapshots[0]?.targets).toEqual([
      expect.objectContaining({ outcome: 'copied', announce: true }),
    ]);
    const drStore = new RdsSnapshotStore({ client: drEuRds, region: 'eu-west-1' });
    expect(await drStore.getSnapshot('cluster', drCopyId)).toMatchObject({
      status: 'available',
      encrypted: true,
      kmsKeyId: drKey,
      tags: expect.objectContaining({ [TAG.tier]: 'dr-account', [TAG.origin]: primaryId }),
    });
    expect(await snapshotIds(world.euRds)).toEqual([]);
    expect(await snapshotIds(drEuRds)).toEqual([drCopyId]);
    expect(await restoreAccounts(world.rds, primaryId)).toEqual([]);
    expect(await world.topic!.published()).toEqual([
      expect.objectContaining({ kind: 'copy.done', database: 'billing' }),
    ]);
  });
});
