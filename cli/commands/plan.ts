import { RDSClient, type RDSClientConfig } from '@aws-sdk/client-rds';
import type { Command } from 'commander';
import { RdsSnapshotStore } from '../../lib/adapters/aws/rds-snapshots.js';
import type { StsSettings } from '../../lib/adapters/aws/sts-credentials.js';
import { copyTargetStore } from '../../lib/adapters/aws/target-stores.js';
import {
  InventorySnapshotStore,
  inventorySource,
  readInventoryFile,
  type Inventory,
} from '../../lib/adapters/inventory-file.js';
import { ConfigError } from '../../lib/core/errors.js';
import type { DatabaseSource, Snapshot, SourceKind } from '../../lib/core/model.js';
import type { SnapshotStore } from '../../lib/core/ports.js';
import type { CopyTargetPolicy, PolicyFile } from '../../lib/core/policy/schema.js';
import { findPolicy } from '../../lib/core/policy/parse.js';
import {
  describeRetention,
  snapshotTime,
  sourceOf,
  unmanagedReason,
  type RetentionDecision,
} from '../../lib/core/retention/decide.js';
import { TAG } from '../../lib/core/tags.js';
import { prune, type ScopeResult } from '../../lib/core/use-cases/prune.js';
import { EXIT } from '../exit.js';
import { readPolicyFile } from '../policy-file.js';

interface PlanOptions {
  policy: string;
  inventory?: string;
  now?: string;
  json?: boolean;
  region?: string;
  profile?: string;
  endpointUrl?: string;
}

/** One scope of one policy, as prune decided it. */
interface PlannedScope {
  policy: string;
  result: ScopeResult;
}

export function registerPlan(program: Command): void {
  program
    .command('plan')
    .description('retention dry-run: which snapshots prune would keep or delete, and why')
    .option('--policy <file>', 'policy file', process.env.LIFEBOAT_POLICY_FILE ?? 'lifeboat.yml')
    .option(
      '--inventory <file>',
      'saved describe-db-snapshots / describe-db-cluster-snapshots JSON, instead of the live account',
    )
    .option('--now <time>', 'decide as of this ISO 8601 time (default: now)')
    .option('--json', 'print {"decisions":[{"snapshot","action","reason","keepUntil"?}]}')
    .option('--region <region>', 'source region (default: the AWS SDK chain; for an inventory, its own)')
    .option('--profile <profile>', 'AWS profile for the live account')
    .option('--endpoint-url <url>', 'RDS endpoint, e.g. a moto server (or AWS_ENDPOINT_URL)')
    .action(async (options: PlanOptions) => {
      process.exitCode = await plan(options);
    });
}

async function plan(options: PlanOptions): Promise<number> {
  const policyFile = await readPolicyFile(options.policy);
  const now = parseNow(options.now);
  const stores = options.inventory
    ? inventoryStores(await readInventoryFile(options.inventory), options.region)
    : await liveStores(options);

  const planned: PlannedScope[] = [];
  for (const [policyName, policy] of Object.entries(policyFile.policies)) {
    const result = await prune({
      policyName,
      policy,
      now,
      source: stores.source,
      targets: policy.copies.map((target) => ({ target, store: stores.target(target) })),
      dryRun: true,
    });
    planned.push(...result.scopes.map((scope) => ({ policy: policyName, result: scope })));
  }
  const decided = new Set(planned.flatMap((p) => p.result.decisions.map((d) => keyOf(d.snapshot))));
  const outside = (await stores.everything())
    .filter((s) => !decided.has(keyOf(s)))
    .sort(byTime)
    .map((snapshot): RetentionDecision => ({
      snapshot,
      action: 'keep',
      reason: outsideReason(snapshot, policyFile, options.policy),
    }));

  if (options.json) {
    const decisions = [...planned.flatMap((p) => p.result.decisions), ...outside].map((d) => ({
      snapshot: d.snapshot.id,
      action: d.action,
      reason: d.reason,
      // A pre-change snapshot: retention keeps it until then.
      ...(d.snapshot.tags[TAG.keepUntil] !== undefined ? { keepUntil: d.snapshot.tags[TAG.keepUntil] } : {}),
    }));
    console.log(JSON.stringify({ decisions }));
  } else {
    const from = options.inventory ?? `the live account (${stores.source.region})`;
    console.log(printTable(planned, outside, `${options.policy} at ${now.toISOString()}, from ${from}`));
  }

  const unread = planned.filter((p) => p.result.error);
  for (const { policy, result } of unread) {
    console.error(`lifeboat: policy ${policy}, ${result.scope}: ${result.error}`);
  }
  return unread.length > 0 ? EXIT.failed : EXIT.ok;
}

