import type { DatabaseSource, Snapshot } from '../model.js';
import type { CopyTargetPolicy, Policy, PolicyFile } from '../policy/schema.js';
import type { Notifier, ReportStore, ScratchInstance, ScratchRestorer, SnapshotStore } from '../ports.js';
import { reportPrefix } from '../report/report.js';
import { TAG } from '../tags.js';
import { silentLogger, type UseCaseLogger } from '../use-cases/log.js';
import { selects } from '../use-cases/take-snapshots.js';
import {
  readMonitorState,
  reconcile,
  rpoCheck,
  verificationCheck,
  withUnannounced,
  type Announcement,
  type Check,
} from './alerts.js';
import {
  expiredScratch,
  quotaChecks,
  scratchDeletedNotification,
  type AccountQuota,
} from './housekeeping.js';
import type { BackupReplication, PointInTimeTarget } from './point-in-time.js';
import { assessPosture, postureChecks } from './posture.js';
import { assessRecovery, targetLabel, type DatabaseRecovery, type VerifiedRestore } from './recovery.js';
import {
  startReplications,
  surveyReplication,
  type ReplicatedListings,
  type ReplicationStart,
} from './replication.js';

/** Where the monitor keeps what it has already announced (in the reports bucket). */
export const MONITOR_STATE_KEY = 'state/monitor.json';

// Restore-verify reports read per database when looking for the newest pass; older passes than
// this many failed runs back are stale by any schedule.
const REPORTS_SEARCHED = 10;

/** Reads the account's RDS quotas (DescribeAccountAttributes). */
export interface QuotaReader {
  accountQuotas(): Promise<AccountQuota[]>;
}

export interface SurveyPorts {
  policies: PolicyFile;
  /** The databases' own region. */
  store: SnapshotStore;
  /**
   * The snapshot store of each copy target of a policy (another region, a DR account), and for the
   * monitor the account quotas there: copies count against the target's manual snapshot quota.
   */
  targetStores(
    policy: Policy,
  ): Array<{ target: CopyTargetPolicy; store: SnapshotStore; quotas?: QuotaReader }>;
  /** Restore-verify reports; without it, the last verified restore comes from snapshot tags only. */
  reports?: ReportStore;
  /** Automated-backup replication into a `pointInTime` target's region; without it, none is shown. */
  replication?: (target: PointInTimeTarget) => BackupReplication;
  logger?: UseCaseLogger;
}

/** A passed restore-verify report, read leniently: status needs the verdict, time and RTO only. */
export function verifiedRestoreFrom(value: unknown, key: string): VerifiedRestore | null {
  if (typeof value !== 'object' || value === null) return null;
  const report = value as {
    verdict?: unknown;
    finishedAt?: unknown;
    rto?: { minutes?: unknown; verifiedAt?: unknown };
    snapshot?: { id?: unknown } | null;
  };
  if (report.verdict !== 'passed') return null;
  const at = typeof report.rto?.verifiedAt === 'string' ? report.rto.verifiedAt : report.finishedAt;
  if (typeof at !== 'string' || Number.isNaN(Date.parse(at))) return null;
  return {
    at: new Date(at).toISOString(),
    rtoMinutes: typeof report.rto?.minutes === 'number' ? report.rto.minutes : null,
    reportKey: key,
    ...(typeof report.snapshot?.id === 'string' ? { snapshotId: report.snapshot.id } : {}),
  };
}

async function lastVerified(
  database: DatabaseSource,
  snapshots: readonly Snapshot[],
  reports: ReportStore | undefined,
): Promise<VerifiedRestore | null> {
  if (reports) {
    const keys = (await reports.list(reportPrefix(database.id))).filter((key) => key.endsWith('.json'));
    for (const key of keys.slice(-REPORTS_SEARCHED).reverse()) {
      const verified = verifiedRestoreFrom(await reports.get(key), key);
      if (verified) return verified;
    }
  }
  // Restore-verify also tags the snapshot it verified (lifeboat:verified=<time>).
  let newest: VerifiedRestore | null = null;
  for (const snapshot of snapshots) {
    const at = Date.parse(snapshot.tags[TAG.verified] ?? '');
    if (snapshot.sourceId !== database.id || !Number.isFinite(at)) continue;
    if (!newest || at > Date.parse(newest.at)) {
      newest = { at: new Date(at).toISOString(), rtoMinutes: null, snapshotId: snapshot.id };
    }
  }
  return newest;
}

