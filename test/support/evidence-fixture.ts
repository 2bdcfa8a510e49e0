import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parsePolicyFile } from '../../lib/core/policy/file.js';
import type { PolicyFile } from '../../lib/core/policy/schema.js';
import type { Snapshot } from '../../lib/core/model.js';
import { reportKey, runIdFor } from '../../lib/core/report/report.js';
import { decideRetention } from '../../lib/core/retention/decide.js';
import { TAG } from '../../lib/core/tags.js';
import { managedSnapshot } from './snapshot-builder.js';

/**
 * A month of two databases as the snapshot, copy and prune functions and restore-verify would
 * leave it, with known defects, so the evidence's numbers can be checked against what happened:
 *
 * - `orders` (instance, policy gold): daily at 02:00 UTC, RPO 26 h, RTO 2 h, one DR region
 *   (eu-west-1). The 2026-11-20 snapshot was never taken. Restore-verify every Sunday; the one of
 *   2026-11-15 found different data, the next (2026-11-22) passed. One verify at eu-west-1.
 * - `ledger` (Aurora cluster, policy silver): every 6 hours, RPO 7 h, RTO 1 h, a DR account in
 *   eu-central-1. No copy of the four snapshots of 2026-11-28 reached the DR account. The verify
 *   of 2026-11-10 took 72 min (over its RTO), the one of 2026-11-17 timed out.
 *
 * Snapshots are pruned by the real retention rules as of NOW, so the listing holds what a real
 * one would.
 */
export const EVIDENCE_NOW = '2026-11-30T12:00:00Z';

export const EVIDENCE_POLICY = `policies:
  gold:
    select: { tags: { 'lifeboat:policy': gold } }
    schedule: 'cron(0 2 * * ? *)'
    rpoMinutes: 1560
    rtoMinutes: 120
    retention: { daily: 14, weekly: 4, monthly: 12 }
    copies:
      - region: eu-west-1
        kmsKeyId: arn:aws:kms:eu-west-1:111111111111:key/11111111-1111-1111-1111-111111111111
    verify:
      schedule: 'cron(0 3 ? * SUN *)'
      instanceClass: db.t4g.medium
      databases: [orders]
  silver:
    select: { tags: { 'lifeboat:policy': silver } }
    schedule: 'cron(0 */6 * * ? *)'
    rpoMinutes: 420
    rtoMinutes: 60
    retention: { daily: 7, weekly: 4, monthly: 3 }
    copies:
      - region: eu-central-1
        account: '222222222222'
        shareKmsKeyId: arn:aws:kms:us-east-1:111111111111:key/22222222-2222-2222-2222-222222222222
        targetShareKmsKeyId: arn:aws:kms:eu-central-1:111111111111:key/33333333-3333-3333-3333-333333333333
        kmsKeyId: arn:aws:kms:eu-central-1:222222222222:key/44444444-4444-4444-4444-444444444444
    verify:
      schedule: 'cron(0 4 ? * TUE *)'
      instanceClass: db.r6g.large
      databases: [ledger]
`;

export interface EvidenceFixture {
  policies: PolicyFile;
  /** us-east-1, account 111111111111. */
  source: Snapshot[];
  /** Per target label. */
  targets: Map<string, Snapshot[]>;
  reports: Array<{ key: string; value: unknown }>;
}

const HOUR = 3_600_000;

function slots(fromIso: string, toIso: string, everyHours: number, firstHour: number): Date[] {
  const times: Date[] = [];
  const start = Date.parse(fromIso) + firstHour * HOUR;
  for (let t = start; t < Date.parse(toIso); t += everyHours * HOUR) times.push(new Date(t));
  return times;
}

function copyOf(
  original: Snapshot,
  region: string,
  account: string,
  tier: string,
  delayMinutes: number,
): Snapshot {
  const id = `${original.id}-${region}`;
  const type = original.kind === 'instance' ? 'snapshot' : 'cluster-snapshot';
  return {
    ...original,
    id,
    arn: `arn:aws:rds:${region}:${account}:${type}:${id}`,
    region,
    createdAt: new Date(Date.parse(original.tags[TAG.scheduledAt]!) + delayMinutes * 60_000),
    tags: {
      ...original.tags,
      [TAG.tier]: tier,
      [TAG.copyOf]: original.arn,
      [TAG.origin]: original.id,
      [TAG.target]: account === '111111111111' ? region : `${region}/${account}`,
    },
  };
}

