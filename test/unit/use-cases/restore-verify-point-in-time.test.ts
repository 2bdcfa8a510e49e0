import {
  DescribeDBClustersCommand,
  DescribeDBInstanceAutomatedBackupsCommand,
  DescribeDBInstancesCommand,
  RDSClient,
  RestoreDBInstanceToPointInTimeCommand,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { RdsBackupReplication } from '../../../lib/adapters/aws/rds-backup-replication.js';
import { RdsScratchRestorer } from '../../../lib/adapters/aws/rds-restores.js';
import { RdsSnapshotStore } from '../../../lib/adapters/aws/rds-snapshots.js';
import { InvalidInputError, NotFoundError } from '../../../lib/core/errors.js';
import { resolveSnapshot, startRestore } from '../../../lib/core/use-cases/restore-verify/restore.js';
import type {
  RestoreSite,
  RestoreVerifyDeps,
  VerifyRequest,
} from '../../../lib/core/use-cases/restore-verify/types.js';
import { validateInput } from '../../../lib/core/use-cases/restore-verify/validate-input.js';
import { goldPolicyFile } from '../../support/policies.js';

/*
 * moto 5.2.1 neither replicates automated backups nor restores from them (its
 * RestoreDBInstanceToPointInTime takes only SourceDBInstanceIdentifier), so both regions' RDS
 * clients are aws-sdk-client-mock here, answering in the documented shapes:
 * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBInstanceAutomatedBackups.html
 * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RestoreDBInstanceToPointInTime.html
 * The adapters, the use case and its checks are the real ones.
 */
const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
const home = new RDSClient({ region: 'us-east-1', credentials });
const drClient = new RDSClient({ region: 'eu-west-1', credentials });
const primary = mockClient(home);
const dr = mockClient(drClient);
afterEach(() => {
  primary.reset();
  dr.reset();
});

const KEY = 'arn:aws:kms:eu-west-1:111111111111:key/11111111-2222-3333-4444-555555555555';
const SOURCE_ARN = 'arn:aws:rds:us-east-1:111111111111:db:orders-db';
const BACKUPS_ARN = 'arn:aws:rds:eu-west-1:111111111111:auto-backup:ab-orders';
const NOW = new Date('2026-11-24T12:00:00Z');
const policies = goldPolicyFile({
  copies: [
    { region: 'eu-west-1', kmsKeyId: KEY, pointInTime: { retentionDays: 7 } },
    { region: 'eu-central-1', kmsKeyId: 'arn:aws:kms:eu-central-1:111111111111:key/1' },
  ],
  verify: { instanceClass: 'db.t4g.medium', subnetGroup: 'lifeboat-scratch-dr', databases: ['app'] },
});

function deps(): RestoreVerifyDeps {
  const restorer = new RdsScratchRestorer({ region: 'us-east-1', client: home });
  const drRestorer = new RdsScratchRestorer({ region: 'eu-west-1', client: drClient });
  const site: RestoreSite = {
    snapshots: new RdsSnapshotStore({ region: 'eu-west-1', client: drClient }),
    restorer: drRestorer,
    tagger: drRestorer,
    replication: new RdsBackupReplication({ region: 'eu-west-1', client: drClient }),
  };
  // Only what ValidateInput, ResolveSnapshot and StartRestore read.
  return {
    policies,
    snapshots: new RdsSnapshotStore({ region: 'us-east-1', client: home }),
    restorer,
    tagger: restorer,
    siteFor: () => site,
    clock: () => NOW,
  } as Partial<RestoreVerifyDeps> as RestoreVerifyDeps;
}

function databases(kind: 'instance' | 'cluster' = 'instance') {
  primary.on(DescribeDBInstancesCommand).resolves({
    DBInstances:
      kind === 'instance'
        ? [
            {
              DBInstanceIdentifier: 'orders-db',
              DBInstanceArn: SOURCE_ARN,
              Engine: 'postgres',
              DBInstanceStatus: 'available',
              TagList: [{ Key: 'lifeboat:policy', Value: 'gold' }],
            },
          ]
        : [],
  });
  primary.on(DescribeDBClustersCommand).resolves({
    DBClusters:
      kind === 'cluster'
        ? [
            {
              DBClusterIdentifier: 'orders-db',
              DBClusterArn: 'arn:aws:rds:us-east-1:111111111111:cluster:orders-db',
              Engine: 'aurora-postgresql',
              Status: 'available',
              TagList: [{ Key: 'lifeboat:policy', Value: 'gold' }],
            },
          ]
        : [],
  });
}

function replicatedWindow(earliest: string, latest: string) {
  dr.on(DescribeDBInstanceAutomatedBackupsCommand).resolves({
    DBInstanceAutomatedBackups: [
      {
        DBInstanceArn: SOURCE_ARN,
        DBInstanceIdentifier: 'orders-db',
        Region: 'us-east-1',
        Status: 'replicating',
        DBInstanceAutomatedBackupsArn: BACKUPS_ARN,
        RestoreWindow: { EarliestTime: new Date(earliest), LatestTime: new Date(latest) },
      },
    ],
  });
}

const validated = async (input: Record<string, unknown>) =>
  (await validateInput(
    { input: { source: 'orders-db', ...input }, execution: 'exec-1' },
    deps(),
  )) as VerifyRequest;

describe('restore-verify of a point in time at a pointInTime target', () => {
  it('restores the replicated automated backups there, at the time asked, into the scratch instance', async () => {
    databases();
    replicatedWindow('2026-11-17T12:00:00Z', '2026-11-24T11:55:00Z');
    dr.on(RestoreDBInstanceToPointInTimeCommand).resolves({
      DBInstance: { DBInstanceIdentifier: 'lbs-x', DBInstanceStatus: 'creating', TagList: [] },
    });

    const request = await validated({ pointInTime: '2026-11-24T11:30:00Z', target: 'eu-west-1' });
    const resolved = await resolveSnapshot({ request }, deps());
    await startRestore({ request, resolved }, deps());

    expect(resolved).toMatchObject({
      kind: 'instance',
      dataAsOf: '2026-11-24T11:30:00.000Z',
      automatedBackupsArn: BACKUPS_ARN,
    });
    expect(primary).toHaveReceivedCommandTimes(RestoreDBInstanceToPointInTimeCommand, 0);
    expect(dr).toHaveReceivedCommandTimes(RestoreDBInstanceToPointInTimeCommand, 1);
    const sent = dr.commandCalls(RestoreDBInstanceToPointInTimeCommand)[0]!.args[0].input;
    expect(sent).toMatchObject({
      SourceDBInstanceAutomatedBackupsArn: BACKUPS_ARN,
      TargetDBInstanceIdentifier: request.scratchId,
      RestoreTime: new Date('2026-11-24T11:30:00Z'),
      DBSubnetGroupName: 'lifeboat-scratch-dr',
      PubliclyAccessible: false,
      DeletionProtection: false,
    });
    expect(sent).not.toHaveProperty('SourceDBInstanceIdentifier');
    expect(sent.Tags).toEqual(expect.arrayContaining([{ Key: 'lifeboat:scratch', Value: 'true' }]));
  });

  it('refuses a time outside the replicated restore window, naming the window, before any restore', async () => {
    databases();
    replicatedWindow('2026-11-17T12:00:00Z', '2026-11-24T11:55:00Z');

    const request = await validated({ pointInTime: '2026-11-24T11:58:00Z', target: 'eu-west-1' });

    const refusal = resolveSnapshot({ request }, deps());
    await expect(refusal).rejects.toThrow(InvalidInputError);
    await expect(refusal).rejects.toThrow(
      'pointInTime 2026-11-24T11:58:00.000Z is outside what is replicated to eu-west-1 for "orders-db": restorable there from 2026-11-17T12:00:00.000Z to 2026-11-24T11:55:00.000Z',
    );
    expect(dr).toHaveReceivedCommandTimes(RestoreDBInstanceToPointInTimeCommand, 0);
  });

  it('says when nothing is replicated there yet', async () => {
    databases();
    dr.on(DescribeDBInstanceAutomatedBackupsCommand).resolves({ DBInstanceAutomatedBackups: [] });

    const request = await validated({ pointInTime: '2026-11-24T11:30:00Z', target: 'eu-west-1' });

    await expect(resolveSnapshot({ request }, deps())).rejects.toThrow(NotFoundError);
    await expect(resolveSnapshot({ request }, deps())).rejects.toThrow(
      'no automated backups of "orders-db" are replicated to eu-west-1 yet',
    );
  });

  it('refuses a point in time at a target without pointInTime, and for an Aurora cluster', async () => {
    databases();
    await expect(validated({ pointInTime: '2026-11-24T11:30:00Z', target: 'eu-central-1' })).rejects.toThrow(
      'pointInTime at target "eu-central-1": policy "gold" replicates no automated backups there',
    );

    primary.reset();
    databases('cluster');
    await expect(validated({ pointInTime: '2026-11-24T11:30:00Z', target: 'eu-west-1' })).rejects.toThrow(
      /Aurora clusters cannot replicate automated backups.*Aurora global database/,
    );
  });
});
