import {
  AddTagsToResourceCommand,
  CopyDBSnapshotCommand,
  CreateDBSnapshotCommand,
  DescribeDBSnapshotsCommand,
  ListTagsForResourceCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { RdsScratchRestorer } from '../../lib/adapters/aws/rds-restores.js';
import { runRestoreVerifyLocally } from '../../lib/adapters/local-state-machine.js';
import { NotFoundError } from '../../lib/core/errors.js';
import type { ConnectionResolver, ScratchRestorer } from '../../lib/core/ports.js';
import type { RestoreVerifyReport } from '../../lib/core/report/report.js';
import { TAG } from '../../lib/core/tags.js';
import { motoClientConfig } from '../support/moto.js';
import { createInstance } from '../support/rds-fixtures.js';
import { rdsErrorResponse } from '../support/sdk-errors.js';
import {
  BUCKET,
  DATABASES,
  INSTANCE,
  publishedNotifications,
  restorerWith as realRestorerWith,
  scratchLeft,
  useRestoreVerifyServers,
} from './restore-verify-fixture.js';

const live = useRestoreVerifyServers();

async function reports(): Promise<RestoreVerifyReport[]> {
  const answer = await live.fixture.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'reports/' }));
  const keys = (answer.Contents ?? []).map((o) => o.Key!).sort();
  return Promise.all(
    keys.map(async (key) => (await live.fixture.deps.reports.get(key)) as RestoreVerifyReport),
  );
}

async function snapshotTags(id: string): Promise<Record<string, string>> {
  const snapshot = (await live.fixture.rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: id })))
    .DBSnapshots![0]!;
  const tags = (
    await live.fixture.rds.send(new ListTagsForResourceCommand({ ResourceName: snapshot.DBSnapshotArn }))
  ).TagList!;
  return Object.fromEntries(tags.map((t) => [t.Key!, t.Value!]));
}

/** The live.fixture's restorer, with some calls replaced. */
function restorerWith(overrides: Partial<ScratchRestorer>): ScratchRestorer {
  return realRestorerWith(live.fixture.deps.restorer, overrides);
}

describe('restore-verify input of any shape', () => {
  it.each([['app-db'], [['app-db']], [42]])(
    'fails %j with a clear InvalidInputError, cleans up and publishes the failure',
    async (input) => {
      const run = await runRestoreVerifyLocally(input, live.fixture.deps);

      expect(run.status).toBe('FAILED');
      expect(run.error?.name).toBe('InvalidInputError');
      expect(run.error?.cause).toMatch(/restore-verify input is invalid/);
      expect(run.states.slice(-4)).toEqual(['DeleteScratch', 'PublishOutcome', 'Passed', 'Failed']);
      expect(await scratchLeft(live.fixture.rds)).toEqual([]);
      const notifications = await publishedNotifications(live.fixture);
      expect(notifications.map((n) => n.kind)).toEqual(['restore-verify.failed']);
    },
  );

  it('publishes the failure of a 100,000-character source, shortened to fit SNS', async () => {
    const run = await runRestoreVerifyLocally({ source: 'a'.repeat(100_000) }, live.fixture.deps);

    expect(run.status).toBe('FAILED');
    expect(run.error?.name).toBe('InvalidInputError');
    expect(run.states.slice(-4)).toEqual(['DeleteScratch', 'PublishOutcome', 'Passed', 'Failed']);
    const [notification, ...others] = await publishedNotifications(live.fixture);
    expect(others).toEqual([]);
    expect(notification?.kind).toBe('restore-verify.failed');
    expect(notification!.database!.length).toBeLessThan(100_000);
  });
});