export function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * The recovery picture of every database a policy selects: newest snapshot, newest copy per target,
 * last verified restore, RPO and verification state. Read-only; `lifeboat status` prints it.
 */
export async function surveyRecovery(ports: SurveyPorts, now: Date): Promise<DatabaseRecovery[]> {
  return (await survey(ports, now)).recoveries;
}

/** surveyRecovery, with the replications the monitor is to start and what could not be read. */
async function survey(
  ports: SurveyPorts,
  now: Date,
): Promise<{
  recoveries: DatabaseRecovery[];
  starts: ReplicationStart[];
  errors: Array<{ step: string; error: string }>;
  /** Assesses the posture again, after the monitor started replications. */
  reassessPosture(): void;
}> {
  const logger = ports.logger ?? silentLogger;
  const databases = (await ports.store.listDatabases()).filter(
    // Aurora members are covered by their cluster's snapshots.
    (database) => !(database.kind === 'instance' && database.clusterId),
  );
  const snapshots = await ports.store.listSnapshots();
  // Two policies may share a target; each target is listed once per run.
  const targetSnapshots = new Map<string, Promise<readonly Snapshot[]>>();
  const recoveries: DatabaseRecovery[] = [];
  const listings: ReplicatedListings = new Map();
  const starts: ReplicationStart[] = [];
  const errors: Array<{ step: string; error: string }> = [];
  const postures: Array<() => void> = [];

  for (const [policyName, policy] of Object.entries(ports.policies.policies)) {
    const selected = databases.filter((database) => selects(policy, database));
    if (selected.length === 0) continue;
    const targets = ports.targetStores(policy).map(({ target, store }) => {
      const label = targetLabel(target);
      if (!targetSnapshots.has(label)) targetSnapshots.set(label, store.listSnapshots());
      return { target, snapshots: targetSnapshots.get(label)! };
    });
    const copies = await Promise.all(
      targets.map(async ({ target, snapshots: listed }) => {
        try {
          return { target, snapshots: await listed };
        } catch (error) {
          logger.error(`copies at ${targetLabel(target)} cannot be read`, { error: errorText(error) });
          return { target, error: errorText(error) };
        }
      }),
    );
    const replication = await surveyReplication(policy, selected, ports.replication, listings, now);
    starts.push(...replication.starts);
    errors.push(...replication.errors.filter((e) => !errors.some((known) => known.step === e.step)));
    for (const database of selected) {
      const pointInTime = replication.states.get(database.id) ?? [];
      const recovery = assessRecovery({
        database,
        policyName,
        policy,
        snapshots,
        copies,
        lastVerified: await lastVerified(database, snapshots, ports.reports),
        pointInTime,
        now,
      });
      // Posture is read by the RDS adapter only; the local engine's databases have none.
      const assess = () => {
        if (database.backup) recovery.posture = assessPosture(database, policy, pointInTime);
      };
      assess();
      postures.push(assess);
      recoveries.push(recovery);
    }
  }
  return { recoveries, starts, errors, reassessPosture: () => postures.forEach((assess) => assess()) };
}

/** Where restore-verify may leave a scratch instance besides the monitor's own region. */
export interface ScratchSite {
  where: { account?: string; region: string };
  scratch: ScratchRestorer;
}

