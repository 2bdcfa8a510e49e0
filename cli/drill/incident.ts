import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { withClient } from '../../lib/adapters/local/server.js';
import { compareFingerprints } from '../../lib/core/compare/compare.js';
import type { DatabaseDiff } from '../../lib/core/diff/types.js';
import type { DatabaseFingerprint } from '../../lib/core/fingerprint/types.js';
import { recoverRows } from '../../lib/core/use-cases/recover-rows.js';
import { runDiff } from '../commands/diff.js';
import { DATABASE, type DrillWorld } from './context.js';
import { asConnection, localFingerprinter } from './local-fingerprinter.js';
import { restoreVerifySetup } from './restore-verify.js';
import { takeScheduledSnapshot } from './snapshots.js';

/** The table the bad statements damage; the writer keeps adding lines to it meanwhile. */
const TABLE = 'public.order_items';

/**
 * `lifeboat drill --incident`: while the writer runs, a bad statement deletes and a bad update
 * corrupts rows of order_items. Recovery: restore the database as it was just before (the local
 * engine restores the snapshot taken then: it has no transaction logs for a point in time), diff
 * it against the live database, apply the repair script to the live database. Verified: the lines
 * that existed before the incident fingerprint exactly as they did, and what the writer did since
 * (new lines, orders, balances) is still there. Returns whether it verified.
 */
export async function incidentScenario(world: DrillWorld): Promise<boolean> {
  const { progress, server, writer, resources } = world;
  const live = asConnection(server, DATABASE);
  const before = await progress.step(
    'Snapshot just before the incident, while the writer runs',
    async () => {
      // The lines that exist now, all in the snapshot taken next: the ones the repair must bring
      // back exactly. The writer's later lines get higher ids.
      const lastLine = await withClient(server, DATABASE, async (client) => {
        const result = await client.query<{ id: string }>('SELECT max(id)::text AS id FROM order_items');
        return result.rows[0]!.id;
      });
      const id = await takeScheduledSnapshot(world);
      return { id, lastLine, writes: writer.stats.transactions };
    },
    ({ id, lastLine }) => `${id} (order lines up to id ${lastLine})`,
  );

  const incident = await progress.step(
    `The incident: a DELETE without the right WHERE and an UPDATE that zeroes prices in ${TABLE}`,
    () =>
      withClient(server, DATABASE, async (client) => {
        const at = new Date();
        const deleted = await client.query(`DELETE FROM order_items WHERE id % 487 = 3 AND id <= $1`, [
          before.lastLine,
        ]);
        const updated = await client.query(
          `UPDATE order_items SET unit_price = 0, discount = NULL WHERE id % 311 = 5 AND id <= $1`,
          [before.lastLine],
        );
        return { at, deleted: deleted.rowCount ?? 0, updated: updated.rowCount ?? 0 };
      }),
    ({ at, deleted, updated }) => `${deleted} lines deleted, ${updated} lines changed at ${at.toISOString()}`,
  );

  const setup = restoreVerifySetup(world);
  const script = join(resources.root, 'repair.sql');
  let beforeFingerprint: DatabaseFingerprint | undefined;
  const boundaries = { [TABLE]: [String(BigInt(before.lastLine) + 1n)] };
  const recovery = await progress.step(
    'lifeboat recover: restore as of just before the incident into a scratch, diff it against the live database',
    (update) =>
      recoverRows(
        { source: DATABASE, snapshot: before.id, keep: false },
        () => live,
        {
          restore: setup.deps,
          sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
          pollMs: 200,
          progress: update,
        },
        async (scratch, current): Promise<DatabaseDiff> => {
          beforeFingerprint = await localFingerprinter().fingerprint(scratch, {
            tables: [TABLE],
            boundaries,
          });
          return runDiff(scratch, current, { tables: [TABLE], sql: script, deleteInserted: false });
        },
      ),
    ({ result, timings, cleanup }) => {
      const table = result.tables[0];
      return (
        `${table?.deleted.length} deleted, ${table?.changed.length} changed, ${table?.inserted.length} inserted since (the writer's, left in place); ` +
        `restore ${timings.restore.toFixed(1)} s, diff ${timings.diff.toFixed(1)} s; ${cleanup.reason}`
      );
    },
  );

  const writesBeforeRepair = writer.stats.transactions;
  await progress.step(`Apply the repair script to the live database (${script})`, async () =>
    withClient(server, DATABASE, async (client) => client.query(await readFile(script, 'utf8'))),
  );

  return progress.step(
    `Verify: ${TABLE} up to id ${before.lastLine} fingerprints as before the incident; the writer's work since is still there`,
    async () => {
      const after = await localFingerprinter().fingerprint(live, { tables: [TABLE], boundaries });
      const [x, y] = [beforeFingerprint!, after].map((fingerprint) => ({
        ...fingerprint,
        // The lines up to the snapshot's last: the writer has added lines beyond it since.
        tables: {
          [TABLE]: {
            ...fingerprint.tables[TABLE]!,
            ...fingerprint.tables[TABLE]!.buckets![0]!,
            buckets: undefined,
          },
        },
      }));
      const comparison = compareFingerprints(x!, y!, { mode: 'exact' });
      const kept = await withClient(server, DATABASE, async (client) => {
        const result = await client.query<{ n: string }>(
          'SELECT count(*)::text AS n FROM order_items WHERE id > $1',
          [before.lastLine],
        );
        return Number(result.rows[0]!.n);
      });
      const found = recovery.result.tables[0];
      const ok =
        comparison.verdict === 'same' &&
        found?.deleted.length === incident.deleted &&
        // An update that set a line to what it was changes nothing.
        found.changed.length <= incident.updated &&
        kept >= (found.inserted.length ?? 0) &&
        kept > 0 &&
        recovery.cleanup.deleted;
      progress.info(
        `    ${comparison.tables.map((t) => `${t.table}: ${t.verdict} (${t.reason})`).join('; ')}; ` +
          `${kept} order lines the writer added since the snapshot kept; writer transactions: ${before.writes} at the snapshot, ${writesBeforeRepair} at the repair, ${writer.stats.transactions} now`,
      );
      return ok;
    },
    (ok) => (ok ? 'recovered' : 'NOT recovered'),
  );
}
