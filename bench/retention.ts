/**
 * A fleet-sized retention run against moto: how many RDS API calls and how long does prune take,
 * against just reading the fleet (listing every snapshot and database once, which prune cannot do
 * without)? Builds DATABASES instances with a month of daily snapshots each, then times, in one run:
 * - the listing alone (the baseline);
 * - prune as a dry run (decides, deletes nothing: should cost the listing and no more);
 * - prune for real (7 daily, 4 weekly, 12 monthly);
 * - prune again, with nothing left to delete (the steady state of a daily run).
 * Calls are counted by command on the SDK client, so pagination and any extra call show.
 * Run: npm run bench:retention [-- --databases N --days N]
 */
import { CreateDBSnapshotCommand, RDSClient } from '@aws-sdk/client-rds';
import { parseArgs } from 'node:util';
import { RdsSnapshotStore } from '../lib/adapters/aws/rds-snapshots.js';
import { TAG } from '../lib/core/tags.js';
import { prune } from '../lib/core/use-cases/prune.js';
import { motoClientConfig, startMoto } from '../test/support/moto.js';
import { goldPolicyFile } from '../test/support/policies.js';
import { createInstance } from '../test/support/rds-fixtures.js';

const { values } = parseArgs({
  options: { databases: { type: 'string', default: '100' }, days: { type: 'string', default: '30' } },
});
const DATABASES = Number(values.databases);
const DAYS = Number(values.days);
const NOW = new Date('2026-11-24T06:00:00Z');

// moto refuses manual snapshots past a quota (100 by default), as RDS does.
process.env.MOTO_RDS_SNAPSHOT_LIMIT = String(DATABASES * DAYS + 1000);
const moto = await startMoto();
try {
  const calls = new Map<string, number>();
  const rds = new RDSClient(motoClientConfig(moto));
  rds.middlewareStack.add(
    (next, context) => (args) => {
      calls.set(context.commandName ?? '?', (calls.get(context.commandName ?? '?') ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'countCalls' },
  );
  const store = new RdsSnapshotStore({ region: 'us-east-1', client: rds });
  const policyFile = goldPolicyFile({ retention: { daily: 7, weekly: 4, monthly: 12 } });
  const policy = policyFile.policies.gold!;

  const built = Date.now();
  for (let d = 0; d < DATABASES; d++) {
    const source = `db-${String(d).padStart(4, '0')}`;
    await createInstance(rds, source, { 'lifeboat:policy': 'gold' });
    for (let day = 0; day < DAYS; day++) {
      const scheduledAt = new Date(NOW.getTime() - day * 86_400_000);
      const stamp = scheduledAt.toISOString().slice(0, 16).replace(/[-:]/g, '').toLowerCase();
      await rds.send(
        new CreateDBSnapshotCommand({
          DBInstanceIdentifier: source,
          DBSnapshotIdentifier: `lifeboat-${source}-${stamp}`,
          Tags: Object.entries({
            [TAG.managed]: 'true',
            [TAG.policy]: 'gold',
            [TAG.source]: source,
            [TAG.tier]: 'primary',
            [TAG.scheduledAt]: scheduledAt.toISOString(),
          }).map(([Key, Value]) => ({ Key, Value })),
        }),
      );
    }
  }
  const snapshots = DATABASES * DAYS;
  console.log(
    `retention bench: ${DATABASES} databases x ${DAYS} daily snapshots = ${snapshots} in moto, built in ${((Date.now() - built) / 1000).toFixed(1)} s`,
  );

  async function measure<T>(
    label: string,
    run: () => Promise<T>,
  ): Promise<{ seconds: number; calls: number; result: T }> {
    calls.clear();
    const start = process.hrtime.bigint();
    const result = await run();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const total = [...calls.values()].reduce((sum, n) => sum + n, 0);
    const byCommand = [...calls.entries()].map(([name, n]) => `${name} ${n}`).join(', ');
    console.log(
      `${label.padEnd(34)} ${seconds.toFixed(2).padStart(6)} s ${String(total).padStart(6)} calls  (${byCommand})`,
    );
    return { seconds, calls: total, result };
  }

  const run = (dryRun: boolean) => () =>
    prune({ policyName: 'gold', policy, now: NOW, source: store, targets: [], dryRun });
  const listing = await measure('list snapshots and databases', () =>
    Promise.all([store.listSnapshots(), store.listDatabases()]),
  );
  const dry = await measure('prune, dry run', run(true));
  const real = await measure('prune', run(false));
  const steady = await measure('prune again, nothing to delete', run(false));

  const decided = dry.result.scopes.flatMap((scope) => scope.decisions);
  const toDelete = decided.filter((decision) => decision.action === 'delete').length;
  if (real.result.deleted !== toDelete || real.result.failed !== 0 || steady.result.deleted !== 0) {
    throw new Error(
      `prune disagrees with its dry run: ${toDelete} to delete, ${real.result.deleted} deleted, ${real.result.failed} failed, ${steady.result.deleted} more later`,
    );
  }
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`.padStart(7);
  console.log('');
  console.log(
    `${snapshots} snapshots, ${toDelete} deleted (7 daily, 4 weekly, 12 monthly), ${snapshots - toDelete} kept`,
  );
  console.log(
    `dry run / listing, time:             ${ratio(dry.seconds, listing.seconds)}   calls: ${ratio(dry.calls, listing.calls)}`,
  );
  console.log(
    `calls per deleted snapshot:          ${((real.calls - listing.calls) / toDelete).toFixed(2).padStart(7)}   (the guard re-reads its tags from RDS, then deletes)`,
  );
  console.log(
    `steady prune / listing, time:        ${ratio(steady.seconds, listing.seconds)}   calls: ${ratio(steady.calls, listing.calls)}`,
  );
  console.log(
    `prune time per deleted snapshot:     ${(((real.seconds - listing.seconds) / toDelete) * 1000).toFixed(1)} ms (moto on loopback)`,
  );
} finally {
  await moto.stop();
}