function kept(snapshots: Snapshot[], retention: PolicyFile['policies'][string]['retention']): Snapshot[] {
  const now = new Date(EVIDENCE_NOW);
  return decideRetention(snapshots, retention, now)
    .filter((d) => d.action === 'keep')
    .map((d) => d.snapshot);
}

interface Run {
  source: 'orders' | 'ledger';
  startedAt: string;
  minutes: number;
  target?: string;
  failed?: { step: string; error: string } | 'different';
}

function report(run: Run, policies: PolicyFile): { key: string; value: unknown } {
  const policyName = run.source === 'orders' ? 'gold' : 'silver';
  const policy = policies.policies[policyName]!;
  const started = new Date(run.startedAt);
  const finished = new Date(started.getTime() + (run.minutes + 2) * 60_000);
  const verifiedAt = new Date(started.getTime() + (run.minutes + 1) * 60_000);
  const passed = run.failed === undefined;
  const key = reportKey(run.source, runIdFor(started));
  return {
    key,
    value: {
      version: 1,
      verdict: passed ? 'passed' : 'failed',
      source: {
        id: run.source,
        kind: run.source === 'orders' ? 'instance' : 'cluster',
        engine: run.source === 'orders' ? 'postgres' : 'aurora-postgresql',
        policy: policyName,
      },
      snapshot: { id: `lifeboat-${run.source}-${run.startedAt.slice(0, 10).replace(/-/g, '')}t0000` },
      target: run.target ?? 'primary',
      pointInTime: null,
      scratch: { id: `lbs-${run.source}`, kept: false },
      execution: `arn:aws:states:us-east-1:111111111111:execution:lifeboat-restore-verify:${runIdFor(started)}`,
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      rto: {
        restoreStartedAt: new Date(started.getTime() + 60_000).toISOString(),
        ...(passed ? { verifiedAt: verifiedAt.toISOString() } : {}),
        minutes: passed ? run.minutes : null,
        objectiveMinutes: policy.rtoMinutes,
        met: passed ? run.minutes <= policy.rtoMinutes : null,
      },
      rpo: { minutes: 61, objectiveMinutes: policy.rpoMinutes, met: true },
      timings: [],
      fingerprints: { summary: [], databases: {} },
      baseline: null,
      comparison: {
        verdict: run.failed === 'different' ? 'different' : passed ? 'same' : null,
        databases: [],
      },
      errors:
        run.failed && run.failed !== 'different'
          ? [{ step: run.failed.step, error: run.failed.error, cause: '' }]
          : [],
    },
  };
}