export interface MonitorPorts extends SurveyPorts {
  /**
   * The recovery picture and what could not be read for it; surveyRecovery unless given (a DR site
   * surveys the copies and replicated backups it holds).
   */
  survey?: (
    now: Date,
  ) => Promise<{ recoveries: DatabaseRecovery[]; errors: Array<{ step: string; error: string }> }>;
  /** The checks of one database; its RPO and verification freshness unless given. */
  checksOf?: (recovery: DatabaseRecovery, where: MonitorPorts['where'], now: Date) => Check[];
  reports: ReportStore;
  scratch: ScratchRestorer;
  /** Every copy target restore-verify can run at (`target: <region>` or `<account>/<region>`). */
  scratchSites?: ScratchSite[];
  quotas: QuotaReader;
  notifier: Notifier;
  /** Where this runs, for the messages. */
  where: { account?: string; region: string };
}

export interface MonitorRun {
  recoveries: DatabaseRecovery[];
  notified: number;
  open: string[];
  scratchDeleted: string[];
  /** Steps that failed; the handler fails the invocation after the rest is done. */
  errors: Array<{ step: string; error: string }>;
}

/**
 * One monitor run: survey, tell new problems and recoveries once, delete expired scratch
 * instances, warn on the snapshot quota. Each step runs even if another failed; their errors are
 * returned so the caller can fail the invocation (and raise the function's alarm).
 */
export async function runMonitor(ports: MonitorPorts, now: Date): Promise<MonitorRun> {
  const logger = ports.logger ?? silentLogger;
  const errors: MonitorRun['errors'] = [];
  const checks: Check[] = [];
  let complete = true;

  let recoveries: DatabaseRecovery[] = [];
  try {
    if (ports.survey) {
      // A DR site surveys the copies it holds; it starts no replication and has no posture to check.
      const surveyed = await ports.survey(now);
      recoveries = surveyed.recoveries;
      errors.push(...surveyed.errors);
      // Replicated backups that could not be listed are not checked: keep what was open.
      if (surveyed.errors.length > 0) complete = false;
    } else {
      const surveyed = await survey(ports, now);
      recoveries = surveyed.recoveries;
      // Replication that is missing or stopped is started again: a new instance, a stopped one.
      errors.push(...surveyed.errors, ...(await startReplications(surveyed.starts, logger)));
      // A replication started just now is starting, not a finding.
      surveyed.reassessPosture();
      // A target whose replicated backups could not be listed is not checked: keep what was open.
      if (surveyed.errors.length > 0) complete = false;
    }
    for (const recovery of recoveries) {
      checks.push(
        ...(ports.checksOf
          ? ports.checksOf(recovery, ports.where, now)
          : [
              rpoCheck(recovery, ports.where, now),
              verificationCheck(recovery, ports.where, now),
              ...postureChecks(recovery, ports.where, now),
            ]),
      );
    }
  } catch (error) {
    complete = false;
    errors.push({ step: 'survey', error: errorText(error) });
  }

  try {
    checks.push(...quotaChecks(await ports.quotas.accountQuotas(), ports.where, now));
  } catch (error) {
    complete = false;
    errors.push({ step: 'quota', error: errorText(error) });
  }
  // Every copy target once, though several policies may share it.
  const quotaTargets = new Map<string, { target: CopyTargetPolicy; quotas: QuotaReader }>();
  for (const policy of Object.values(ports.policies.policies)) {
    for (const { target, quotas } of ports.targetStores(policy)) {
      if (quotas && !quotaTargets.has(targetLabel(target)))
        quotaTargets.set(targetLabel(target), { target, quotas });
    }
  }
  for (const [label, { target, quotas }] of quotaTargets) {
    const where = {
      region: target.region,
      ...((target.account ?? ports.where.account) ? { account: target.account ?? ports.where.account } : {}),
    };
    try {
      checks.push(...quotaChecks(await quotas.accountQuotas(), where, now, label));
    } catch (error) {
      complete = false;
      errors.push({ step: `quota ${label}`, error: errorText(error) });
    }
  }

  const scratch = await deleteExpiredScratch(ports, now, errors, logger);
  checks.push(...scratch.checks);
  if (!scratch.complete) complete = false;

  let previous;
  try {
    previous = readMonitorState(await ports.reports.get(MONITOR_STATE_KEY));
  } catch (error) {
    // Without the state nobody can tell a new problem from a known one; the scratch cleanup
    // below does not depend on it and still runs.
    errors.push({ step: 'read state', error: errorText(error) });
  }

  let notified = 0;
  let open: string[] = [];
  if (previous) {
    const reconciled = reconcile(previous, checks, now);
    let state = reconciled.state;
    if (!complete) {
      // A step that could not look must not close what it would have checked: keep those open.
      for (const [key, entry] of Object.entries(previous.open)) {
        if (!checks.some((check) => check.key === key)) state.open[key] = entry;
      }
    }
    const unannounced: Announcement[] = [];
    for (const announcement of reconciled.announcements) {
      try {
        await ports.notifier.publish(announcement.notification);
        notified++;
      } catch (error) {
        unannounced.push(announcement);
        errors.push({ step: `notify ${announcement.notification.kind}`, error: errorText(error) });
      }
    }
    state = withUnannounced(state, previous, unannounced);
    // Saved after publishing: a crash in between repeats a message rather than losing it.
    try {
      await ports.reports.put(MONITOR_STATE_KEY, state);
    } catch (error) {
      errors.push({ step: 'save state', error: errorText(error) });
    }
    open = Object.keys(state.open);
  }

  return { recoveries, notified, open, scratchDeleted: scratch.deleted, errors };
}

