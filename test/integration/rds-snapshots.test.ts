import {
  CreateDBSnapshotCommand,
  DescribeDBClusterSnapshotAttributesCommand,
  DescribeDBSnapshotAttributesCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { KMSClient } from '@aws-sdk/client-kms';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RdsSnapshotStore } from '../../lib/adapters/aws/rds-snapshots.js';
import { rdsClientFor } from '../../lib/adapters/aws/sts-credentials.js';
import { GuardRefusedError, InvalidInputError, NotFoundError } from '../../lib/core/errors.js';
import type { DatabaseSource } from '../../lib/core/model.js';
import { TAG } from '../../lib/core/tags.js';
import { motoClientConfig, startMoto, type Moto } from '../support/moto.js';
import { createCluster, createInstance, createKey, snapshotIds } from '../support/rds-fixtures.js';

const MANAGED = { [TAG.managed]: 'true', [TAG.policy]: 'gold', [TAG.tier]: 'primary' };

let moto: Moto;
let rds: RDSClient;
let store: RdsSnapshotStore;

beforeAll(async () => {
  moto = await startMoto();
  rds = new RDSClient(motoClientConfig(moto));
  store = new RdsSnapshotStore({ client: rds, region: 'us-east-1' });
});
afterAll(async () => moto?.stop());
beforeEach(async () => moto.reset());

/** A managed snapshot of a database, as the snapshot function takes it. */
async function take(database: string, snapshotId: string, tags = MANAGED) {
  return store.createSnapshot({ source: await source(database), snapshotId, tags });
}

async function source(id: string): Promise<DatabaseSource> {
  const found = (await store.listDatabases()).find((d) => d.id === id);
  if (!found) throw new Error(`no database ${id}`);
  return found;
}