function parseNow(text: string | undefined): Date {
  if (text === undefined) return new Date();
  const now = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(now.getTime())) {
    throw new ConfigError(`--now: "${text}" is not an ISO 8601 time such as 2026-11-24T12:00:00Z`);
  }
  return now;
}

interface PlanStores {
  source: SnapshotStore;
  target(target: CopyTargetPolicy): SnapshotStore;
  /** Every snapshot the plan could see, so the ones no policy governs are listed too. */
  everything(): Promise<Snapshot[]>;
}

function inventoryStores(inventory: Inventory, region?: string): PlanStores {
  const source = inventorySource(inventory, region);
  return {
    source: new InventorySnapshotStore(inventory, source.region, source.account),
    target: (target) =>
      new InventorySnapshotStore(inventory, target.region, target.account ?? source.account),
    everything: async () => inventory.snapshots.map((e) => e.snapshot),
  };
}

async function liveStores(options: PlanOptions): Promise<PlanStores> {
  const endpoint = options.endpointUrl ?? process.env.AWS_ENDPOINT_URL;
  const base: RDSClientConfig = {
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
    ...(endpoint ? { endpoint } : {}),
  };
  let region: string;
  try {
    region = await new RDSClient(base).config.region();
  } catch (error) {
    throw new ConfigError('no AWS region: pass --region or set AWS_REGION', { cause: error });
  }
  const sts: StsSettings = {
    region,
    ...(options.profile ? { profile: options.profile } : {}),
    ...(endpoint ? { endpoint } : {}),
  };
  const source = new ListedOnce(new RdsSnapshotStore({ region, client: new RDSClient({ ...base, region }) }));
  const targets = new Map<string, ListedOnce>();
  return {
    source,
    target(target) {
      // Policies that copy to the same place share one store, listed once.
      const key = `${target.region} ${target.account ?? ''} ${target.roleArn ?? ''}`;
      let store = targets.get(key);
      if (!store) {
        store = new ListedOnce(copyTargetStore(target, base, sts));
        targets.set(key, store);
      }
      return store;
    },
    everything: async () => {
      const listed = await Promise.all([source, ...targets.values()].map((s) => s.listed()));
      return listed.flat();
    },
  };
}

/** Lists a live store once for every policy of the plan, and remembers what it saw. */
class ListedOnce implements SnapshotStore {
  #snapshots?: Promise<Snapshot[]>;
  #databases?: Promise<DatabaseSource[]>;

  constructor(private readonly store: SnapshotStore) {}

  get region() {
    return this.store.region;
  }

