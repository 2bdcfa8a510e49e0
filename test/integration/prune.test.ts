import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateDBClusterSnapshotCommand, CreateDBSnapshotCommand, RDSClient } from '@aws-sdk/client-rds';
import { KMSClient } from '@aws-sdk/client-kms';
import { SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler } from '../../functions/prune/handler.js';
import { RdsSnapshotStore } from '../../lib/adapters/aws/rds-snapshots.js';
import { SnsNotifier } from '../../lib/adapters/aws/sns-notifier.js';
import { copyTargetStore } from '../../lib/adapters/aws/target-stores.js';
import { snapshotId } from '../../lib/core/naming/snapshot-id.js';
import { parsePolicyFile } from '../../lib/core/policy/file.js';
import { TAG } from '../../lib/core/tags.js';
import { runLifeboat } from '../support/cli.js';
import { lambdaContext } from '../support/lambda-context.js';
import { freePort, motoClientConfig, startMoto, type Moto } from '../support/moto.js';
import { createCluster, createInstance, createKey, snapshotIds } from '../support/rds-fixtures.js';
import { watchTopic, type WatchedTopic } from '../support/topic.js';

const NOW = '2026-11-24T04:15:00Z';
const DAY = 86_400_000;

let moto: Moto;
let rds: RDSClient;
let rdsEu: RDSClient;
let dir: string;
let policyPath: string;
let handler: ReturnType<typeof createHandler>;
let topic: WatchedTopic;
let notifier: SnsNotifier;
let policyFile: ReturnType<typeof parsePolicyFile>;
let source: RdsSnapshotStore;

const tags = (record: Record<string, string>) =>
  Object.entries(record).map(([Key, Value]) => ({ Key, Value }));
const days = (from: string, to: string) => {
  const list: Date[] = [];
  for (let t = Date.parse(from); t <= Date.parse(to); t += DAY) list.push(new Date(t));
  return list;
};
const managed = (policy: string, source: string, at: Date) => ({
  [TAG.managed]: 'true',
  [TAG.policy]: policy,
  [TAG.source]: source,
  [TAG.tier]: 'primary',
  [TAG.scheduledAt]: at.toISOString(),
});

const everywhere = async () => [
  ...(await snapshotIds(rds)),
  ...(await snapshotIds(rdsEu)).map((id) => `eu-west-1/${id}`),
];

function plan() {
  const args = ['plan', '--policy', policyPath, '--endpoint-url', moto.endpoint, '--region', 'us-east-1'];
  return runLifeboat([...args, '--now', NOW, '--json']);
}