describe('RdsSnapshotStore against moto', () => {
  it('lists instances and Aurora clusters with their tags, and marks cluster members', async () => {
    await createInstance(rds, 'orders', { 'lifeboat:policy': 'gold' });
    await createCluster(rds, 'billing', { 'lifeboat:policy': 'gold', team: 'pay' });
    await createInstance(rds, 'billing-1', {}, { clusterId: 'billing' });

    const databases = await store.listDatabases();

    expect(databases.map((d) => [d.kind, d.id, d.clusterId]).sort()).toEqual([
      ['cluster', 'billing', undefined],
      ['instance', 'billing-1', 'billing'],
      ['instance', 'orders', undefined],
    ]);
    expect(databases.find((d) => d.id === 'billing')).toMatchObject({
      arn: 'arn:aws:rds:us-east-1:123456789012:cluster:billing',
      engine: 'aurora-postgresql',
      tags: { 'lifeboat:policy': 'gold', team: 'pay' },
    });
  });

  it('creates tagged instance and cluster snapshots, and a repeated create returns the same snapshot', async () => {
    await createInstance(rds, 'orders');
    await createCluster(rds, 'billing');

    const first = await take('orders', 'lifeboat-snap-a');
    const again = await take('orders', 'lifeboat-snap-a');
    const cluster = await take('billing', 'lifeboat-snap-b');

    expect(first).toMatchObject({
      kind: 'instance',
      id: 'lifeboat-snap-a',
      sourceId: 'orders',
      type: 'manual',
      tags: MANAGED,
    });
    expect(again.arn).toBe(first.arn);
    expect(cluster).toMatchObject({
      kind: 'cluster',
      id: 'lifeboat-snap-b',
      sourceId: 'billing',
      tags: MANAGED,
    });
    expect(
      (await store.listSnapshots({ kind: 'instance', sourceId: 'orders' })).filter(
        (s) => s.type === 'manual',
      ),
    ).toHaveLength(1);
  });

  it('refuses to adopt an existing snapshot with the same id that Lifeboat did not make', async () => {
    await createInstance(rds, 'orders');
    await rds.send(
      new CreateDBSnapshotCommand({
        DBInstanceIdentifier: 'orders',
        DBSnapshotIdentifier: 'lifeboat-snap-a',
      }),
    );

    await expect(take('orders', 'lifeboat-snap-a')).rejects.toBeInstanceOf(GuardRefusedError);
  });

  it('lists manual and automated snapshots of both kinds, filtered by kind and source', async () => {
    await createInstance(rds, 'orders');
    await createInstance(rds, 'catalog');
    await createCluster(rds, 'billing');
    await take('orders', 'lifeboat-snap-a');
    await take('billing', 'lifeboat-snap-b');

    const all = await store.listSnapshots();
    const orders = await store.listSnapshots({ kind: 'instance', sourceId: 'orders' });
    const clusters = await store.listSnapshots({ kind: 'cluster' });

    // moto, like RDS, makes an automated snapshot when an instance or cluster is created.
    expect(new Set(all.map((s) => `${s.kind}:${s.type}:${s.sourceId}`))).toEqual(
      new Set([
        'instance:automated:orders',
        'instance:automated:catalog',
        'instance:manual:orders',
        'cluster:automated:billing',
        'cluster:manual:billing',
      ]),
    );
    expect(orders.every((s) => s.sourceId === 'orders' && s.kind === 'instance')).toBe(true);
    expect(orders.map((s) => s.type).sort()).toEqual(['automated', 'manual']);
    expect(clusters.every((s) => s.kind === 'cluster')).toBe(true);
    expect(await store.listSnapshots({ sourceId: 'gone' })).toEqual([]);
  });

  it('copies instance and cluster snapshots to another region under that region key, tags written, not inherited', async () => {
    await createInstance(rds, 'orders');
    await createCluster(rds, 'billing');
    const primary = await store.createSnapshot({
      source: await source('orders'),
      snapshotId: 'lifeboat-snap-a',
      tags: { ...MANAGED, [TAG.verified]: '2026-01-01T00:00:00Z' },
    });
    const primaryCluster = await take('billing', 'lifeboat-snap-b');
    const key = await createKey(new KMSClient(motoClientConfig(moto, 'eu-west-1')));
    const euClient = new RDSClient(motoClientConfig(moto, 'eu-west-1'));
    const presignedUrls: string[] = [];
    // Seen after serialization: what the SDK's RDS middleware added to the request RDS receives.
    euClient.middlewareStack.add(
      (next) => async (args) => {
        const url = (args.input as { PreSignedUrl?: string }).PreSignedUrl;
        if (url) presignedUrls.push(url);
        return next(args);
      },
      { step: 'build' },
    );
    const dr = new RdsSnapshotStore({ client: euClient, region: 'eu-west-1' });
    const copyTags = { [TAG.managed]: 'true', [TAG.tier]: 'dr-region', [TAG.copyOf]: primary.arn };

    const request = {
      kind: 'instance' as const,
      sourceArn: primary.arn,
      sourceRegion: 'us-east-1',
      targetId: 'lifeboat-snap-a-eu',
      kmsKeyId: key,
      tags: copyTags,
    };
    const copy = await dr.copySnapshot(request);
    const again = await dr.copySnapshot(request);
    const clusterCopy = await dr.copySnapshot({
      kind: 'cluster',
      sourceArn: primaryCluster.arn,
      sourceRegion: 'us-east-1',
      targetId: 'lifeboat-snap-b-eu',
      kmsKeyId: key,
      tags: copyTags,
    });

    expect(copy).toMatchObject({
      id: 'lifeboat-snap-a-eu',
      region: 'eu-west-1',
      encrypted: true,
      kmsKeyId: key,
      tags: copyTags,
    });
    expect(copy.arn).toBe('arn:aws:rds:eu-west-1:123456789012:snapshot:lifeboat-snap-a-eu');
    expect(again.arn).toBe(copy.arn);
    // RDS needs a URL signed for the source region to read an encrypted snapshot across regions.
    const presigned = new URL(presignedUrls[0]!);
    expect(presigned.hostname).toBe('rds.us-east-1.amazonaws.com');
    expect(presigned.searchParams.get('Action')).toBe('CopyDBSnapshot');
    expect(presigned.searchParams.get('DestinationRegion')).toBe('eu-west-1');
    expect(presigned.searchParams.get('SourceDBSnapshotIdentifier')).toBe(primary.arn);
    expect(presigned.searchParams.get('KmsKeyId')).toBe(key);
    expect(presigned.searchParams.get('X-Amz-Credential')).toContain('/us-east-1/rds/aws4_request');
    expect(clusterCopy).toMatchObject({
      kind: 'cluster',
      id: 'lifeboat-snap-b-eu',
      region: 'eu-west-1',
      tags: copyTags,
    });
    expect(
      (await dr.listSnapshots())
        .filter((s) => s.type === 'manual')
        .map((s) => s.id)
        .sort(),
    ).toEqual(['lifeboat-snap-a-eu', 'lifeboat-snap-b-eu']);
  });

  it('refuses a cross-region copy of a snapshot named without its ARN, and creates nothing', async () => {
    const dr = new RdsSnapshotStore({
      clientConfig: motoClientConfig(moto, 'eu-west-1'),
      region: 'eu-west-1',
    });

    await expect(
      dr.copySnapshot({
        kind: 'instance',
        sourceArn: 'lifeboat-snap-a',
        sourceRegion: 'us-east-1',
        targetId: 'lifeboat-snap-a-eu',
        kmsKeyId: 'alias/any',
        tags: MANAGED,
      }),
    ).rejects.toBeInstanceOf(InvalidInputError);
    expect(await dr.listSnapshots()).toEqual([]);
  });

  it('shares a managed snapshot with one account, unshares it, and never with "all"', async () => {
    await createInstance(rds, 'orders');
    await createCluster(rds, 'billing');
    const snap = await take('orders', 'lifeboat-snap-a');
    const clusterSnap = await take('billing', 'lifeboat-snap-b');
    const restoreAccounts = async () =>
      (
        await rds.send(new DescribeDBSnapshotAttributesCommand({ DBSnapshotIdentifier: 'lifeboat-snap-a' }))
      ).DBSnapshotAttributesResult?.DBSnapshotAttributes?.find((a) => a.AttributeName === 'restore')
        ?.AttributeValues ?? [];

    await store.shareSnapshot(snap, '222222222222');
    await store.shareSnapshot(clusterSnap, '222222222222');
    expect(await restoreAccounts()).toEqual(['222222222222']);
    const clusterAttributes = await rds.send(
      new DescribeDBClusterSnapshotAttributesCommand({ DBClusterSnapshotIdentifier: 'lifeboat-snap-b' }),
    );
    expect(
      clusterAttributes.DBClusterSnapshotAttributesResult?.DBClusterSnapshotAttributes?.find(
        (a) => a.AttributeName === 'restore',
      )?.AttributeValues,
    ).toEqual(['222222222222']);

    await expect(store.shareSnapshot(snap, 'all')).rejects.toBeInstanceOf(GuardRefusedError);
    expect(await restoreAccounts()).toEqual(['222222222222']);

    await store.unshareSnapshot(snap, '222222222222');
    expect(await restoreAccounts()).toEqual([]);
  });

  it('refuses to share a snapshot that is not managed', async () => {
    await createInstance(rds, 'orders');
    await rds.send(
      new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'orders', DBSnapshotIdentifier: 'theirs' }),
    );
    const theirs = (await store.getSnapshot('instance', 'theirs'))!;

    await expect(store.shareSnapshot(theirs, '222222222222')).rejects.toBeInstanceOf(GuardRefusedError);
  });

  it('deletes a managed manual snapshot and refuses unmanaged, automated and not Lifeboat-named ones, reading tags from RDS', async () => {
    await createInstance(rds, 'orders');
    const managed = await take('orders', 'lifeboat-snap-a');
    await rds.send(
      new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'orders', DBSnapshotIdentifier: 'theirs' }),
    );
    const theirs = (await store.getSnapshot('instance', 'theirs'))!;
    // A team's own snapshot that something tagged managed: the tag alone does not make it Lifeboat's.
    await rds.send(
      new CreateDBSnapshotCommand({
        DBInstanceIdentifier: 'orders',
        DBSnapshotIdentifier: 'tagged-by-a-bug',
        Tags: [{ Key: 'lifeboat:managed', Value: 'true' }],
      }),
    );
    const mistagged = (await store.getSnapshot('instance', 'tagged-by-a-bug'))!;
    expect(mistagged.tags).toMatchObject({ [TAG.managed]: 'true' });
    await expect(store.deleteSnapshot(mistagged)).rejects.toThrow(/not named lifeboat-\*/);
    await expect(store.shareSnapshot(mistagged, '222222222222')).rejects.toBeInstanceOf(GuardRefusedError);
    await expect(store.tagSnapshot(mistagged, { 'lifeboat:verified': 'x' })).rejects.toBeInstanceOf(
      GuardRefusedError,
    );
    const automated = (await store.listSnapshots()).find((s) => s.type === 'automated')!;

    // A caller's stale or forged tags do not get past the guard.
    await expect(store.deleteSnapshot({ ...theirs, tags: MANAGED })).rejects.toBeInstanceOf(
      GuardRefusedError,
    );
    await expect(store.deleteSnapshot({ ...automated, tags: MANAGED })).rejects.toBeInstanceOf(
      GuardRefusedError,
    );
    await store.deleteSnapshot(managed);

    expect(await snapshotIds(rds)).toEqual([automated.id, 'tagged-by-a-bug', 'theirs'].sort());
  });

  it('answers a missing snapshot with undefined on read and NotFoundError on delete', async () => {
    expect(await store.getSnapshot('instance', 'nope')).toBeUndefined();
    expect(await store.getSnapshot('cluster', 'nope')).toBeUndefined();
    const ghost = {
      kind: 'instance' as const,
      id: 'nope',
      arn: 'arn:aws:rds:us-east-1:123456789012:snapshot:nope',
      sourceId: 'orders',
      type: 'manual',
      status: 'available',
      encrypted: false,
      region: 'us-east-1',
      tags: MANAGED,
    };
    await expect(store.deleteSnapshot(ghost)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('acts as the DR account with credentials from STS AssumeRole', async () => {
    const drClient = rdsClientFor({
      region: 'eu-west-1',
      base: motoClientConfig(moto, 'eu-west-1'),
      roleArn: 'arn:aws:iam::222222222222:role/lifeboat-dr-copy',
      sts: motoClientConfig(moto),
    });
    await createInstance(drClient, 'dr-side');
    const drStore = new RdsSnapshotStore({ client: drClient, region: 'eu-west-1' });

    const made = await drStore.createSnapshot({
      source: (await drStore.listDatabases())[0]!,
      snapshotId: 'in-dr',
      tags: MANAGED,
    });

    // moto answers as the account of the assumed role: the snapshot belongs to 222222222222.
    expect(made.arn).toBe('arn:aws:rds:eu-west-1:222222222222:snapshot:in-dr');
    expect(await snapshotIds(rds)).toEqual([]);
    // The session is named for CloudTrail in the DR account.
    const asDr = new STSClient({ ...motoClientConfig(moto), credentials: drClient.config.credentials });
    expect((await asDr.send(new GetCallerIdentityCommand({}))).Arn).toBe(
      'arn:aws:sts::222222222222:assumed-role/lifeboat-dr-copy/lifeboat-copy',
    );
  });
});