/**
 * Deletes every expired scratch instance, in the monitor's region and at every copy target
 * restore-verify can run at, and tells each deletion at once. One that cannot be deleted becomes a
 * check, so it is told once and not every 15 minutes; not `complete` when the scratch instances
 * of some site could not even be listed.
 */
async function deleteExpiredScratch(
  ports: MonitorPorts,
  now: Date,
  errors: MonitorRun['errors'],
  logger: UseCaseLogger,
): Promise<{ deleted: string[]; checks: Check[]; complete: boolean }> {
  const sites: Array<ScratchSite & { label?: string }> = [
    { where: ports.where, scratch: ports.scratch },
    ...(ports.scratchSites ?? []).map((site) => ({
      ...site,
      label: site.where.account ? `${site.where.account}/${site.where.region}` : site.where.region,
    })),
  ];
  const deleted: string[] = [];
  const checks: Check[] = [];
  let listed = true;
  for (const site of sites) {
    const at = site.label ? ` at ${site.label}` : '';
    let expired: ScratchInstance[];
    try {
      expired = expiredScratch(await site.scratch.listScratch(), now);
    } catch (error) {
      errors.push({ step: `list scratch${at}`, error: errorText(error) });
      listed = false;
      continue;
    }
    for (const instance of expired) {
      // The monitor's own region keeps its key of before, so a known problem is not told again.
      const key = `scratch:${site.label ? `${site.label}:` : ''}${instance.kind}:${instance.id}`;
      try {
        await site.scratch.deleteScratch(instance.kind, instance.id);
      } catch (error) {
        const outcome = { deleted: false as const, error: errorText(error) };
        errors.push({ step: `delete scratch ${instance.id}${at}`, error: outcome.error });
        checks.push({ key, problem: scratchDeletedNotification(instance, outcome, site.where, now) });
        continue;
      }
      deleted.push(site.label ? `${site.label}/${instance.id}` : instance.id);
      logger.warn(`deleted expired scratch ${instance.kind} ${instance.id}${at}`, {
        expiresAt: instance.tags[TAG.expiresAt],
      });
      try {
        await ports.notifier.publish(
          scratchDeletedNotification(instance, { deleted: true }, site.where, now),
        );
      } catch (error) {
        errors.push({ step: `notify scratch ${instance.id}${at}`, error: errorText(error) });
      }
    }
  }
  return { deleted, checks, complete: listed };
}