describe('restore-verify snapshot choice and the verified tag', () => {
  it('restores the original over a newer shareable copy, tags the original with only lifeboat:verified and measures RPO from it', async () => {
    const original = (
      await live.fixture.rds.send(
        new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: live.fixture.snapshotId }),
      )
    ).DBSnapshots![0]!;
    const before = await snapshotTags(live.fixture.snapshotId);
    await new Promise((r) => setTimeout(r, 1100)); // the copy is created a second later
    const copyId = `${live.fixture.snapshotId}-share-222222222222`;
    await live.fixture.rds.send(
      new CopyDBSnapshotCommand({
        SourceDBSnapshotIdentifier: live.fixture.snapshotId,
        TargetDBSnapshotIdentifier: copyId,
        Tags: [
          { Key: TAG.managed, Value: 'true' },
          { Key: TAG.policy, Value: 'gold' },
          { Key: TAG.tier, Value: 'primary' },
          { Key: TAG.copyOf, Value: original.DBSnapshotArn! },
          { Key: TAG.origin, Value: live.fixture.snapshotId },
        ],
      }),
    );

    const run = await runRestoreVerifyLocally({ source: INSTANCE }, live.fixture.deps);

    expect(run.error).toBeUndefined();
    const [report] = await reports();
    expect(report?.snapshot?.id).toBe(live.fixture.snapshotId);
    expect(report?.rpo.dataAsOf).toBe(original.SnapshotCreateTime!.toISOString());
    const after = await snapshotTags(live.fixture.snapshotId);
    expect(Object.keys(after).sort()).toEqual([...Object.keys(before), TAG.verified].sort());
    expect((await snapshotTags(copyId))[TAG.verified]).toBeUndefined();
  });

  it('records the verification of a snapshot Lifeboat does not own in the report only', async () => {
    await live.fixture.rds.send(
      new CreateDBSnapshotCommand({ DBInstanceIdentifier: INSTANCE, DBSnapshotIdentifier: 'team-manual-1' }),
    );

    const run = await runRestoreVerifyLocally(
      { source: INSTANCE, snapshot: 'team-manual-1' },
      live.fixture.deps,
    );

    expect(run.error).toBeUndefined();
    expect(run.status).toBe('SUCCEEDED');
    const [report] = await reports();
    expect(report).toMatchObject({ verdict: 'passed', snapshot: { id: 'team-manual-1' } });
    expect(await snapshotTags('team-manual-1')).toEqual({});
  });

  it('restores an automated snapshot by its id, rds: prefix and all, and does not tag it', async () => {
    await createInstance(
      live.fixture.rds,
      'auto-db',
      { 'lifeboat:policy': 'gold' },
      { backupRetentionDays: 1 },
    );
    const automated = (
      await live.fixture.rds.send(
        new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: 'auto-db', SnapshotType: 'automated' }),
      )
    ).DBSnapshots![0]!;
    expect(automated.DBSnapshotIdentifier).toMatch(/^rds:/);

    const run = await runRestoreVerifyLocally(
      { source: 'auto-db', snapshot: automated.DBSnapshotIdentifier },
      live.fixture.deps,
    );

    expect(run.error).toBeUndefined();
    const [report] = await reports();
    expect(report?.snapshot).toMatchObject({ id: automated.DBSnapshotIdentifier, type: 'automated' });
    expect(await snapshotTags(automated.DBSnapshotIdentifier!)).toEqual({});
  });

  it.each([
    ['another region', 'arn:aws:rds:eu-west-1:123456789012:snapshot:lifeboat-app-db-20260101t000000z'],
    ['another account', 'arn:aws:rds:us-east-1:999999999999:snapshot:lifeboat-app-db-20260101t000000z'],
  ])('refuses a snapshot ARN of %s instead of restoring the local one of that name', async (_, arn) => {
    const run = await runRestoreVerifyLocally({ source: INSTANCE, snapshot: arn }, live.fixture.deps);

    expect(run.status).toBe('FAILED');
    expect(run.error?.name).toBe('InvalidInputError');
    expect(run.error?.cause).toContain(arn);
    expect(run.states).not.toContain('StartRestore');
    expect(await scratchLeft(live.fixture.rds)).toEqual([]);
    expect((await snapshotTags(live.fixture.snapshotId))[TAG.verified]).toBeUndefined();
    expect((await publishedNotifications(live.fixture))[0]?.kind).toBe('restore-verify.failed');
  });
});

describe('restore-verify verdicts', () => {
  it('fails a run that fingerprinted no table, and does not tag the snapshot', async () => {
    for (const database of DATABASES) {
      const client = new pg.Client({ connectionString: live.server.urlFor(database) });
      await client.connect();
      await client.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
      await client.end();
    }

    const run = await runRestoreVerifyLocally({ source: INSTANCE }, live.fixture.deps);

    expect(run.status).toBe('FAILED');
    expect(run.error?.name).toBe('VerificationFailedError');
    expect(run.states).not.toContain('MarkSnapshotVerified');
    const [report] = await reports();
    expect(report?.verdict).toBe('failed');
    expect((await snapshotTags(live.fixture.snapshotId))[TAG.verified]).toBeUndefined();
    const [notification] = await publishedNotifications(live.fixture);
    expect(notification?.summary).toContain('nothing was checked');
  });

  it('stores a failed report when the snapshot cannot be tagged verified, as the outcome says', async () => {
    // The real tagger, its AddTagsToResource refused by RDS as IAM does (live.moto enforces no IAM here).
    const refusal = await rdsErrorResponse({
      code: 'AccessDenied',
      message: `User: arn:aws:sts::123456789012:assumed-role/lifeboat-restore/mark is not authorized to perform: rds:AddTagsToResource on resource: ${live.fixture.snapshotId}`,
      status: 403,
    });
    const refusingClient = new RDSClient(motoClientConfig(live.moto));
    mockClient(refusingClient).on(AddTagsToResourceCommand).rejects(refusal);
    const tagger = new RdsScratchRestorer({ client: refusingClient, region: 'us-east-1' });

    const run = await runRestoreVerifyLocally({ source: INSTANCE }, { ...live.fixture.deps, tagger });

    expect(run.status).toBe('FAILED');
    expect(run.states.filter((s) => s === 'WriteReport')).toHaveLength(2);
    const all = await reports();
    expect(all).toHaveLength(1);
    expect(all[0]!.verdict).toBe('failed');
    expect(all[0]!.errors.map((e) => e.cause)).toContainEqual(
      expect.stringContaining('is not authorized to perform: rds:AddTagsToResource'),
    );
    expect(await scratchLeft(live.fixture.rds)).toEqual([]);
    expect((await publishedNotifications(live.fixture))[0]?.kind).toBe('restore-verify.failed');
  });
});

