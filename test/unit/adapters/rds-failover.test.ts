import {
  DescribeDBClusterSnapshotsCommand,
  DescribeDBInstanceAutomatedBackupsCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
  RestoreDBInstanceToPointInTimeCommand,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { RdsFailoverRestorer, RdsRecoverySources } from '../../../lib/adapters/aws/rds-failover.js';
import { ConfigError } from '../../../lib/core/errors.js';
import { parseTarget } from '../../../lib/core/failover/target.js';
import { parsePolicyFile } from '../../../lib/core/policy/file.js';
import { TAG } from '../../../lib/core/tags.js';
import { prepareFailover } from '../../../lib/core/use-cases/fail-over.js';
import { rdsErrorResponse } from '../../support/sdk-errors.js';

// moto 5.2.1 has no automated-backup replication: its DescribeDBInstanceAutomatedBackups lists a
// region's own automated snapshots, without Region or RestoreWindow, and its
// RestoreDBInstanceToPointInTime reads only SourceDBInstanceIdentifier. So the replicated backups
// are served here in the documented shapes:
// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBInstanceAutomatedBackup.html and
// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RestoreDBInstanceToPointInTime.html
// (SourceDBInstanceAutomatedBackupsArn restores "replicated automated backups" in the target region).
const rds = mockClient(RDSClient);
afterEach(() => rds.reset());

const ARN = 'arn:aws:rds:eu-west-1:111111111111:auto-backup:ab-orders-replica';
const POLICY = parsePolicyFile(`
policies:
  gold:
    select: { tags: { 'lifeboat:policy': gold } }
    schedule: 'cron(0 */6 * * ? *)'
    rpoMinutes: 360
    rtoMinutes: 120
    retention: { daily: 7 }
    copies:
      - region: eu-west-1
        kmsKeyId: alias/lifeboat-dr
        failover: { instanceClass: db.r6g.large, subnetGroup: prod-dr, parameterGroup: orders-pg16, optionGroup: orders-og }
`);
const NOW = new Date('2026-11-24T12:00:00Z');

function serveBackups() {
  rds.on(DescribeDBInstanceAutomatedBackupsCommand).resolves({
    DBInstanceAutomatedBackups: [
      {
        DBInstanceAutomatedBackupsArn: ARN,
        DBInstanceIdentifier: 'orders',
        DbiResourceId: 'db-ORDERS',
        Region: 'us-east-1',
        Status: 'replicating',
        Engine: 'postgres',
        RestoreWindow: {
          EarliestTime: new Date('2026-11-17T12:00:00Z'),
          LatestTime: new Date('2026-11-24T11:55:00Z'),
        },
      },
      // Another database's, and this region's own automated backups: neither is orders' replica.
      {
        DBInstanceAutomatedBackupsArn: `${ARN}-x`,
        DBInstanceIdentifier: 'billing',
        Region: 'us-east-1',
        Status: 'replicating',
      },
      {
        DBInstanceAutomatedBackupsArn: `${ARN}-y`,
        DBInstanceIdentifier: 'orders',
        Region: 'eu-west-1',
        Status: 'active',
      },
    ],
  });
  rds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [] });
  rds.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [] });
}

async function plan(request: Parameters<typeof prepareFailover>[0]['request']) {
  const client = new RDSClient({ region: 'eu-west-1' });
  return prepareFailover({
    policies: POLICY,
    database: 'orders',
    target: parseTarget('eu-west-1'),
    request,
    sources: new RdsRecoverySources({ region: 'eu-west-1', client }),
    now: NOW,
  });
}

describe('RdsRecoverySources.listReplicatedBackups', () => {
  it("finds the database's backups replicated from another region, with their restore window", async () => {
    serveBackups();
    const backups = await new RdsRecoverySources({
      region: 'eu-west-1',
      client: new RDSClient({ region: 'eu-west-1' }),
    }).listReplicatedBackups('orders');
    expect(backups).toEqual([
      {
        arn: ARN,
        sourceId: 'orders',
        sourceRegion: 'us-east-1',
        dbiResourceId: 'db-ORDERS',
        status: 'replicating',
        engine: 'postgres',
        earliest: new Date('2026-11-17T12:00:00Z'),
        latest: new Date('2026-11-24T11:55:00Z'),
      },
    ]);
  });
});

