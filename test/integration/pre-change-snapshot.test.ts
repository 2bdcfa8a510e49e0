import { RDSClient } from '@aws-sdk/client-rds';
import { SNSClient } from '@aws-sdk/client-sns';
import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHandler, type SnapshotDeps } from '../../functions/snapshot/handler.js';
import { RdsSnapshotStore } from '../../lib/adapters/aws/rds-snapshots.js';
import { SnsNotifier } from '../../lib/adapters/aws/sns-notifier.js';
import { InvalidInputError } from '../../lib/core/errors.js';
import { validatePolicyFile } from '../../lib/core/policy/parse.js';
import { TAG } from '../../lib/core/tags.js';
import { prune } from '../../lib/core/use-cases/prune.js';
import { takeSnapshots } from '../../lib/core/use-cases/take-snapshots.js';
import { lambdaContext } from '../support/lambda-context.js';
import { motoClientConfig, startMoto, type Moto } from '../support/moto.js';
import { createCluster, createInstance, snapshotIds } from '../support/rds-fixtures.js';
import { watchTopic, type WatchedTopic } from '../support/topic.js';

/** The function's clock: when the pipeline invoked it. */
const NOW = new Date('2026-11-24T09:45:12Z');
const GOLD = { 'lifeboat:policy': 'gold' };
const SILVER = { 'lifeboat:policy': 'silver' };

const policy = (tags: Record<string, string>) => ({
  select: { tags },
  schedule: 'cron(0 */6 * * ? *)',
  rpoMinutes: 360,
  rtoMinutes: 120,
  retention: { daily: 1 },
});
const policies = validatePolicyFile({ policies: { gold: policy(GOLD), silver: policy(SILVER) } });

let moto: Moto;
let rds: RDSClient;
let store: RdsSnapshotStore;
let snapshot: (event: unknown) => Promise<unknown>;
let topic: WatchedTopic;

// moto, as RDS, takes automated snapshots of its own.
const lifeboatSnapshots = async () => (await snapshotIds(rds)).filter((id) => id.startsWith('lifeboat-'));

beforeAll(async () => {
  moto = await startMoto();
  rds = new RDSClient(motoClientConfig(moto));
  store = new RdsSnapshotStore({ client: rds, region: 'us-east-1' });
  const deps: SnapshotDeps = {
    policies,
    store,
    notifier: new SnsNotifier({
      topicArn: 'arn:aws:sns:us-east-1:123456789012:lifeboat',
      client: new SNSClient(motoClientConfig(moto)),
    }),
    logger: new Logger({ serviceName: 'lifeboat-snapshot', logLevel: 'SILENT' }),
    clock: () => NOW,
  };
  const handler = createHandler(() => deps);
  snapshot = (event) => handler(event, lambdaContext('snapshot'));
});
afterAll(async () => moto?.stop());
beforeEach(async () => {
  await moto.reset();
  topic = await watchTopic(moto);
});

