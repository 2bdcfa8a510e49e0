import type { Snapshot } from '../model.js';
import { NOTIFICATION_VERSION } from '../notification/message.js';
import type { PolicyFile } from '../policy/schema.js';
import { siteTargetOf, targetNameOf, verifyAtTarget, type Site } from '../policy/site.js';
import type { ReportStore, SnapshotStore } from '../ports.js';
import { reportPrefix } from '../report/report.js';
import { isManaged, TAG } from '../tags.js';
import { heldSourcesIn } from '../use-cases/restore-verify/dr-site.js';
import { rpoCheck, verificationCheck, type Check } from './alerts.js';
import { drPointInTimeState } from './dr-point-in-time.js';
import type { BackupReplication, PointInTimeState, ReplicatedBackup } from './point-in-time.js';
import {
  assessVerification,
  targetLabel,
  type DatabaseRecovery,
  type SnapshotAge,
  type VerifiedRestore,
} from './recovery.js';
import { errorText, verifiedRestoreFrom, type MonitorPorts } from './run.js';

// Reports read per database for the newest pass at this site; the primary's replicated reports
// share the prefix, so more are read than at the primary.
const REPORTS_SEARCHED = 30;

export interface DrSiteSurveyPorts {
  policies: PolicyFile & { site: Site };
  /** The DR site's own region, where its copies are. */
  region: string;
  store: SnapshotStore;
  reports?: ReportStore;
  /**
   * The automated backups replicated into the site's own region (a `pointInTime` target here),
   * listed only; without it no point-in-time state is shown.
   */
  replication?: Pick<BackupReplication, 'listReplicated'>;
}

function minutesSince(time: Date, now: Date): number {
  return Math.max(0, Math.round((now.getTime() - time.getTime()) / 60_000));
}

/**
 * When the data of a copy was taken: its origin's scheduled time (a copy is made later), else its
 * own creation. The DR RPO is the age of the data, not of the copy.
 */
function dataTakenAt(copy: Snapshot): Date | undefined {
  const scheduled = Date.parse(copy.tags[TAG.scheduledAt] ?? '');
  return Number.isFinite(scheduled) ? new Date(scheduled) : copy.createdAt;
}

/** The newest available managed copy of a database held here, by when its data was taken. */
export function newestHeldCopy(
  snapshots: readonly Snapshot[],
  database: { id: string; kind: Snapshot['kind'] },
  now: Date,
): SnapshotAge | null {
  let newest: { copy: Snapshot; at: Date } | undefined;
  for (const copy of snapshots) {
    const at = dataTakenAt(copy);
    if (!at || !isManaged(copy.tags) || copy.status !== 'available' || copy.kind !== database.kind) continue;
    if ((copy.tags[TAG.source] ?? copy.sourceId) !== database.id) continue;
    if (!newest || at > newest.at) newest = { copy, at };
  }
  if (!newest) return null;
  return { id: newest.copy.id, createdAt: newest.at.toISOString(), ageMinutes: minutesSince(newest.at, now) };
}

/** The newest passed restore-verify of this site's target: the primary's replicated reports do not count. */
async function lastVerifiedHere(
  database: string,
  target: string,
  reports: ReportStore | undefined,
): Promise<VerifiedRestore | null> {
  if (!reports) return null;
  const keys = (await reports.list(reportPrefix(database))).filter((key) => key.endsWith('.json'));
  for (const key of keys.slice(-REPORTS_SEARCHED).reverse()) {
    const report = await reports.get(key);
    if ((report as { target?: unknown } | undefined)?.target !== target) continue;
    const verified = verifiedRestoreFrom(report, key);
    if (verified) return verified;
  }
  return null;
}

/**
 * The recovery picture at a DR site, per database whose copies it holds: the age of the newest
 * copy (the DR RPO), the replicated latest restorable time where its target has `pointInTime`
 * (then the lag is the DR RPO, as at the primary), the last restore verified here and its RTO, and
 * whether the next is due on the target's verify schedule. Nothing is read outside the site's own
 * region and account.
 */
export async function surveyDrSite(ports: DrSiteSurveyPorts, now: Date): Promise<DatabaseRecovery[]> {
  return (await surveyDrSiteRun(ports, now)).recoveries;
}

