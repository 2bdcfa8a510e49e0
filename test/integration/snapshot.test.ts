import { readFileSync } from 'node:fs';
import { CreateDBSnapshotCommand, RDSClient, StopDBInstanceCommand } from '@aws-sdk/client-rds';
import { SNSClient } from '@aws-sdk/client-sns';
import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHandler, type SnapshotDeps } from '../../functions/snapshot/handler.js';
import { RdsSnapshotStore } from '../../lib/adapters/aws/rds-snapshots.js';
import { SnsNotifier } from '../../lib/adapters/aws/sns-notifier.js';
import { InvalidInputError, LifeboatError } from '../../lib/core/errors.js';
import { TAG } from '../../lib/core/tags.js';
import { lambdaContext } from '../support/lambda-context.js';
import { motoClientConfig, startMoto, type Moto } from '../support/moto.js';
import { goldPolicyFile } from '../support/policies.js';
import { createCluster, createInstance, snapshotIds } from '../support/rds-fixtures.js';
import { watchTopic, type WatchedTopic } from '../support/topic.js';

const scheduleEvent = JSON.parse(readFileSync('test/fixtures/events/schedule-snapshot.json', 'utf8')) as {
  policy: string;
  time: string;
};
/** The function's clock in these tests: when the fixture's schedule fired. */
const SCHEDULED = new Date(scheduleEvent.time);
const GOLD = { 'lifeboat:policy': 'gold', env: 'prod' };

const policies = goldPolicyFile({ select: { tags: GOLD } });

let moto: Moto;
let rds: RDSClient;
let handler: ReturnType<typeof createHandler>;
let topic: WatchedTopic;

beforeAll(async () => {
  moto = await startMoto();
  rds = new RDSClient(motoClientConfig(moto));
  const deps: SnapshotDeps = {
    policies,
    store: new RdsSnapshotStore({ client: rds, region: 'us-east-1' }),
    // The topic is made again after each reset under the same name, so under the same ARN.
    notifier: new SnsNotifier({
      topicArn: 'arn:aws:sns:us-east-1:123456789012:lifeboat',
      client: new SNSClient(motoClientConfig(moto)),
    }),
    logger: new Logger({ serviceName: 'lifeboat-snapshot', logLevel: 'SILENT' }),
    clock: () => SCHEDULED,
  };
  handler = createHandler(() => deps);
});
afterAll(async () => moto?.stop());
beforeEach(async () => {
  await moto.reset();
  topic = await watchTopic(moto);
});

const manual = async () => (await snapshotIds(rds)).filter((id) => id.startsWith('lifeboat-'));