beforeAll(async () => {
  moto = await startMoto();
  rds = new RDSClient(motoClientConfig(moto));
  rdsEu = new RDSClient(motoClientConfig(moto, 'eu-west-1'));
  const drKey = await createKey(new KMSClient(motoClientConfig(moto, 'eu-west-1')));

  dir = await mkdtemp(join(tmpdir(), 'lifeboat-prune-'));
  policyPath = join(dir, 'lifeboat.yml');
  const policyText = `
policies:
  gold:
    select: { tags: { 'lifeboat:policy': gold } }
    schedule: 'cron(0 0 * * ? *)'
    rpoMinutes: 1440
    rtoMinutes: 120
    retention: { daily: 3, weekly: 2, monthly: 2, yearly: 0 }
    copies:
      - region: eu-west-1
        kmsKeyId: ${drKey}
        retention: { daily: 2, weekly: 0, monthly: 0, yearly: 0 }
  silver:
    select: { tags: { 'lifeboat:policy': silver } }
    schedule: 'cron(30 2 * * ? *)'
    rpoMinutes: 1500
    rtoMinutes: 240
    retention: { daily: 1, weekly: 0, monthly: 0, yearly: 0 }
`;
  await writeFile(policyPath, policyText);
  policyFile = parsePolicyFile(policyText);

  // RDS takes automated snapshots of a database with a backup retention period; moto does too.
  await createInstance(rds, 'orders', { 'lifeboat:policy': 'gold' }, { backupRetentionDays: 7 });
  await createCluster(rds, 'billing', { 'lifeboat:policy': 'gold' }, { backupRetentionDays: 1 });
  await createInstance(rds, 'reports', { 'lifeboat:policy': 'silver' }, { engine: 'mysql' });

  // Daily managed snapshots of orders for ten weeks, of billing for ten days, two of reports.
  source = new RdsSnapshotStore({ region: 'us-east-1', client: rds });
  const orders = [];
  for (const at of days('2026-09-15T00:00:00Z', '2026-11-24T00:00:00Z')) {
    const id = snapshotId('orders', at);
    await rds.send(
      new CreateDBSnapshotCommand({
        DBInstanceIdentifier: 'orders',
        DBSnapshotIdentifier: id,
        Tags: tags(managed('gold', 'orders', at)),
      }),
    );
    orders.push({ id, at });
  }
  for (const at of days('2026-11-15T00:00:00Z', '2026-11-24T00:00:00Z')) {
    await rds.send(
      new CreateDBClusterSnapshotCommand({
        DBClusterIdentifier: 'billing',
        DBClusterSnapshotIdentifier: snapshotId('billing', at),
        Tags: tags(managed('gold', 'billing', at)),
      }),
    );
  }
  for (const at of days('2026-11-01T02:30:00Z', '2026-11-02T02:30:00Z')) {
    await rds.send(
      new CreateDBSnapshotCommand({
        DBInstanceIdentifier: 'reports',
        DBSnapshotIdentifier: snapshotId('reports', at),
        Tags: tags(managed('silver', 'reports', at)),
      }),
    );
  }
  // Taken by hand before an upgrade: not Lifeboat's.
  await rds.send(
    new CreateDBSnapshotCommand({
      DBInstanceIdentifier: 'orders',
      DBSnapshotIdentifier: 'orders-before-upgrade',
      Tags: tags({ owner: 'team-orders' }),
    }),
  );
  // A scratch instance restore-verify made from an old snapshot, still around.
  await createInstance(rds, 'lifeboat-scratch-orders-1', {
    [TAG.scratch]: 'true',
    [TAG.restoredFrom]: snapshotId('orders', new Date('2026-10-20T00:00:00Z')),
  });
  // Copies of the last five in eu-west-1, tagged as the copy function tags them.
  for (const { id, at } of orders.slice(-5)) {
    const original = (await source.getSnapshot('instance', id))!;
    await new RdsSnapshotStore({ region: 'eu-west-1', client: rdsEu }).copySnapshot({
      kind: 'instance',
      sourceArn: original.arn,
      sourceRegion: 'us-east-1',
      targetId: `${id}-eu-west-1`,
      kmsKeyId: drKey,
      tags: {
        ...managed('gold', 'orders', at),
        [TAG.tier]: 'dr-region',
        [TAG.copyOf]: original.arn,
        [TAG.target]: 'eu-west-1',
      },
    });
  }

  topic = await watchTopic(moto);
  notifier = new SnsNotifier({ topicArn: topic.topicArn, client: new SNSClient(motoClientConfig(moto)) });
  handler = createHandler({
    policyFile,
    source,
    targetsFor: (_name, policy) =>
      policy.copies.map((target) => ({ target, store: copyTargetStore(target, motoClientConfig(moto)) })),
    notifier,
    clock: () => new Date(NOW),
  });
});

