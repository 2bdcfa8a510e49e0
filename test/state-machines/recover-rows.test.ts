import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDiff } from '../../cli/commands/diff.js';
import type { DatabaseConnection } from '../../lib/core/fingerprint/types.js';
import { recoverRows } from '../../lib/core/use-cases/recover-rows.js';
import { startPostgres, type LocalPostgres } from '../support/postgres.js';
import { AccessDeniedError } from '../../lib/core/errors.js';
import {
  INSTANCE,
  loadSchema,
  restorerWith,
  scratchLeft,
  useRestoreVerifyServers,
} from './restore-verify-fixture.js';

// The restore-verify steps on moto (RestoreDBInstanceToPointInTime, the scratch tags and guards,
// ModifyDBInstance for the password, DeleteDBInstance); the scratch's data is the fixture's
// PostgreSQL, the live database a second one, damaged.
describe('recoverRows: a point-in-time scratch diffed against the live database', () => {
  const live = useRestoreVerifyServers();
  let production: LocalPostgres;
  let dir: string;
  const sleep = () => new Promise<void>((resolve) => setTimeout(resolve, 10));

  beforeAll(async () => {
    production = await startPostgres();
    dir = mkdtempSync(join(tmpdir(), 'lifeboat-recover-'));
  });
  afterAll(async () => {
    await production?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function damagedProduction(): Promise<DatabaseConnection> {
    await loadSchema(production);
    const client = new pg.Client(production.urlFor('app'));
    await client.connect();
    await client.query(
      `DELETE FROM orders WHERE id % 100 = 7; UPDATE customers SET email = NULL WHERE id IN (5, 50)`,
    );
    await client.end();
    return {
      engine: 'postgres',
      host: production.host,
      port: production.port,
      user: production.user,
      password: production.password,
      database: 'app',
    };
  }

  const pointInTime = () => new Date(Date.now() - 60_000).toISOString();

  it('restores the point in time, diffs, writes the repair script and deletes the scratch', async () => {
    const after = await damagedProduction();
    const script = join(dir, 'repair.sql');
    const steps: string[] = [];

    const recovery = await recoverRows(
      { source: INSTANCE, pointInTime: pointInTime(), keep: false },
      () => after,
      { restore: live.fixture.deps, sleep, pollMs: 10, progress: (line) => steps.push(line) },
      (before, current) =>
        runDiff(before, current, {
          tables: ['public.orders', 'public.customers'],
          sql: script,
          deleteInserted: false,
        }),
    );

    const orders = recovery.result.tables.find((t) => t.table.key === 'public.orders');
    const customers = recovery.result.tables.find((t) => t.table.key === 'public.customers');
    expect(orders?.deleted).toHaveLength(10);
    expect(customers?.changed.map((c) => c.columns)).toEqual([['email'], ['email']]);
    expect(recovery.cleanup.deleted).toBe(true);
    expect(await scratchLeft(live.fixture.rds)).toEqual([]);
    expect(steps[0]).toMatch(/^restoring app-db as of .* into scratch /);
    expect(steps.at(-1)).toMatch(/^cleanup: .* is being deleted/);
    // The scratch was reached with the restore-verify credentials: its derived password.
    expect(live.fixture.connections.seen).toEqual([expect.stringMatching(/^lbs-app-db-.*\/app\/.+\/\d+$/)]);

    const client = new pg.Client(production.urlFor('app'));
    await client.connect();
    await client.query(readFileSync(script, 'utf8'));
    await client.end();
    // The scratch is gone; the data it held is the fixture's server.
    const restored = {
      ...after,
      host: live.server.host,
      port: live.server.port,
      user: live.server.user,
      password: live.server.password,
    };
    const again = await runDiff(restored, after, {
      tables: ['public.orders', 'public.customers'],
      deleteInserted: false,
    });
    expect(again.tables.every((t) => t.deleted.length + t.changed.length + t.inserted.length === 0)).toBe(
      true,
    );
  });

  it('deletes the scratch when the diff fails, and passes the failure on', async () => {
    const after = await damagedProduction();

    await expect(
      recoverRows(
        { source: INSTANCE, pointInTime: pointInTime(), keep: false },
        () => after,
        { restore: live.fixture.deps, sleep, pollMs: 10 },
        () => runDiff({ ...after, port: 1 }, after, { deleteInserted: false }),
      ),
    ).rejects.toThrow(/cannot connect to PostgreSQL at 127.0.0.1:1/);

    expect(await scratchLeft(live.fixture.rds)).toEqual([]);
  });

  it('says the scratch was not deleted when its cleanup fails, and still passes the diff failure on', async () => {
    const after = await damagedProduction();
    const steps: string[] = [];
    const restorer = restorerWith(live.fixture.deps.restorer, {
      deleteScratch: () => Promise.reject(new AccessDeniedError('rds:DeleteDBInstance is not allowed')),
    });

    await expect(
      recoverRows(
        { source: INSTANCE, pointInTime: pointInTime(), keep: false },
        () => after,
        {
          restore: { ...live.fixture.deps, restorer },
          sleep,
          pollMs: 10,
          progress: (line) => steps.push(line),
        },
        () => runDiff({ ...after, port: 1 }, after, { deleteInserted: false }),
      ),
    ).rejects.toThrow(/cannot connect to PostgreSQL at 127.0.0.1:1/);

    expect(steps.at(-1)).toMatch(
      /^cleanup: lbs-app-db-\S+ was NOT deleted \(rds:DeleteDBInstance is not allowed\); delete it by hand, or the monitor deletes it after its lifeboat:expires-at tag$/,
    );
    expect(await scratchLeft(live.fixture.rds)).toHaveLength(1);
  });

  it('keeps the scratch with keep, to expire as every scratch does', async () => {
    const after = await damagedProduction();

    const recovery = await recoverRows(
      { source: INSTANCE, pointInTime: pointInTime(), keep: true },
      () => after,
      { restore: live.fixture.deps, sleep, pollMs: 10 },
      (before, current) => runDiff(before, current, { tables: ['public.orders'], deleteInserted: false }),
    );

    expect(recovery.cleanup).toEqual({ deleted: false, reason: expect.stringContaining('kept on request') });
    expect(await scratchLeft(live.fixture.rds)).toEqual([`instance ${recovery.scratch.id}`]);
  });

  it('refuses bad input before anything is restored', async () => {
    const after = await damagedProduction();
    const never = () => Promise.reject(new Error('no diff without a scratch'));

    await expect(
      recoverRows(
        { source: 'no-such-db', pointInTime: pointInTime(), keep: false },
        () => after,
        { restore: live.fixture.deps, sleep },
        never,
      ),
    ).rejects.toThrow(/"no-such-db" is neither a DB instance nor an Aurora cluster/);
    await expect(
      recoverRows(
        { source: INSTANCE, pointInTime: new Date(Date.now() + 3_600_000).toISOString(), keep: false },
        () => after,
        { restore: live.fixture.deps, sleep },
        never,
      ),
    ).rejects.toThrow(/is in the future/);
    expect(await scratchLeft(live.fixture.rds)).toEqual([]);
  });
});
