import { RDSClient } from '@aws-sdk/client-rds';
import { describe, expect, it } from 'vitest';
import { RdsBackupReplication } from '../../lib/adapters/aws/rds-backup-replication.js';
import { RdsScratchRestorer } from '../../lib/adapters/aws/rds-restores.js';
import { RdsSnapshotStore } from '../../lib/adapters/aws/rds-snapshots.js';
import { runRestoreVerifyLocally } from '../../lib/adapters/local-state-machine.js';
import type { RestoreVerifyReport } from '../../lib/core/report/report.js';
import type { RestoreSite, RestoreVerifyDeps } from '../../lib/core/use-cases/restore-verify/types.js';
import { motoClientConfig } from '../support/moto.js';
import {
  INSTANCE,
  POLICIES,
  publishedNotifications,
  restorerWith,
  scratchLeft,
  useRestoreVerifyServers,
} from './restore-verify-fixture.js';
import { replicatedBackupsRds } from './replicated-backups.js';

/*
 * The restore-verify ASL, executed with the real steps, restoring a point in time at the DR target
 * eu-west-1 from the automated backups replicated there. moto 5.2.1 has neither replicated backups
 * nor a restore from them, so those two calls go to an aws-sdk-client-mock client answering in the
 * documented shapes (replicated-backups.ts), and the scratch instance RDS would create is created
 * in moto's eu-west-1, where every later step (wait, password, delete) runs for real; the
 * fingerprints are the local PostgreSQL's.
 */
const live = useRestoreVerifyServers();
const BACKUPS_ARN = 'arn:aws:rds:eu-west-1:123456789012:auto-backup:ab-app-db';

function pointInTimeDeps(window: { earliest: Date; latest: Date }) {
  const drRds = new RDSClient(motoClientConfig(live.moto, 'eu-west-1'));
  const { client: shapes, restores } = replicatedBackupsRds({
    region: 'eu-west-1',
    scratchRds: drRds,
    source: {
      id: INSTANCE,
      arn: `arn:aws:rds:us-east-1:123456789012:db:${INSTANCE}`,
      backupsArn: BACKUPS_ARN,
    },
    window,
  });
  const drRestorer = new RdsScratchRestorer({ region: 'eu-west-1', client: drRds });
  const pointInTimeRestorer = new RdsScratchRestorer({ region: 'eu-west-1', client: shapes });
  const site: RestoreSite = {
    snapshots: new RdsSnapshotStore({ region: 'eu-west-1', client: drRds }),
    restorer: restorerWith(drRestorer, {
      startRestore: (request) => pointInTimeRestorer.startRestore(request),
    }),
    tagger: drRestorer,
    replication: new RdsBackupReplication({ region: 'eu-west-1', client: shapes }),
  };
  const gold = POLICIES.policies.gold!;
  const deps: RestoreVerifyDeps = {
    ...live.fixture.deps,
    policies: {
      policies: {
        gold: {
          ...gold,
          copies: gold.copies.map((copy) => ({ ...copy, pointInTime: { retentionDays: 7 } })),
        },
      },
    },
    siteFor: () => site,
  };
  return { deps, restores, drRds };
}

describe('restore-verify of a point in time from backups replicated to a DR region', () => {
  it('restores the time asked from the replicated backups there, verifies it and deletes the scratch', async () => {
    const now = Date.now();
    const time = new Date(now - 10 * 60_000).toISOString();
    const { deps, restores, drRds } = pointInTimeDeps({
      earliest: new Date(now - 7 * 24 * 3_600_000),
      latest: new Date(now - 5 * 60_000),
    });

    const run = await runRestoreVerifyLocally(
      { source: INSTANCE, pointInTime: time, target: 'eu-west-1' },
      deps,
    );

    expect(run.error).toBeUndefined();
    expect(run.status).toBe('SUCCEEDED');
    const sent = restores();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      SourceDBInstanceAutomatedBackupsArn: BACKUPS_ARN,
      RestoreTime: new Date(time),
    });
    expect(sent[0]).not.toHaveProperty('SourceDBInstanceIdentifier');
    const keys = await live.fixture.deps.reports.list(`reports/${INSTANCE}/`);
    const report = (await live.fixture.deps.reports.get(keys.at(-1)!)) as RestoreVerifyReport;
    expect(report).toMatchObject({ verdict: 'passed', target: 'eu-west-1', pointInTime: time });
    expect(await scratchLeft(drRds)).toEqual([]);
    expect((await publishedNotifications(live.fixture)).map((n) => n.kind)).toEqual([
      'restore-verify.passed',
    ]);
  });

  it('fails a time outside the replicated window before any restore, creates nothing and says so', async () => {
    const now = Date.now();
    const { deps, restores, drRds } = pointInTimeDeps({
      earliest: new Date(now - 7 * 24 * 3_600_000),
      latest: new Date(now - 30 * 60_000),
    });

    const run = await runRestoreVerifyLocally(
      { source: INSTANCE, pointInTime: new Date(now - 60_000).toISOString(), target: 'eu-west-1' },
      deps,
    );

    expect(run.status).toBe('FAILED');
    expect(run.error?.name).toBe('InvalidInputError');
    expect(run.error?.cause).toMatch(
      /is outside what is replicated to eu-west-1 for "app-db": restorable there from/,
    );
    expect(run.states).toContain('DeleteScratch');
    expect(restores()).toHaveLength(0);
    expect(await scratchLeft(drRds)).toEqual([]);
    const [failed] = await publishedNotifications(live.fixture);
    expect(failed?.kind).toBe('restore-verify.failed');
  });
});
