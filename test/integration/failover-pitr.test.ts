import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeDBInstancesCommand,
  RDSClient,
  StartDBInstanceAutomatedBackupsReplicationCommand,
} from '@aws-sdk/client-rds';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FailoverPlan } from '../../lib/core/failover/types.js';
import { TAG } from '../../lib/core/tags.js';
import { runLifeboatOnMoto } from '../support/cli.js';
import { motoClientConfig, startMoto, type Moto } from '../support/moto.js';
import { createInstance } from '../support/rds-fixtures.js';

// moto with automated-backup replication (test/support/moto-replicated-backups.py): the backups of
// orders in us-east-1 are replicated into eu-west-1 by StartDBInstanceAutomatedBackupsReplication,
// listed there with their restore window (up to 5 minutes ago), and restored there to a point in
// time by RestoreDBInstanceToPointInTime with SourceDBInstanceAutomatedBackupsArn.
const HOME = 'us-east-1';
const DR = 'eu-west-1';

let moto: Moto;
let home: RDSClient;
let dr: RDSClient;
let dir: string;
let policyFile: string;

const failover = (...args: string[]) =>
  runLifeboatOnMoto(
    moto.endpoint,
    ['failover', '--policy-file', policyFile, '--db', 'orders', '--to', DR, ...args],
    {
      AWS_REGION: HOME,
    },
  );
const planOf = (stdout: string) => (JSON.parse(stdout) as { plan: FailoverPlan }).plan;

beforeAll(async () => {
  moto = await startMoto({ replicatedBackups: true });
  home = new RDSClient(motoClientConfig(moto, HOME));
  dr = new RDSClient(motoClientConfig(moto, DR));
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-failover-pitr-'));
  policyFile = join(dir, 'lifeboat.yml');
  await writeFile(
    policyFile,
    [
      'policies:',
      '  gold:',
      "    select: { tags: { 'lifeboat:policy': gold } }",
      "    schedule: 'cron(0 */6 * * ? *)'",
      '    rpoMinutes: 15',
      '    rtoMinutes: 120',
      '    retention: { daily: 7 }',
      '    copies:',
      `      - { region: ${DR}, kmsKeyId: alias/dr, failover: { instanceClass: db.r6g.large, multiAz: true } }`,
      '',
    ].join('\n'),
  );
});
afterAll(async () => {
  await moto?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  await moto.reset();
  await createInstance(home, 'orders', { 'lifeboat:policy': 'gold' }, { backupRetentionDays: 7 });
  const [source] = (await home.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'orders' })))
    .DBInstances!;
  await dr.send(
    new StartDBInstanceAutomatedBackupsReplicationCommand({ SourceDBInstanceArn: source!.DBInstanceArn }),
  );
});

describe('lifeboat failover from replicated automated backups, on moto', () => {
  it('plans the latest restorable time, a few minutes of data lost, within the RPO', async () => {
    const run = await failover('--dry-run', '--json');
    expect(run.code).toBe(0);
    const plan = planOf(run.stdout);
    expect(plan.source).toMatchObject({
      type: 'point-in-time',
      backup: { sourceId: 'orders', sourceRegion: HOME },
    });
    expect(plan.dataLoss.minutes).toBeGreaterThanOrEqual(5);
    expect(plan.dataLoss.minutes).toBeLessThan(15);
    expect(run.stderr).toMatch(/source\s+replicated automated backups of orders \(from us-east-1\) at /);
    expect((await dr.send(new DescribeDBInstancesCommand({}))).DBInstances).toEqual([]);
  });

  it('restores them in the DR region with RestoreDBInstanceToPointInTime, protected and tagged', async () => {
    const run = await failover('--name', 'orders-dr', '--wait', '--poll-seconds', '1');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /RPO\s+[\d.]+ min \(data time to command start\); objective 15 min {2}\(met\)/,
    );
    const [created] = (await dr.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'orders-dr' })))
      .DBInstances!;
    expect(created).toMatchObject({
      DBInstanceClass: 'db.r6g.large',
      MultiAZ: true,
      DeletionProtection: true,
    });
    const tags = Object.fromEntries(created!.TagList!.map((t) => [t.Key, t.Value]));
    expect(tags[TAG.failoverSource]).toMatch(/^arn:aws:rds:eu-west-1:\d{12}:auto-backup:/);
    expect(tags[TAG.failoverOf]).toBe('orders');
  });

  it('restores to --time in the window, and refuses one outside it, creating nothing', async () => {
    const inside = new Date(Date.now() - 60 * 60_000).toISOString();
    const planned = await failover('--time', inside, '--dry-run', '--json');
    expect(planned.code).toBe(0);
    expect(planOf(planned.stdout).dataAt).toBe(inside);

    const run = await failover('--time', '2020-01-01T00:00:00Z');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^lifeboat: --time 2020-01-01T00:00:00.000Z is outside the restore window of orders's replicated backups in eu-west-1: \S+ to \S+\n$/,
    );
    expect((await dr.send(new DescribeDBInstancesCommand({}))).DBInstances).toEqual([]);
  });
});
