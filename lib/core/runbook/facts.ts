import type { ReplicatedBackup } from '../failover/types.js';
import type { SourceKind, Snapshot } from '../model.js';
import { newestRestorable, targetLabel, type SnapshotAge } from '../monitor/recovery.js';
import type { FailoverSettings } from '../policy/failover.js';
import type { PolicyFile, Retention } from '../policy/schema.js';
import { isDrSite, siteAccount } from '../policy/site.js';
import { isManaged, TAG } from '../tags.js';

/** A snapshot with the account it belongs to (from its ARN, or the store it was listed in). */
export interface AccountSnapshot {
  account: string;
  snapshot: Snapshot;
}

/** A restore-verify report, read leniently: what a runbook says of the last verified restore. */
export interface RestoreRun {
  at: string;
  target: string;
  verdict: 'passed' | 'failed';
  rtoMinutes: number | null;
  snapshotId?: string;
  reportKey: string;
}

/** A failover record (lib/core/failover/record.ts), read leniently. */
export interface FailoverRun {
  at: string;
  target: string;
  state: string;
  newDatabase: string;
  rtoMinutes: number | null;
  rpoMinutes: number | null;
  recordKey: string;
}

export interface TargetFacts {
  label: string;
  region: string;
  account?: string;
  tier: 'dr-region' | 'dr-account';
  kmsKeyId: string;
  retention: Retention;
  newestCopy: (SnapshotAge & { verifiedAt?: string }) | null;
  newestVerifiedCopy: (SnapshotAge & { verifiedAt: string }) | null;
  /** Replicated automated backups there: how far behind the source their latest restorable time is. */
  pointInTime: { arn: string; latestRestorableTime: string; lagMinutes: number } | null;
  failover: FailoverSettings | null;
  /** Why the copies there were not read (the scheduled runbooks assume no DR-account role). */
  unread?: string;
}

/** Everything one database's runbook states: the policy's promises beside what was measured. */
export interface RunbookFacts {
  database: string;
  kind: SourceKind;
  engine: string | null;
  policy: string;
  home: { region: string; account: string };
  generatedAt: string;
  objectives: { rpoMinutes: number; rtoMinutes: number };
  schedule: { expression: string; timezone: string | null };
  retention: Retention;
  /** The key of the newest snapshot at home (ARN or alias as RDS reports it). */
  encryption: { sourceKmsKeyId: string | null; encrypted: boolean | null };
  newestSnapshot: SnapshotAge | null;
  targets: TargetFacts[];
  verify: { schedule: string | null; instanceClass: string; databases: string[] } | null;
  lastRestore: RestoreRun | null;
  lastPassedRestore: RestoreRun | null;
  lastFailover: FailoverRun | null;
  reports: { bucket: string | null; restorePrefix: string; failoverPrefix: string };
  /** Written by a DR site, which sees the copies it holds and not the primary's snapshots. */
  writtenAt?: { site: 'dr'; region: string; account: string };
}

const minutesSince = (time: Date, now: Date) =>
  Math.max(0, Math.round((now.getTime() - time.getTime()) / 60_000));

/** The databases Lifeboat protects, as its snapshots at home name them (`lifeboat:source`, policy tag). */
export function protectedDatabases(
  policies: PolicyFile,
  snapshots: readonly AccountSnapshot[],
): Array<{
  database: string;
  kind: SourceKind;
  policy: string;
  home: { region: string; account: string };
  engine: string | null;
}> {
  const found = new Map<string, ReturnType<typeof protectedDatabases>[number]>();
  // A DR site sees no snapshot at home (the primary's region): its databases are those whose
  // copies it holds, at home in the primary the site guards.
  const site = isDrSite(policies) ? policies.site : undefined;
  for (const { account, snapshot } of snapshots) {
    const tags = snapshot.tags;
    if (!isManaged(tags) || (!site && tags[TAG.tier] !== 'primary')) continue;
    const policy = tags[TAG.policy];
    const database = tags[TAG.source] ?? snapshot.sourceId;
    if (!policy || !Object.hasOwn(policies.policies, policy)) continue;
    const key = `${snapshot.kind}:${database}`;
    if (!found.has(key)) {
      found.set(key, {
        database,
        kind: snapshot.kind,
        policy,
        home: site ? site.primary : { region: snapshot.region, account },
        engine: snapshot.engine ?? null,
      });
    }
  }
  return [...found.values()].sort((a, b) => a.database.localeCompare(b.database));
}

/**
 * The facts of one database's runbook from the policy, the snapshots of every region and account
 * (an inventory file or the live listing), the replicated backups at the targets, the restore-verify
 * reports and the failover records. Pure: `now` dates every age.
 */