  listSnapshots(filter?: { kind?: SourceKind; sourceId?: string }) {
    if (filter && (filter.kind || filter.sourceId)) return this.store.listSnapshots(filter);
    return (this.#snapshots ??= this.store.listSnapshots());
  }

  listDatabases() {
    return (this.#databases ??= this.store.listDatabases());
  }

  /** What listing found, or nothing if it failed (the plan reports that failure by scope). */
  async listed(): Promise<Snapshot[]> {
    return this.#snapshots ? this.#snapshots.catch(() => []) : [];
  }

  getSnapshot: SnapshotStore['getSnapshot'] = (kind, id) => this.store.getSnapshot(kind, id);
  createSnapshot: SnapshotStore['createSnapshot'] = () => readOnly();
  copySnapshot: SnapshotStore['copySnapshot'] = () => readOnly();
  shareSnapshot: SnapshotStore['shareSnapshot'] = () => readOnly();
  unshareSnapshot: SnapshotStore['unshareSnapshot'] = () => readOnly();
  deleteSnapshot: SnapshotStore['deleteSnapshot'] = () => readOnly();
  tagSnapshot: SnapshotStore['tagSnapshot'] = () => readOnly();
}

async function readOnly(): Promise<never> {
  throw new ConfigError('lifeboat plan changes nothing');
}

/** Why a snapshot is in no policy's retention at all. */
function outsideReason(snapshot: Snapshot, file: PolicyFile, origin: string): string {
  const unmanaged = unmanagedReason(snapshot);
  if (unmanaged) return unmanaged;
  const policy = snapshot.tags[TAG.policy];
  if (policy === undefined) return `managed by Lifeboat but has no ${TAG.policy} tag`;
  if (!findPolicy(file, policy)) return `policy ${policy} is not in ${origin}`;
  return snapshot.tags[TAG.copyOf] !== undefined
    ? `copy for policy ${policy} outside its copy targets (${snapshot.region})`
    : `policy ${policy} snapshot outside its source region (${snapshot.region})`;
}

const keyOf = (s: Snapshot) => s.arn || `${s.region}:${s.kind}:${s.id}`;

function byTime(a: Snapshot, b: Snapshot): number {
  const ta = snapshotTime(a)?.getTime() ?? Number.POSITIVE_INFINITY;
  const tb = snapshotTime(b)?.getTime() ?? Number.POSITIVE_INFINITY;
  return ta - tb || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

const when = (s: Snapshot) => snapshotTime(s)?.toISOString().slice(0, 16).replace('T', ' ') ?? 'not yet    ';
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function printTable(planned: PlannedScope[], outside: RetentionDecision[], title: string): string {
  const lines = [`Retention plan for ${title}`, 'Dry run: nothing is deleted.', ''];
  const all = [...planned.flatMap((p) => p.result.decisions), ...outside];

  for (const { policy, result } of planned) {
    lines.push(`${policy} · ${result.scope} · keeps ${describeRetention(result.retention)}`);
    if (result.error) lines.push(`  could not be read: ${result.error}`);
    else if (result.decisions.length === 0) lines.push('  no snapshots');
    const bySource = new Map<string, RetentionDecision[]>();
    for (const d of result.decisions) {
      const key = `${d.snapshot.kind} ${sourceOf(d.snapshot)}`;
      const group = bySource.get(key) ?? [];
      group.push(d);
      bySource.set(key, group);
    }
    for (const [source, decisions] of bySource) {
      const deleted = decisions.filter((d) => d.action === 'delete');
      lines.push(
        `  ${source}: ${plural(decisions.length, 'snapshot')}, keep ${decisions.length - deleted.length}, delete ${deleted.length}`,
      );
      for (const d of decisions.filter((d) => d.action === 'keep').reverse()) {
        lines.push(`    keep    ${when(d.snapshot)}  ${d.snapshot.id}  ${d.reason}`);
      }
      if (deleted.length > 0) {
        const range =
          deleted.length === 1
            ? `${deleted[0]!.snapshot.id} (${when(deleted[0]!.snapshot)})`
            : `${deleted.length} snapshots from ${when(deleted[0]!.snapshot)} to ${when(deleted.at(-1)!.snapshot)}`;
        lines.push(`    delete  ${range}: ${deleted[0]!.reason}`);
      }
    }
    lines.push('');
  }

  if (outside.length > 0) {
    lines.push(`Not governed by any policy: ${plural(outside.length, 'snapshot')}, all kept`);
    for (const d of outside) {
      lines.push(`    keep    ${when(d.snapshot)}  ${d.snapshot.id}  ${d.reason}`);
    }
    lines.push('');
  }
  const deletions = all.filter((d) => d.action === 'delete').length;
  lines.push(
    `Total: ${plural(all.length, 'snapshot')}, keep ${all.length - deletions}, delete ${deletions}` +
      ' (`lifeboat plan --json` lists every decision).',
  );
  return lines.join('\n');
}