describe('snapshot function against moto', () => {
  it('snapshots the instances and Aurora clusters carrying all the policy tags, not cluster members', async () => {
    await createInstance(rds, 'orders', GOLD);
    await createInstance(rds, 'half-tagged', { 'lifeboat:policy': 'gold' });
    await createInstance(rds, 'other', { 'lifeboat:policy': 'silver', env: 'prod' });
    await createCluster(rds, 'billing', GOLD);
    await createInstance(rds, 'billing-1', GOLD, { clusterId: 'billing' });

    const result = await handler(scheduleEvent, lambdaContext('snapshot'));

    expect(result.databases.map((d) => [d.database, d.outcome]).sort()).toEqual([
      ['billing', 'created'],
      ['billing-1', 'skipped'],
      ['orders', 'created'],
    ]);
    expect(result.databases.find((d) => d.database === 'billing-1')?.reason).toMatch(
      /member of Aurora cluster billing/,
    );
    expect(await manual()).toEqual(['lifeboat-billing-20261124t1200', 'lifeboat-orders-20261124t1200']);
    const store = new RdsSnapshotStore({ client: rds, region: 'us-east-1' });
    const snapshot = await store.getSnapshot('cluster', 'lifeboat-billing-20261124t1200');
    expect(snapshot?.tags).toEqual({
      [TAG.managed]: 'true',
      [TAG.policy]: 'gold',
      [TAG.source]: 'billing',
      [TAG.sourceArn]: 'arn:aws:rds:us-east-1:123456789012:cluster:billing',
      [TAG.tier]: 'primary',
      [TAG.scheduledAt]: '2026-11-24T12:00:00.000Z',
    });
    expect(await topic.published()).toEqual([
      expect.objectContaining({
        kind: 'snapshot.run',
        severity: 'info',
        policy: 'gold',
        region: 'us-east-1',
        summary: 'Policy gold: 2 snapshots taken, 1 skipped',
        details: expect.objectContaining({
          taken: 2,
          snapshots: expect.arrayContaining([
            'lifeboat-billing-20261124t1200',
            'lifeboat-orders-20261124t1200',
          ]),
        }),
      }),
    ]);
  });

  it('succeeds on a repeated event without taking a second snapshot', async () => {
    await createInstance(rds, 'orders', GOLD);
    await createCluster(rds, 'billing', GOLD);
    await handler(scheduleEvent, lambdaContext('snapshot'));
    const before = await snapshotIds(rds);

    const again = await handler(scheduleEvent, lambdaContext('snapshot'));

    expect(again.databases.map((d) => d.outcome)).toEqual(['existing', 'existing']);
    expect(await snapshotIds(rds)).toEqual(before);
  });

  it('skips a stopped instance and says why', async () => {
    await createInstance(rds, 'orders', GOLD);
    await createInstance(rds, 'paused', GOLD);
    await rds.send(new StopDBInstanceCommand({ DBInstanceIdentifier: 'paused' }));

    const result = await handler(scheduleEvent, lambdaContext('snapshot'));

    expect(result.databases.find((d) => d.database === 'paused')).toMatchObject({
      outcome: 'skipped',
      reason: expect.stringMatching(/status is stopped/),
    });
    expect(await manual()).toEqual(['lifeboat-orders-20261124t1200']);
  });

  it('goes on with the other databases when one fails, then fails the run naming it', async () => {
    await createInstance(rds, 'orders', GOLD);
    await createInstance(rds, 'catalog', GOLD);
    // Someone else's snapshot already holds the id Lifeboat derives for catalog.
    await rds.send(
      new CreateDBSnapshotCommand({
        DBInstanceIdentifier: 'catalog',
        DBSnapshotIdentifier: 'lifeboat-catalog-20261124t1200',
      }),
    );

    const run = handler(scheduleEvent, lambdaContext('snapshot'));

    await expect(run).rejects.toThrow(/snapshots failed for catalog \(GuardRefusedError/);
    await expect(run).rejects.toBeInstanceOf(LifeboatError);
    expect(await manual()).toEqual(['lifeboat-catalog-20261124t1200', 'lifeboat-orders-20261124t1200']);
    // Published before the invocation failed: a refusal no retry fixes is critical.
    const [published, ...more] = await topic.published();
    expect(more).toEqual([]);
    expect(published).toMatchObject({ kind: 'snapshot.run', severity: 'critical', database: 'catalog' });
    expect(published!.action).toBeTruthy();
  });

  it('fails the invocation when the summary cannot be published, after taking the snapshots', async () => {
    await createInstance(rds, 'orders', GOLD);
    const unpublished = createHandler(() => ({
      policies,
      store: new RdsSnapshotStore({ client: rds, region: 'us-east-1' }),
      notifier: new SnsNotifier({
        topicArn: 'arn:aws:sns:us-east-1:123456789012:no-such-topic',
        client: new SNSClient(motoClientConfig(moto)),
      }),
      logger: new Logger({ serviceName: 'lifeboat-snapshot', logLevel: 'SILENT' }),
      clock: () => SCHEDULED,
    }));

    await expect(unpublished(scheduleEvent, lambdaContext('snapshot'))).rejects.toThrow(
      /1 of 1 notifications not published: snapshot.run/,
    );
    expect(await manual()).toEqual(['lifeboat-orders-20261124t1200']);
  });

  it.each([
    [{ policy: 'gold' }, /time/],
    [{ policy: 'gold', time: 'yesterday' }, /time: must be an ISO 8601 time/],
    [{ time: '2026-11-24T12:00:00Z' }, /policy/],
    [{ ...scheduleEvent, extra: 1 }, /unknown key "extra"/],
    ['{"policy":"gold"}', /expected object/],
    [{ policy: 'bronze', time: '2026-11-24T12:00:00Z' }, /policy: unknown policy "bronze"/],
    [{ policy: 'constructor', time: '2026-11-24T12:00:00Z' }, /policy: unknown policy "constructor"/],
    [{ policy: 'toString', time: '2026-11-24T12:00:00Z' }, /policy: unknown policy "toString"/],
    // Date reads "1" as 2001 and a bare date as midnight: neither is a scheduled instant.
    [{ policy: 'gold', time: '1' }, /time: must be an ISO 8601 time/],
    [{ policy: 'gold', time: '2026-11-24' }, /time: must be an ISO 8601 time/],
    [{ policy: 'gold', time: '2026-11-24T12:06:00Z' }, /time: is 6 minutes ahead of the clock/],
    [{ policy: 'gold', time: '2026-11-20T12:00:00Z' }, /time: is 96 hours old/],
  ])('refuses a malformed schedule input %j and creates nothing', async (event, message) => {
    await createInstance(rds, 'orders', GOLD);
    const before = await snapshotIds(rds);

    const run = handler(event, lambdaContext('snapshot'));

    await expect(run).rejects.toBeInstanceOf(InvalidInputError);
    await expect(run).rejects.toThrow(message);
    expect(await snapshotIds(rds)).toEqual(before);
  });
});