export function runbookFacts(input: {
  policies: PolicyFile;
  database: ReturnType<typeof protectedDatabases>[number];
  snapshots: readonly AccountSnapshot[];
  backups: ReadonlyArray<ReplicatedBackup & { region: string }>;
  restores: readonly RestoreRun[];
  failovers: readonly FailoverRun[];
  reportsBucket?: string;
  /** Copy targets not read, by label, with why. */
  unread?: ReadonlyArray<{ label: string; reason: string }>;
  now: Date;
}): RunbookFacts {
  const { database, now } = input;
  const policy = input.policies.policies[database.policy]!;
  const ref = { id: database.database, kind: database.kind };
  const at = (region: string, account: string) =>
    input.snapshots
      .filter((s) => s.snapshot.region === region && s.account === account)
      .map((s) => s.snapshot);
  const home = at(database.home.region, database.home.account);
  const newestHome = [...home]
    .filter(
      (s) =>
        isManaged(s.tags) && s.tags[TAG.tier] === 'primary' && (s.tags[TAG.source] ?? s.sourceId) === ref.id,
    )
    .sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0))[0];

  const unreadAt = (label: string) => {
    const found = input.unread?.find((u) => u.label === label);
    return found ? { unread: found.reason } : {};
  };
  const site = input.policies.site;
  const targets = policy.copies.map((copy): TargetFacts => {
    const account = copy.account ?? database.home.account;
    const snapshots = at(copy.region, account).filter(
      (s) => s.tags[TAG.target] === undefined || s.tags[TAG.target] === targetLabel(copy),
    );
    const newest = newestRestorable(snapshots, ref, 'copy', now);
    const verified = newestRestorable(
      snapshots.filter((s) => s.tags[TAG.verified]),
      ref,
      'copy',
      now,
    );
    const tagOf = (id: string | undefined) => snapshots.find((s) => s.id === id)?.tags[TAG.verified];
    const backup =
      database.kind === 'instance' && !copy.account
        ? input.backups
            .filter((b) => b.region === copy.region && b.sourceId === ref.id && b.latest)
            .sort((a, b) => b.latest!.getTime() - a.latest!.getTime())[0]
        : undefined;
    return {
      label: targetLabel(copy),
      region: copy.region,
      ...(copy.account ? { account: copy.account } : {}),
      tier: copy.account ? 'dr-account' : 'dr-region',
      kmsKeyId: copy.kmsKeyId,
      retention: copy.retention ?? policy.retention,
      newestCopy: newest
        ? { ...newest, ...(tagOf(newest.id) ? { verifiedAt: tagOf(newest.id)! } : {}) }
        : null,
      newestVerifiedCopy: verified ? { ...verified, verifiedAt: tagOf(verified.id)! } : null,
      pointInTime: backup
        ? {
            arn: backup.arn,
            latestRestorableTime: backup.latest!.toISOString(),
            lagMinutes: minutesSince(backup.latest!, now),
          }
        : null,
      failover: copy.failover ?? null,
      ...unreadAt(targetLabel(copy)),
    };
  });

  const restores = [...input.restores].sort((a, b) => b.at.localeCompare(a.at));
  const failovers = [...input.failovers].sort((a, b) => b.at.localeCompare(a.at));
  return {
    database: ref.id,
    kind: ref.kind,
    engine: database.engine,
    policy: database.policy,
    home: database.home,
    generatedAt: now.toISOString(),
    objectives: { rpoMinutes: policy.rpoMinutes, rtoMinutes: policy.rtoMinutes },
    schedule: { expression: policy.schedule, timezone: policy.timezone ?? null },
    retention: policy.retention,
    encryption: {
      sourceKmsKeyId: newestHome?.kmsKeyId ?? null,
      encrypted: newestHome ? newestHome.encrypted : null,
    },
    newestSnapshot: newestRestorable(home, ref, 'primary', now),
    targets,
    verify: policy.verify
      ? {
          schedule: policy.verify.schedule ?? null,
          instanceClass: policy.verify.instanceClass,
          databases: policy.verify.databases,
        }
      : null,
    lastRestore: restores[0] ?? null,
    lastPassedRestore: restores.find((r) => r.verdict === 'passed') ?? null,
    lastFailover: failovers[0] ?? null,
    reports: {
      bucket: input.reportsBucket ?? null,
      restorePrefix: `reports/${ref.id}/`,
      failoverPrefix: `failovers/${ref.id}/`,
    },
    ...(site && isDrSite(input.policies)
      ? { writtenAt: { site: 'dr' as const, region: site.region, account: siteAccount(site) } }
      : {}),
  };
}

/** A restore-verify report as stored, read leniently: anything unreadable is skipped. */
export function restoreRunFrom(value: unknown, key: string): RestoreRun | null {
  if (typeof value !== 'object' || value === null) return null;
  const r = value as {
    verdict?: unknown;
    target?: unknown;
    finishedAt?: unknown;
    rto?: { minutes?: unknown };
    snapshot?: { id?: unknown } | null;
  };
  if ((r.verdict !== 'passed' && r.verdict !== 'failed') || typeof r.finishedAt !== 'string') return null;
  return {
    at: r.finishedAt,
    target: typeof r.target === 'string' ? r.target : 'unknown',
    verdict: r.verdict,
    rtoMinutes: typeof r.rto?.minutes === 'number' ? r.rto.minutes : null,
    ...(typeof r.snapshot?.id === 'string' ? { snapshotId: r.snapshot.id } : {}),
    reportKey: key,
  };
}

/** A failover record as stored, read leniently. */
export function failoverRunFrom(value: unknown, key: string): FailoverRun | null {
  if (typeof value !== 'object' || value === null) return null;
  const r = value as {
    type?: unknown;
    startedAt?: unknown;
    target?: unknown;
    state?: unknown;
    newDatabase?: unknown;
    measured?: { rtoMinutes?: unknown; rpoMinutes?: unknown };
  };
  if (r.type !== 'failover' || typeof r.startedAt !== 'string') return null;
  return {
    at: r.startedAt,
    target: typeof r.target === 'string' ? r.target : 'unknown',
    state: typeof r.state === 'string' ? r.state : 'unknown',
    newDatabase: typeof r.newDatabase === 'string' ? r.newDatabase : 'unknown',
    rtoMinutes: typeof r.measured?.rtoMinutes === 'number' ? r.measured.rtoMinutes : null,
    rpoMinutes: typeof r.measured?.rpoMinutes === 'number' ? r.measured.rpoMinutes : null,
    recordKey: key,
  };
}
