// Writes examples/inventory.json: what `aws rds describe-db-snapshots` and
// `describe-db-cluster-snapshots` would show in an account where Lifeboat has taken snapshots for
// sixty days and prune has not run yet. `npx tsx scripts/example-inventory.ts` regenerates it.
import { writeFileSync } from 'node:fs';
import { copyId, snapshotId } from '../lib/core/naming/snapshot-id.js';
import { TAG } from '../lib/core/tags.js';

const ACCOUNT = '111111111111';
const DR_ACCOUNT = '222222222222';
const PRIMARY = 'us-east-1';
const DR = 'eu-west-1';
const KEY = `arn:aws:kms:${PRIMARY}:${ACCOUNT}:key/66666666-7777-8888-9999-000000000000`;
const DR_KEY = `arn:aws:kms:${DR}:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555`;
const DR_ACCOUNT_KEY = `arn:aws:kms:${DR}:${DR_ACCOUNT}:key/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee`;
const HOUR = 3_600_000;

const tagList = (tags: Record<string, string>) =>
  Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
const iso = (t: number) => new Date(t).toISOString();
/** Like the AWS CLI prints it: microseconds and an offset. */
const cliTime = (t: number) => iso(t).replace('Z', '000+00:00');

function every(hours: number, from: string, to: string): number[] {
  const times: number[] = [];
  for (let t = Date.parse(from); t <= Date.parse(to); t += hours * HOUR) times.push(t);
  return times;
}

interface Made {
  id: string;
  arn: string;
  scheduled: number;
  tags: Record<string, string>;
}

const instanceArn = (region: string, account: string, id: string) =>
  `arn:aws:rds:${region}:${account}:snapshot:${id}`;
const clusterArn = (region: string, account: string, id: string) =>
  `arn:aws:rds:${region}:${account}:cluster-snapshot:${id}`;

function managedTags(policy: string, source: string, sourceArn: string, scheduled: number, tier: string) {
  return {
    [TAG.managed]: 'true',
    [TAG.policy]: policy,
    [TAG.source]: source,
    [TAG.sourceArn]: sourceArn,
    [TAG.tier]: tier,
    [TAG.scheduledAt]: iso(scheduled),
  };
}

const dbSnapshots: object[] = [];
const clusterSnapshots: object[] = [];

function instanceSnapshot(options: {
  id: string;
  instance: string;
  engine: string;
  region: string;
  account?: string;
  created?: number;
  type?: string;
  status?: string;
  tags?: Record<string, string>;
  kmsKeyId?: string;
  progress?: number;
  copiedFrom?: string;
}): Made {
  const account = options.account ?? ACCOUNT;
  const arn = instanceArn(options.region, account, options.id);
  const status = options.status ?? 'available';
  dbSnapshots.push({
    DBSnapshotIdentifier: options.id,
    DBInstanceIdentifier: options.instance,
    ...(options.created !== undefined ? { SnapshotCreateTime: cliTime(options.created) } : {}),
    Engine: options.engine,
    Status: status,
    EngineVersion: options.engine === 'mysql' ? '8.0.39' : '16.4',
    SnapshotType: options.type ?? 'manual',
    PercentProgress: options.progress ?? (status === 'available' ? 100 : 0),
    ...(options.copiedFrom ? { SourceRegion: PRIMARY, SourceDBSnapshotIdentifier: options.copiedFrom } : {}),
    Encrypted: true,
    KmsKeyId: options.kmsKeyId ?? KEY,
    DBSnapshotArn: arn,
    TagList: tagList(options.tags ?? {}),
  });
  return { id: options.id, arn, scheduled: options.created ?? 0, tags: options.tags ?? {} };
}

// gold: orders-db (PostgreSQL instance), every 6 hours since 2026-09-25; the 12:00 snapshot of
// 2026-11-24 is still being taken.
const ordersArn = `arn:aws:rds:${PRIMARY}:${ACCOUNT}:db:orders-db`;
const orders: Made[] = [];
for (const t of every(6, '2026-09-25T00:00:00Z', '2026-11-24T12:00:00Z')) {
  const id = snapshotId('orders-db', new Date(t));
  const creating = t === Date.parse('2026-11-24T12:00:00Z');
  const made = instanceSnapshot({
    id,
    instance: 'orders-db',
    engine: 'postgres',
    region: PRIMARY,
    ...(creating ? { status: 'creating', progress: 42 } : { created: t + 4 * 60_000 + (t % 7) * 1000 }),
    tags: managedTags('gold', 'orders-db', ordersArn, t, 'primary'),
  });
  made.scheduled = t;
  if (!creating) orders.push(made);
}

// Its copies in eu-west-1 (same account) since the target was added two weeks ago, and in the DR
// account for the last three days; one DR-account copy of an older snapshot is still copying.
const copy = (
  original: Made,
  region: string,
  account: string | undefined,
  key: string,
  status = 'available',
) => {
  const target = { region, ...(account ? { account } : {}) };
  return instanceSnapshot({
    id: copyId(original.id, target),
    instance: 'orders-db',
    engine: 'postgres',
    region,
    ...(account ? { account } : {}),
    ...(status === 'available' ? { created: original.scheduled + 47 * 60_000 } : { status, progress: 63 }),
    kmsKeyId: key,
    copiedFrom: original.arn,
    tags: {
      ...original.tags,
      [TAG.tier]: account ? 'dr-account' : 'dr-region',
      [TAG.copyOf]: original.arn,
      [TAG.target]: account ? `${account}/${region}` : region,
    },
  });
};
for (const original of orders.filter((o) => o.scheduled >= Date.parse('2026-11-10T00:00:00Z'))) {
  copy(original, DR, undefined, DR_KEY);
}
for (const original of orders.filter((o) => o.scheduled >= Date.parse('2026-11-22T00:00:00Z'))) {
  copy(original, DR, DR_ACCOUNT, DR_ACCOUNT_KEY);
}
copy(
  orders.find((o) => o.tags[TAG.scheduledAt] === '2026-11-21T06:00:00.000Z')!,
  DR,
  DR_ACCOUNT,
  DR_ACCOUNT_KEY,
  'copying',
);