describe('pre-change snapshot through the snapshot function, against moto', () => {
  it('takes one snapshot of the database under its policy, tagged with the reason and keep-until', async () => {
    await createInstance(rds, 'orders', GOLD);
    await createInstance(rds, 'billing', GOLD);

    const result = await snapshot({ database: 'orders', reason: 'migration 42: add index', keepDays: 3 });

    const id = 'lifeboat-orders-20261124t094512-pre';
    expect(result).toMatchObject({
      policy: 'gold',
      keepUntil: '2026-11-27T09:45:12.000Z',
      databases: [{ database: 'orders', outcome: 'created', snapshotId: id }],
    });
    expect(await lifeboatSnapshots()).toEqual([id]);
    const taken = await store.getSnapshot('instance', id);
    expect(taken?.tags).toEqual({
      [TAG.managed]: 'true',
      [TAG.policy]: 'gold',
      [TAG.source]: 'orders',
      [TAG.sourceArn]: 'arn:aws:rds:us-east-1:123456789012:db:orders',
      [TAG.tier]: 'primary',
      [TAG.scheduledAt]: '2026-11-24T09:45:12.000Z',
      [TAG.reason]: 'migration 42: add index',
      [TAG.keepUntil]: '2026-11-27T09:45:12.000Z',
    });
    expect(await topic.published()).toEqual([
      expect.objectContaining({ kind: 'snapshot.run', policy: 'gold', severity: 'info' }),
    ]);
  });

  it('finds the first snapshot on a retry with the same time, and names none like a scheduled one', async () => {
    await createCluster(rds, 'ledger', GOLD);
    const event = { database: 'ledger', reason: 'upgrade', time: '2026-11-24T09:40:00Z' };
    await snapshot(event);

    const again = await snapshot(event);

    expect(again).toMatchObject({ databases: [{ outcome: 'existing' }] });
    expect(await lifeboatSnapshots()).toEqual(['lifeboat-ledger-20261124t094000-pre']);
  });

  it('takes a database no policy selects under an explicit policy', async () => {
    await createInstance(rds, 'reports', {});

    const result = await snapshot({
      database: 'reports',
      reason: 'schema change',
      keepUntil: '2026-12-24T00:00:00Z',
      policy: 'silver',
    });

    expect(result).toMatchObject({ policy: 'silver', keepUntil: '2026-12-24T00:00:00.000Z' });
    const [id] = await lifeboatSnapshots();
    expect((await store.getSnapshot('instance', id!))?.tags[TAG.policy]).toBe('silver');
  });

  it('is kept by prune until its keep-until whatever GFS says, then pruned like any other', async () => {
    await createInstance(rds, 'orders', GOLD);
    await snapshot({ database: 'orders', reason: 'migration 42', keepDays: 3 });
    // The day's scheduled snapshot is newer: daily 1 alone would not keep the pre-change one.
    await takeSnapshots({
      policyName: 'gold',
      policy: policies.policies.gold!,
      scheduledAt: new Date('2026-11-24T12:00:00Z'),
      store,
    });
    const plan = async (now: string) => {
      const result = await prune({
        policyName: 'gold',
        policy: policies.policies.gold!,
        now: new Date(now),
        source: store,
        targets: [],
        dryRun: true,
      });
      return result.scopes[0]!.decisions.find((d) => d.snapshot.id === PRE_CHANGE);
    };
    const PRE_CHANGE = 'lifeboat-orders-20261124t094512-pre';

    expect(await plan('2026-11-25T00:00:00Z')).toMatchObject({
      action: 'keep',
      reason: 'pre-change (migration 42), kept until 2026-11-27T09:45:12.000Z',
    });
    expect(await plan('2026-11-28T00:00:00Z')).toMatchObject({
      action: 'delete',
      reason: expect.stringMatching(/^beyond retention/),
    });
  });

  it.each([
    [
      'an unknown database',
      { database: 'nope', reason: 'x' },
      /database "nope": no DB instance or Aurora cluster/,
    ],
    [
      'a keep-until in the past',
      { database: 'orders', reason: 'x', keepUntil: '2026-11-24T09:00:00Z' },
      /keep-until 2026-11-24T09:00:00.000Z is in the past/,
    ],
    [
      'a keep-until years away (a typo for 2029)',
      { database: 'orders', reason: 'x', keepUntil: '2999-01-01T00:00:00Z' },
      /keep-until 2999-01-01T00:00:00.000Z is more than 366 days away/,
    ],
    [
      'keep-days beyond a year',
      { database: 'orders', reason: 'x', keepDays: 400 },
      /more than 366 days away/,
    ],
    [
      'a keep-until that is not a time',
      { database: 'orders', reason: 'x', keepUntil: 'next week' },
      /keep-until "next week" is not an ISO 8601 time/,
    ],
    [
      'both keep-days and keep-until',
      { database: 'orders', reason: 'x', keepDays: 1, keepUntil: '2027-01-01T00:00:00Z' },
      /exclusive/,
    ],
    ['keep-days that are not whole', { database: 'orders', reason: 'x', keepDays: 0.5 }, /keep-days 0.5/],
    [
      'a reason over the tag limit',
      { database: 'orders', reason: 'x'.repeat(257) },
      /reason is 257 characters; an RDS tag value holds at most 256/,
    ],
    [
      'a reason with characters RDS cannot tag',
      { database: 'orders', reason: 'fix #42; drop "old"' },
      /reason has characters an RDS tag value cannot hold \(# ; "\)/,
    ],
    ['an empty reason', { database: 'orders', reason: '  ' }, /reason is empty/],
    ['a reason starting with aws:', { database: 'orders', reason: 'aws:migration' }, /aws:/],
    [
      'a database no policy selects',
      { database: 'reports', reason: 'x' },
      /database "reports" is selected by no policy/,
    ],
    [
      'an unknown policy',
      { database: 'orders', reason: 'x', policy: 'bronze' },
      /policy "bronze" is not in the policy file/,
    ],
    [
      'a member of an Aurora cluster',
      { database: 'ledger-1', reason: 'x' },
      /member of Aurora cluster ledger/,
    ],
    ['a misspelt key', { database: 'orders', reason: 'x', keep_days: 3 }, /keep_days/],
    ['a time far from the clock', { database: 'orders', reason: 'x', time: '2026-11-01T00:00:00Z' }, /time/],
  ])('refuses %s, naming it, and creates nothing', async (_name, event, message) => {
    await createInstance(rds, 'orders', GOLD);
    await createInstance(rds, 'reports', {});
    await createCluster(rds, 'ledger', GOLD);
    await createInstance(rds, 'ledger-1', GOLD, { clusterId: 'ledger' });

    const refused = snapshot(event);

    await expect(refused).rejects.toThrow(InvalidInputError);
    await expect(refused).rejects.toThrow(message);
    expect(await lifeboatSnapshots()).toEqual([]);
    expect(await topic.published()).toEqual([]);
  });
});