describe('restore-verify scratch lifecycle', () => {
  it('waits until the new master password is applied before logging in with it', async () => {
    let passwordSet = false;
    let pendingLooks = 0;
    let applied = false;
    const restorer = restorerWith({
      setMasterPassword: async (scratch, password) => {
        await live.fixture.deps.restorer.setMasterPassword(scratch, password);
        passwordSet = true;
      },
      // As RDS reports it: available, with the password in PendingModifiedValues a few looks more.
      describeScratch: async (kind, id) => {
        const scratch = await live.fixture.deps.restorer.describeScratch(kind, id);
        if (!scratch || !passwordSet || applied) return scratch;
        if (++pendingLooks <= 2) return { ...scratch, passwordPending: true };
        applied = true;
        return scratch;
      },
    });
    const connections: ConnectionResolver = {
      connectionFor: (scratch, credentials, database, options) => ({
        ...live.fixture.deps.connections.connectionFor(scratch, credentials, database, options),
        // Until RDS applies the reset, the scratch still has the source's password of snapshot time.
        ...(applied ? {} : { password: 'password-as-of-snapshot' }),
      }),
    };

    const run = await runRestoreVerifyLocally(
      { source: INSTANCE },
      { ...live.fixture.deps, restorer, connections },
    );

    expect(run.error).toBeUndefined();
    expect(run.status).toBe('SUCCEEDED');
    expect(pendingLooks).toBe(3);
  });

  it('retries a refused login for a while after the password reset', async () => {
    let refusals = 0;
    const connections: ConnectionResolver = {
      connectionFor: (scratch, credentials, database, options) => ({
        ...live.fixture.deps.connections.connectionFor(scratch, credentials, database, options),
        ...(refusals++ < 2 ? { password: 'not-applied-yet' } : {}),
      }),
    };

    const run = await runRestoreVerifyLocally({ source: INSTANCE }, { ...live.fixture.deps, connections });

    expect(run.error).toBeUndefined();
    expect(run.status).toBe('SUCCEEDED');
    // Two refused, then the retried PlanFingerprints and the fingerprints logged in.
    expect(refusals).toBeGreaterThan(2);
  });

  it('retries the delete of a scratch RDS does not list yet, and deletes it', async () => {
    let notListed = 2;
    const restorer = restorerWith({
      deleteScratch: async (kind, id) => {
        if (notListed-- > 0) throw new NotFoundError(`delete: ${kind} ${id} does not exist in us-east-1`);
        return live.fixture.deps.restorer.deleteScratch(kind, id);
      },
    });

    const run = await runRestoreVerifyLocally({ source: INSTANCE }, { ...live.fixture.deps, restorer });

    expect(run.status).toBe('SUCCEEDED');
    expect(run.states.filter((s) => s === 'DeleteScratch').length).toBe(1);
    expect(await scratchLeft(live.fixture.rds)).toEqual([]);
    const [notification] = await publishedNotifications(live.fixture);
    expect(notification?.details.cleanup).toMatch(/is being deleted/);
  });

  it('says a failed run kept its scratch on request, not that it was deleted', async () => {
    const run = await runRestoreVerifyLocally({ source: INSTANCE, keepScratch: true }, live.fixture.deps, {
      tasks: {
        PlanFingerprints: async () => {
          throw Object.assign(new Error('injected fault'), { name: 'InjectedFault' });
        },
      },
    });

    expect(run.status).toBe('FAILED');
    expect(await scratchLeft(live.fixture.rds)).toHaveLength(1);
    const [notification] = await publishedNotifications(live.fixture);
    expect(notification?.details.cleanup).toMatch(/^kept on request/);
    expect(notification?.action).not.toMatch(/was deleted/);
    expect(notification?.action).toMatch(/kept on request/);
  });
});