export function evidenceFixture(): EvidenceFixture {
  const policies = parsePolicyFile(EVIDENCE_POLICY, 'evidence fixture');
  const gold = policies.policies.gold!;
  const silver = policies.policies.silver!;

  const orders = slots('2026-09-01T00:00:00Z', EVIDENCE_NOW, 24, 2)
    .filter((t) => t.toISOString() !== '2026-11-20T02:00:00.000Z')
    .map((t) => managedSnapshot(t.toISOString(), { source: 'orders', tags: { [TAG.tier]: 'primary' } }));
  const ledger = slots('2026-09-01T00:00:00Z', EVIDENCE_NOW, 6, 0).map((t) =>
    managedSnapshot(t.toISOString(), {
      source: 'ledger',
      kind: 'cluster',
      policy: 'silver',
      tags: { [TAG.tier]: 'primary' },
    }),
  );
  const ordersCopies = orders.map((s) => copyOf(s, 'eu-west-1', '111111111111', 'dr-region', 50));
  const ledgerCopies = ledger
    .filter((s) => !s.tags[TAG.scheduledAt]!.startsWith('2026-11-28'))
    .map((s) => copyOf(s, 'eu-central-1', '222222222222', 'dr-account', 95));

  const runs: Run[] = [
    { source: 'orders', startedAt: '2026-11-01T03:00:00Z', minutes: 38 },
    { source: 'orders', startedAt: '2026-11-08T03:00:00Z', minutes: 41 },
    { source: 'orders', startedAt: '2026-11-15T03:00:00Z', minutes: 45, failed: 'different' },
    { source: 'orders', startedAt: '2026-11-22T03:00:00Z', minutes: 47 },
    { source: 'orders', startedAt: '2026-11-22T09:00:00Z', minutes: 52, target: 'eu-west-1' },
    { source: 'orders', startedAt: '2026-11-29T03:00:00Z', minutes: 44 },
    { source: 'ledger', startedAt: '2026-11-03T04:00:00Z', minutes: 35 },
    { source: 'ledger', startedAt: '2026-11-10T04:00:00Z', minutes: 72 },
    {
      source: 'ledger',
      startedAt: '2026-11-17T04:00:00Z',
      minutes: 60,
      failed: {
        step: 'WaitForScratch',
        error: 'States.Timeout: the scratch cluster was not available within 60 min',
      },
    },
    { source: 'ledger', startedAt: '2026-11-24T04:00:00Z', minutes: 40 },
    // Before the period: read, and left out.
    { source: 'orders', startedAt: '2026-10-25T03:00:00Z', minutes: 39 },
  ];

  return {
    policies,
    source: [...kept(orders, gold.retention), ...kept(ledger, silver.retention)],
    targets: new Map([
      ['eu-west-1', kept(ordersCopies, gold.copies[0]!.retention ?? gold.retention)],
      ['eu-central-1/222222222222', kept(ledgerCopies, silver.copies[0]!.retention ?? silver.retention)],
    ]),
    reports: runs.map((run) => report(run, policies)),
  };
}

/** The describe-db-snapshots / describe-db-cluster-snapshots shape of a snapshot. */
function described(snapshot: Snapshot): Record<string, unknown> {
  const common = {
    SnapshotType: snapshot.type,
    Status: snapshot.status,
    SnapshotCreateTime: snapshot.createdAt?.toISOString(),
    KmsKeyId: snapshot.kmsKeyId,
    TagList: Object.entries(snapshot.tags).map(([Key, Value]) => ({ Key, Value })),
  };
  return snapshot.kind === 'instance'
    ? {
        DBSnapshotIdentifier: snapshot.id,
        DBSnapshotArn: snapshot.arn,
        DBInstanceIdentifier: snapshot.sourceId,
        Encrypted: snapshot.encrypted,
        Engine: 'postgres',
        ...common,
      }
    : {
        DBClusterSnapshotIdentifier: snapshot.id,
        DBClusterSnapshotArn: snapshot.arn,
        DBClusterIdentifier: snapshot.sourceId,
        StorageEncrypted: snapshot.encrypted,
        Engine: 'aurora-postgresql',
        ...common,
      };
}

/** Writes the fixture as `lifeboat evidence --inventory --reports` reads it; returns the paths. */
export async function writeEvidenceFixture(
  dir: string,
): Promise<{ policy: string; inventory: string; reports: string }> {
  const fixture = evidenceFixture();
  const all = [...fixture.source, ...[...fixture.targets.values()].flat()];
  const policy = join(dir, 'lifeboat.yml');
  const inventory = join(dir, 'inventory.json');
  const reports = join(dir, 'bucket');
  await writeFile(policy, EVIDENCE_POLICY);
  await writeFile(
    inventory,
    JSON.stringify({
      DBSnapshots: all.filter((s) => s.kind === 'instance').map(described),
      DBClusterSnapshots: all.filter((s) => s.kind === 'cluster').map(described),
    }),
  );
  for (const { key, value } of fixture.reports) {
    const path = join(reports, key);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, JSON.stringify(value));
  }
  return { policy, inventory, reports };
}

/** `lifeboat evidence` over the written fixture, offline, for the month up to EVIDENCE_NOW. */
export function offlineEvidenceArgs(files: { policy: string; inventory: string; reports: string }): string[] {
  return [
    'evidence',
    '--policy',
    files.policy,
    '--inventory',
    files.inventory,
    '--reports',
    files.reports,
    '--now',
    EVIDENCE_NOW,
    '--since',
    '30d',
  ];
}