afterAll(async () => {
  await moto?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const context = lambdaContext('lifeboat-test-prune');

describe('prune against moto', () => {
  it('refuses a malformed event with the key named, and deletes nothing', async () => {
    const before = await everywhere();

    await expect(handler({ policy: 'gold' }, context)).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringContaining('- time:'),
    });
    await expect(handler({ policy: 'gold', time: 'last tuesday' }, context)).rejects.toThrow(
      /time: must be an ISO 8601 time/,
    );
    await expect(handler('{"policy":"gold"}', context)).rejects.toMatchObject({ name: 'InvalidInputError' });
    // A misspelt dryRun must not be dropped, turning an operator's check into a real prune.
    await expect(handler({ policy: 'gold', time: NOW, dryrun: true }, context)).rejects.toThrow(
      /unknown key "dryrun"/,
    );
    // `time` is prune's "now": a day ahead would prune as if it were tomorrow.
    await expect(
      handler({ policy: 'gold', time: new Date(Date.parse(NOW) + DAY).toISOString() }, context),
    ).rejects.toThrow(/time: is 24 hours ahead of the clock/);

    expect(await everywhere()).toEqual(before);
  });

  it('deletes exactly what `lifeboat plan` planned, and leaves automated, hand-made and in-use snapshots', async () => {
    const before = await everywhere();
    const automated = before.filter((id) => id.startsWith('rds:'));
    expect(automated).toEqual(
      expect.arrayContaining([expect.stringMatching(/^rds:orders-/), expect.stringMatching(/^rds:billing-/)]),
    );
    const planned = await plan();
    expect(planned.stderr).not.toContain('lifeboat:');
    expect(planned.code).toBe(0);
    const decisions = (
      JSON.parse(planned.stdout) as { decisions: Array<{ snapshot: string; action: string }> }
    ).decisions;
    const toDelete = decisions.filter((d) => d.action === 'delete').map((d) => d.snapshot);

    const result = await handler({ policy: 'gold', time: NOW }, context);

    const after = await everywhere();
    const deleted = before.filter((id) => !after.includes(id)).map((id) => id.replace('eu-west-1/', ''));
    // silver's own retention would delete its older snapshot; the gold run must not.
    const silver = snapshotId('reports', new Date('2026-11-01T02:30:00Z'));
    expect(toDelete).toContain(silver);
    expect(deleted.sort()).toEqual(toDelete.filter((id) => id !== silver).sort());
    expect(result.deleted).toBe(deleted.length);

    const kept = [
      ...automated,
      'orders-before-upgrade',
      silver,
      snapshotId('orders', new Date('2026-10-20T00:00:00Z')), // a scratch instance was restored from it
      snapshotId('orders', new Date('2026-10-31T00:00:00Z')), // monthly 2026-10; monthly 2 ends there
      snapshotId('orders', new Date('2026-11-24T00:00:00Z')), // newest
      'eu-west-1/' + snapshotId('orders', new Date('2026-11-23T00:00:00Z')) + '-eu-west-1', // daily at the copy target
    ];
    expect(after).toEqual(expect.arrayContaining(kept));
    expect(deleted).toContain(snapshotId('orders', new Date('2026-09-29T00:00:00Z')));
    expect(deleted).toContain(snapshotId('orders', new Date('2026-11-20T00:00:00Z')) + '-eu-west-1');
    expect(await topic.published()).toEqual([
      expect.objectContaining({
        kind: 'prune.run',
        severity: 'info',
        policy: 'gold',
        region: 'us-east-1',
        summary: expect.stringMatching(
          new RegExp(`^Policy gold: ${deleted.length} snapshots deleted, \\d+ kept$`),
        ),
        details: expect.objectContaining({
          dryRun: false,
          deleted: expect.arrayContaining(toDelete.slice(0, 1)),
        }),
      }),
    ]);
  });

  it('deletes nothing on a second run right after the first', async () => {
    const before = await everywhere();

    const result = await handler({ policy: 'gold', time: NOW }, context);

    expect(result.deleted).toBe(0);
    expect(await everywhere()).toEqual(before);
    await topic.published();
  });

  it('publishes a warning naming a copy target it could not list, then fails the run, deleting nothing there', async () => {
    const before = await everywhere();
    // Nothing listens on this port: the DR region's RDS endpoint is unreachable.
    const unreachable = new RdsSnapshotStore({
      region: 'eu-west-1',
      client: new RDSClient({
        ...motoClientConfig(moto, 'eu-west-1'),
        endpoint: `http://127.0.0.1:${await freePort()}`,
        maxAttempts: 1,
      }),
    });
    const cutOff = createHandler({
      policyFile,
      source,
      targetsFor: (_name, policy) => policy.copies.map((target) => ({ target, store: unreachable })),
      notifier,
      clock: () => new Date(NOW),
    });

    await expect(cutOff({ policy: 'gold', time: NOW, dryRun: true }, context)).rejects.toThrow(
      /prune of policy gold incomplete: copy eu-west-1/,
    );

    expect(await everywhere()).toEqual(before);
    const [published, ...more] = await topic.published();
    expect(more).toEqual([]);
    expect(published).toMatchObject({
      kind: 'prune.run',
      severity: 'warning',
      policy: 'gold',
      summary: expect.stringContaining('copy eu-west-1 not pruned'),
      details: expect.objectContaining({
        scopeErrors: [expect.objectContaining({ scope: 'copy eu-west-1' })],
      }),
    });
    expect(published!.action).toBeTruthy();
  });
});