/** surveyDrSite, with what could not be read (the monitor's run is then incomplete). */
async function surveyDrSiteRun(
  ports: DrSiteSurveyPorts,
  now: Date,
): Promise<{ recoveries: DatabaseRecovery[]; errors: Array<{ step: string; error: string }> }> {
  const { site } = ports.policies;
  const snapshots = await ports.store.listSnapshots();
  const held = [...heldSourcesIn(snapshots).values()];
  const recoveries: DatabaseRecovery[] = [];
  const errors: Array<{ step: string; error: string }> = [];
  // Listed once per run, and only when some policy's target here has pointInTime.
  let listing: Promise<{ backups: ReplicatedBackup[] } | { error: string }> | undefined;
  const replicatedHere = (replication: NonNullable<DrSiteSurveyPorts['replication']>) =>
    (listing ??= replication.listReplicated().then(
      (backups) => ({ backups }),
      (error: unknown) => ({ error: errorText(error) }),
    ));
  for (const [policyName, policy] of Object.entries(ports.policies.policies)) {
    const found = siteTargetOf(site, policy, ports.region);
    if (!found) continue;
    const { target } = found;
    const label = targetLabel(target);
    const listed =
      target.pointInTime && ports.replication ? await replicatedHere(ports.replication) : undefined;
    if (listed && 'error' in listed && !errors.some((e) => e.step === `replicated backups ${label}`)) {
      errors.push({ step: `replicated backups ${label}`, error: listed.error });
    }
    const verifying = policy.verify ? { ...policy, verify: verifyAtTarget(policy.verify, target) } : policy;
    for (const { source } of held.filter((h) => h.policy === policyName)) {
      const newest = newestHeldCopy(snapshots, source, now);
      const pointInTime: PointInTimeState | undefined = !listed
        ? undefined
        : 'error' in listed
          ? {
              target: label,
              state: 'unreadable',
              latestRestorableTime: null,
              lagMinutes: null,
              detail: `replicated backups at ${label} cannot be read: ${listed.error}`,
            }
          : drPointInTimeState(source, label, site.primary, listed.backups, now);
      const rpo = drRpo(policy.rpoMinutes, label, newest, pointInTime);
      const last = await lastVerifiedHere(source.id, targetNameOf(target), ports.reports);
      recoveries.push({
        database: source.id,
        kind: source.kind,
        policy: policyName,
        rpo: {
          objectiveMinutes: policy.rpoMinutes,
          state: rpo.breached ? 'breach' : 'ok',
          reasons: rpo.reasons,
        },
        snapshot: null,
        copies: [{ target: label, newest, pending: null, breached: rpo.breached }],
        verification: assessVerification(verifying, last, now),
        ...(pointInTime ? { pointInTime: [pointInTime] } : {}),
        rto: {
          objectiveMinutes: policy.rtoMinutes,
          state:
            last?.rtoMinutes === null || last === null
              ? 'unknown'
              : last.rtoMinutes > policy.rtoMinutes
                ? 'breach'
                : 'ok',
        },
      });
    }
  }
  return { recoveries, errors };
}

/**
 * The DR RPO of one database here. While its replicated backups are fed, what can be restored here
 * is their latest restorable time, so the lag decides, as at the primary (recovery.ts); otherwise
 * the age of the newest copy's data does, and a breach says why no point in time helps.
 */
export function drRpo(
  objective: number,
  label: string,
  newest: SnapshotAge | null,
  pointInTime: PointInTimeState | undefined,
): { breached: boolean; reasons: string[] } {
  if (pointInTime && pointInTime.lagMinutes !== null) {
    const breached = pointInTime.lagMinutes > objective;
    return {
      breached,
      reasons: breached
        ? [
            `point-in-time restores at ${label} are ${pointInTime.lagMinutes} min behind (replicated latest restorable time ${pointInTime.latestRestorableTime})`,
          ]
        : [],
    };
  }
  const breached = !newest || newest.ageMinutes > objective;
  if (!breached) return { breached, reasons: [] };
  return {
    breached,
    reasons: [
      !newest
        ? `no available copy at ${label}`
        : `newest copy at ${label} holds data ${newest.ageMinutes} min old (${newest.id})`,
      ...(pointInTime
        ? [
            `no point-in-time restore at ${label} (${pointInTime.state}): ${pointInTime.detail ?? 'no replicated backups'}`,
          ]
        : []),
    ],
  };
}

/** The RTO check of one database at a DR site: raised while its last verified restore took too long. */
export function rtoCheck(
  recovery: DatabaseRecovery,
  where: { account?: string; region: string },
  now: Date,
): Check {
  const key = `rto:${recovery.kind}:${recovery.database}`;
  const last = recovery.verification.last;
  if (!recovery.rto || recovery.rto.state === 'unknown' || !last) return { key };
  const common = {
    version: NOTIFICATION_VERSION as typeof NOTIFICATION_VERSION,
    database: recovery.database,
    policy: recovery.policy,
    region: where.region,
    ...(where.account ? { account: where.account } : {}),
    at: now.toISOString(),
    details: { rtoMinutes: recovery.rto.objectiveMinutes, last },
  };
  if (recovery.rto.state === 'breach') {
    return {
      key,
      problem: {
        ...common,
        kind: 'rto.breach',
        severity: 'warning',
        summary: `RTO of ${recovery.rto.objectiveMinutes} min exceeded at this DR site: the restore verified ${last.at} took ${last.rtoMinutes} min.`,
      },
    };
  }
  return {
    key,
    recovery: {
      ...common,
      kind: 'rto.recovered',
      severity: 'info',
      summary: `Back within the RTO of ${recovery.rto.objectiveMinutes} min at this DR site: the restore verified ${last.at} took ${last.rtoMinutes} min.`,
    },
  };
}

/**
 * What makes runMonitor a DR site's monitor: the survey of the copies and replicated automated
 * backups held here (listed, never started or stopped), the RTO check
 * besides the RPO and verification ones, and no copy target or other region to reach (no DR role
 * is ever assumed). The janitor and the quota check stay those of the site's own region.
 */
export function drSiteMonitoring(
  ports: DrSiteSurveyPorts,
): Required<Pick<MonitorPorts, 'survey' | 'checksOf' | 'scratchSites'>> & Pick<MonitorPorts, 'targetStores'> {
  return {
    survey: (now) => surveyDrSiteRun(ports, now),
    checksOf: (recovery, where, now) => [
      // Replicated backups that could not be listed may well be fed: a breach of the copies alone
      // is then not told (nor one told before closed), as the primary keeps what it could not check.
      ...(recovery.rpo.state === 'breach' && recovery.pointInTime?.some((p) => p.state === 'unreadable')
        ? []
        : [rpoCheck(recovery, where, now)]),
      verificationCheck(recovery, where, now),
      rtoCheck(recovery, where, now),
    ],
    targetStores: () => [],
    scratchSites: [],
  };
}
