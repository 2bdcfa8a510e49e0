import {
  CreateDBClusterSnapshotCommand,
  CreateDBSnapshotCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { RdsScratchRestorer } from '../../lib/adapters/aws/rds-restores.js';
import { RdsSnapshotStore } from '../../lib/adapters/aws/rds-snapshots.js';
import { S3ReportStore } from '../../lib/adapters/aws/s3-reports.js';
import { KeyedScratchCredentials } from '../../lib/adapters/aws/scratch-credentials.js';
import { SnsNotifier } from '../../lib/adapters/aws/sns-notifier.js';
import { PostgresFingerprinter } from '../../lib/adapters/db/postgres.js';
import type { Notification } from '../../lib/core/notification/message.js';
import type { ConnectionResolver, ScratchRestorer } from '../../lib/core/ports.js';
import { TAG } from '../../lib/core/tags.js';
import type { RestoreVerifyDeps } from '../../lib/core/use-cases/restore-verify/types.js';
import { motoClientConfig, startMoto, type Moto } from '../support/moto.js';
import { goldPolicyFile } from '../support/policies.js';
import { createCluster, createInstance } from '../support/rds-fixtures.js';
import { watchTopic, type WatchedTopic } from '../support/topic.js';
import { startPostgres, type LocalPostgres } from '../support/postgres.js';

export const BUCKET = 'lifeboat-reports-test';
export const INSTANCE = 'app-db';
export const CLUSTER = 'app-cluster';
export const DATABASES = ['app', 'crm'];

export const POLICIES = goldPolicyFile({
  retention: { daily: 7, weekly: 4, monthly: 12, yearly: 0 },
  copies: [
    {
      region: 'eu-west-1',
      kmsKeyId: 'arn:aws:kms:eu-west-1:111111111111:key/11111111-2222-3333-4444-555555555555',
    },
  ],
  verify: {
    instanceClass: 'db.t4g.medium',
    securityGroupIds: ['sg-0123456789abcdef0'],
    databases: DATABASES,
    exclude: ['public.audit_log'],
    rowCountTolerancePercent: 5,
    expectations: [{ table: 'public.customers', minRows: 3 }],
  },
});

/** What the local PostgreSQL holds, standing in for every restored scratch database. */
export async function loadSchema(server: LocalPostgres): Promise<void> {
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  for (const database of DATABASES) {
    await admin.query(`DROP DATABASE IF EXISTS ${database}`);
    await admin.query(`CREATE DATABASE ${database}`);
  }
  await admin.end();
  const app = new pg.Client({ connectionString: server.urlFor('app') });
  await app.connect();
  await app.query(`
    CREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL, email text, created timestamptz NOT NULL);
    CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers, total numeric(12,2), items jsonb);
    CREATE TABLE audit_log (at timestamptz, line text);
    INSERT INTO customers SELECT g, 'customer ' || g, CASE WHEN g % 3 = 0 THEN NULL ELSE 'c' || g || '@example.com' END,
      timestamptz '2026-01-01 00:00:00+00' + g * interval '1 hour' FROM generate_series(1, 200) g;
    INSERT INTO orders SELECT g, 1 + g % 200, g * 1.25, jsonb_build_object('sku', 'A' || g) FROM generate_series(1, 1000) g;
    INSERT INTO audit_log SELECT now(), 'line ' || g FROM generate_series(1, 10) g;
  `);
  await app.end();
  const crm = new pg.Client({ connectionString: server.urlFor('crm') });
  await crm.connect();
  await crm.query(`
    CREATE TABLE contacts (id int PRIMARY KEY, note text);
    INSERT INTO contacts SELECT g, repeat('n', g % 7) FROM generate_series(1, 50) g;
  `);
  await crm.end();
}

/** Test-only: moto runs no database, so every scratch instance "is" the local PostgreSQL. */
export function localConnections(server: LocalPostgres): ConnectionResolver & { seen: string[] } {
  const seen: string[] = [];
  return {
    seen,
    connectionFor(scratch, credentials, database) {
      // The credentials the step obtained are checked for shape, then the local server's are used.
      seen.push(`${scratch.id}/${database}/${credentials.user}/${credentials.password.length}`);
      return {
        engine: 'postgres',
        host: server.host,
        port: server.port,
        user: server.user,
        ...(server.password ? { password: server.password } : {}),
        database,
      };
    },
  };
}

export interface Fixture {
  rds: RDSClient;
  s3: S3Client;
  topic: WatchedTopic;
  deps: RestoreVerifyDeps;
  connections: ReturnType<typeof localConnections>;
  snapshotId: string;
  clusterSnapshotId: string;
}

/** Sources, managed snapshots, the reports bucket and the topic (with a queue to read it) in moto. */
export async function createFixture(moto: Moto, server: LocalPostgres): Promise<Fixture> {
  const config = motoClientConfig(moto);
  const rds = new RDSClient(config);
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const sns = new SNSClient(config);
  const managed = [
    { Key: TAG.managed, Value: 'true' },
    { Key: TAG.policy, Value: 'gold' },
  ];

  await createInstance(rds, INSTANCE, { 'lifeboat:policy': 'gold' });

  const snapshotId = 'lifeboat-app-db-20260101t000000z';
  await rds.send(
    new CreateDBSnapshotCommand({
      DBInstanceIdentifier: INSTANCE,
      DBSnapshotIdentifier: snapshotId,
      Tags: managed,
    }),
  );
  await createCluster(rds, CLUSTER, { 'lifeboat:policy': 'gold' });

  const clusterSnapshotId = 'lifeboat-app-cluster-20260101t000000z';
  await rds.send(
    new CreateDBClusterSnapshotCommand({
      DBClusterIdentifier: CLUSTER,
      DBClusterSnapshotIdentifier: clusterSnapshotId,
      Tags: managed,
    }),
  );

  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const topic = await watchTopic(moto);

  const restorer = new RdsScratchRestorer({ client: rds, region: 'us-east-1' });
  const connections = localConnections(server);
  const deps: RestoreVerifyDeps = {
    policies: POLICIES,
    snapshots: new RdsSnapshotStore({ client: rds, region: 'us-east-1' }),
    restorer,
    tagger: restorer,
    fingerprinter: () => new PostgresFingerprinter(),
    connections,
    credentials: new KeyedScratchCredentials('test-derivation-key'),
    reports: new S3ReportStore({ client: s3, bucket: BUCKET }),
    notifier: new SnsNotifier({ client: sns, topicArn: topic.topicArn }),
    clock: () => new Date(),
    account: '123456789012',
    region: 'us-east-1',
  };
  return { rds, s3, topic, deps, connections, snapshotId, clusterSnapshotId };
}

/** Every notification that reached the topic since the last call. */
export function publishedNotifications(fixture: Fixture): Promise<Notification[]> {
  return fixture.topic.published();
}

/** Scratch instances and clusters moto still holds (anything tagged lifeboat:scratch=true). */
export async function scratchLeft(rds: RDSClient): Promise<string[]> {
  const instances = (await rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? [];
  const clusters = (await rds.send(new DescribeDBClustersCommand({}))).DBClusters ?? [];
  const isScratch = (tags: Array<{ Key?: string; Value?: string }> | undefined) =>
    (tags ?? []).some((t) => t.Key === TAG.scratch && t.Value === 'true');
  return [
    ...instances.filter((i) => isScratch(i.TagList)).map((i) => `instance ${i.DBInstanceIdentifier}`),
    ...clusters.filter((c) => isScratch(c.TagList)).map((c) => `cluster ${c.DBClusterIdentifier}`),
  ];
}

/** What a restore-verify test file runs on, live for the test that reads it. */
export interface RestoreVerifyServers {
  moto: Moto;
  /** The PostgreSQL standing in for the scratch instance. */
  server: LocalPostgres;
  fixture: Fixture;
}

/**
 * Starts moto and PostgreSQL once for the test file, and before each test resets moto, loads the
 * schema again and builds a fresh fixture.
 */
export function useRestoreVerifyServers(): RestoreVerifyServers {
  const live = {} as RestoreVerifyServers;
  beforeAll(async () => {
    [live.moto, live.server] = await Promise.all([startMoto(), startPostgres()]);
  });
  afterAll(async () => {
    await Promise.all([live.moto?.stop(), live.server?.stop()]);
  });
  beforeEach(async () => {
    await live.moto.reset();
    await loadSchema(live.server);
    live.fixture = await createFixture(live.moto, live.server);
  });
  return live;
}

/** A real restorer with some of its calls replaced (a failure, a recording). */
export function restorerWith(real: ScratchRestorer, overrides: Partial<ScratchRestorer>): ScratchRestorer {
  return {
    startRestore: (request) => real.startRestore(request),
    describeScratch: (kind, id) => real.describeScratch(kind, id),
    setMasterPassword: (scratch, password) => real.setMasterPassword(scratch, password),
    deleteScratch: (kind, id) => real.deleteScratch(kind, id),
    listScratch: () => real.listScratch(),
    ...overrides,
  };
}