// RDS's own automated backups of orders-db (backup retention 7 days) and a snapshot an operator took
// by hand before a migration: Lifeboat never touches either.
for (const t of every(24, '2026-11-18T03:10:00Z', '2026-11-24T03:10:00Z')) {
  instanceSnapshot({
    id: `rds:orders-db-${iso(t).slice(0, 16).replace(/[T:]/g, '-')}`,
    instance: 'orders-db',
    engine: 'postgres',
    region: PRIMARY,
    type: 'automated',
    created: t + 2 * 60_000,
  });
}
instanceSnapshot({
  id: 'orders-db-before-v42-migration',
  instance: 'orders-db',
  engine: 'postgres',
  region: PRIMARY,
  created: Date.parse('2026-10-02T21:14:09Z'),
  tags: { owner: 'team-orders', ticket: 'OPS-1187' },
});

// silver: reports-db (MySQL instance), daily at 02:30 Europe/Berlin: 00:30 UTC in summer time, 01:30
// UTC from 25 October.
const reportsArn = `arn:aws:rds:${PRIMARY}:${ACCOUNT}:db:reports-db`;
for (const day of every(24, '2026-09-25T00:00:00Z', '2026-11-24T00:00:00Z')) {
  const t = day + (day < Date.parse('2026-10-25T00:00:00Z') ? 0.5 : 1.5) * HOUR;
  instanceSnapshot({
    id: snapshotId('reports-db', new Date(t)),
    instance: 'reports-db',
    engine: 'mysql',
    region: PRIMARY,
    created: t + 3 * 60_000,
    tags: managedTags('silver', 'reports-db', reportsArn, t, 'primary'),
  });
}

// A database once under a policy "bronze" that the policy file no longer has.
for (const t of every(24, '2026-10-01T06:00:00Z', '2026-10-03T06:00:00Z')) {
  instanceSnapshot({
    id: snapshotId('legacy-crm', new Date(t)),
    instance: 'legacy-crm',
    engine: 'postgres',
    region: PRIMARY,
    created: t + 3 * 60_000,
    tags: managedTags(
      'bronze',
      'legacy-crm',
      `arn:aws:rds:${PRIMARY}:${ACCOUNT}:db:legacy-crm`,
      t,
      'primary',
    ),
  });
}

// gold: payments (Aurora PostgreSQL cluster), every 6 hours; restore-verify passed on the
// snapshot each Sunday (the 03:00 verify schedule restores the newest, taken at 00:00).
const paymentsArn = `arn:aws:rds:${PRIMARY}:${ACCOUNT}:cluster:payments`;
function clusterSnapshot(options: {
  id: string;
  created: number;
  type?: string;
  tags?: Record<string, string>;
}) {
  clusterSnapshots.push({
    DBClusterSnapshotIdentifier: options.id,
    DBClusterIdentifier: 'payments',
    SnapshotCreateTime: cliTime(options.created),
    Engine: 'aurora-postgresql',
    Status: 'available',
    EngineVersion: '16.4',
    SnapshotType: options.type ?? 'manual',
    PercentProgress: 100,
    StorageEncrypted: true,
    KmsKeyId: KEY,
    DBClusterSnapshotArn: clusterArn(PRIMARY, ACCOUNT, options.id),
    TagList: tagList(options.tags ?? {}),
  });
}
for (const t of every(6, '2026-09-25T00:00:00Z', '2026-11-24T06:00:00Z')) {
  const sunday = new Date(t).getUTCDay() === 0 && new Date(t).getUTCHours() === 0;
  clusterSnapshot({
    id: snapshotId('payments', new Date(t)),
    created: t + 6 * 60_000,
    tags: {
      ...managedTags('gold', 'payments', paymentsArn, t, 'primary'),
      ...(sunday ? { [TAG.verified]: iso(t + 3 * HOUR + 41 * 60_000) } : {}),
    },
  });
}
for (const t of every(24, '2026-11-18T04:00:00Z', '2026-11-24T04:00:00Z')) {
  clusterSnapshot({
    id: `rds:payments-${iso(t).slice(0, 16).replace(/[T:]/g, '-')}`,
    created: t + 5 * 60_000,
    type: 'automated',
  });
}

// The fields retention reads and a few an operator looks for (the full describe output has some
// forty per snapshot), and one tag per line, as Prettier leaves short objects.
const inventory = { DBSnapshots: dbSnapshots, DBClusterSnapshots: clusterSnapshots };
const text = JSON.stringify(inventory, null, 2).replace(
  /\{\n\s+"Key": ("[^"]*"),\n\s+"Value": ("[^"]*")\n\s+\}/g,
  '{ "Key": $1, "Value": $2 }',
);
writeFileSync(new URL('../examples/inventory.json', import.meta.url), `${text}\n`);
console.log(
  `examples/inventory.json: ${dbSnapshots.length} DB snapshots, ${clusterSnapshots.length} DB cluster snapshots`,
);