describe('failover from replicated automated backups', () => {
  it('restores them at their latest restorable time by default: 5 minutes of data lost', async () => {
    serveBackups();
    const planned = await plan({ mode: 'best' });
    expect(planned.source.type).toBe('point-in-time');
    expect(planned.dataAt).toBe('2026-11-24T11:55:00.000Z');
    expect(planned.dataLoss.minutes).toBe(5);

    rds.on(RestoreDBInstanceToPointInTimeCommand).resolves({
      DBInstance: { DBInstanceIdentifier: planned.newId, DBInstanceStatus: 'creating' },
    });
    const created = await new RdsFailoverRestorer({
      region: 'eu-west-1',
      client: new RDSClient({ region: 'eu-west-1' }),
    }).start(planned);
    expect(created).toMatchObject({ id: 'orders-failover-20261124t1200', status: 'creating' });
    expect(rds).toHaveReceivedCommandWith(RestoreDBInstanceToPointInTimeCommand, {
      SourceDBInstanceAutomatedBackupsArn: ARN,
      TargetDBInstanceIdentifier: 'orders-failover-20261124t1200',
      RestoreTime: new Date('2026-11-24T11:55:00Z'),
      DBInstanceClass: 'db.r6g.large',
      DBSubnetGroupName: 'prod-dr',
      DBParameterGroupName: 'orders-pg16',
      OptionGroupName: 'orders-og',
      DeletionProtection: true,
      PubliclyAccessible: false,
      MultiAZ: false,
    });
    const tags = rds.commandCalls(RestoreDBInstanceToPointInTimeCommand)[0]!.args[0].input.Tags!;
    expect(Object.fromEntries(tags.map((t) => [t.Key, t.Value]))).toMatchObject({
      [TAG.failoverOf]: 'orders',
      [TAG.failoverSource]: ARN,
      [TAG.failoverDataAt]: '2026-11-24T11:55:00.000Z',
    });
    expect(
      rds.commandCalls(RestoreDBInstanceToPointInTimeCommand)[0]!.args[0].input.SourceDBInstanceIdentifier,
    ).toBeUndefined();
  });

  it('restores them to --time, inside their window', async () => {
    serveBackups();
    const planned = await plan({ mode: 'time', time: new Date('2026-11-24T09:30:00Z') });
    expect(planned.dataAt).toBe('2026-11-24T09:30:00.000Z');
    expect(planned.dataLoss.minutes).toBe(150);
  });

  it('refuses a --time outside their window, naming the window', async () => {
    serveBackups();
    await expect(plan({ mode: 'time', time: new Date('2026-11-10T00:00:00Z') })).rejects.toThrow(
      "--time 2026-11-10T00:00:00.000Z is outside the restore window of orders's replicated backups in eu-west-1: 2026-11-17T12:00:00.000Z to 2026-11-24T11:55:00.000Z",
    );
  });

  it('turns an RDS refusal of the settings into a usage error that names it', async () => {
    serveBackups();
    const planned = await plan({ mode: 'latest' });
    rds.on(RestoreDBInstanceToPointInTimeCommand).rejects(
      await rdsErrorResponse({
        code: 'DBSubnetGroupNotFoundFault',
        message: 'DBSubnetGroup prod-dr not found.',
        status: 404,
      }),
    );
    const start = new RdsFailoverRestorer({
      region: 'eu-west-1',
      client: new RDSClient({ region: 'eu-west-1' }),
    }).start(planned);
    await expect(start).rejects.toThrow(ConfigError);
    await expect(start).rejects.toThrow(/RDS refused \(DBSubnetGroupNotFound/);
  });
});
