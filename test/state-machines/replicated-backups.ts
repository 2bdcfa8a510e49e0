import {
  DescribeDBInstanceAutomatedBackupsCommand,
  RDSClient,
  RestoreDBInstanceToPointInTimeCommand,
  type Tag,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { createInstance } from '../support/rds-fixtures.js';

/*
 * RDS in a DR region as far as automated-backup replication goes, which moto 5.2.1 lacks (no
 * replicated backups; its RestoreDBInstanceToPointInTime takes only SourceDBInstanceIdentifier):
 * an aws-sdk-client-mock client answering DescribeDBInstanceAutomatedBackups and
 * RestoreDBInstanceToPointInTime in their documented shapes
 * (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBInstanceAutomatedBackups.html,
 * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RestoreDBInstanceToPointInTime.html).
 * The restore creates the scratch instance RDS would create in moto (`scratchRds`), where every
 * later step (wait, password, delete) runs for real.
 */
export function replicatedBackupsRds(options: {
  region: string;
  scratchRds: RDSClient;
  /** The source instance in the primary region, and its replicated backups' ARN here. */
  source: { id: string; arn: string; backupsArn: string };
  window: { earliest: Date; latest: Date };
}) {
  const { region, scratchRds, source, window } = options;
  const client = new RDSClient({ region, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const documented = mockClient(client);
  documented.on(DescribeDBInstanceAutomatedBackupsCommand).resolves({
    DBInstanceAutomatedBackups: [
      {
        DBInstanceArn: source.arn,
        DBInstanceIdentifier: source.id,
        Region: source.arn.split(':')[3],
        Engine: 'postgres',
        Status: 'active',
        DBInstanceAutomatedBackupsArn: source.backupsArn,
        RestoreWindow: { EarliestTime: window.earliest, LatestTime: window.latest },
      },
    ],
  });
  documented.on(RestoreDBInstanceToPointInTimeCommand).callsFake(async (input) => {
    const tags = Object.fromEntries((input.Tags ?? []).map((t: Tag) => [t.Key!, t.Value!]));
    await createInstance(scratchRds, input.TargetDBInstanceIdentifier, tags);
    return {
      DBInstance: { DBInstanceIdentifier: input.TargetDBInstanceIdentifier, DBInstanceStatus: 'creating' },
    };
  });
  /** The RestoreDBInstanceToPointInTime requests sent, in order. */
  const restores = () =>
    documented.commandCalls(RestoreDBInstanceToPointInTimeCommand).map((call) => call.args[0].input);
  return { client, restores };
}
