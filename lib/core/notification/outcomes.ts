import { TAG } from '../tags.js';
import {
  COPY_OVERDUE_HOURS,
  MAX_COPY_ATTEMPTS,
  type SnapshotCopyResult,
  type TargetCopyResult,
} from '../use-cases/copy-snapshot.js';
import { FAILED_SNAPSHOT_GRACE_DAYS } from '../retention/decide.js';
import type { PruneResult } from '../use-cases/prune.js';
import type { TakeSnapshotsResult } from '../use-cases/take-snapshots.js';
import type { NotificationInput, Severity } from './message.js';

/** Where the run happened: the function's own region and account. */
export interface RunSite {
  region?: string;
  account?: string;
}

function siteFields(site: RunSite): Pick<NotificationInput, 'region' | 'account'> {
  return {
    ...(site.region ? { region: site.region } : {}),
    ...(site.account ? { account: site.account } : {}),
  };
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/**
 * One summary per scheduled snapshot run: a run is a single event for the team, and the failed
 * databases are named in it. A failure Lambda will retry (instance busy, throttled) is a warning;
 * one that will not succeed by itself is critical, since the database's RPO clock keeps running.
 */
export function snapshotRunNotification(
  policyName: string,
  result: TakeSnapshotsResult,
  now: Date,
  site: RunSite = {},
): NotificationInput {
  const failed = result.databases.filter((d) => d.outcome === 'failed');
  const taken = result.databases.filter((d) => d.outcome === 'created' || d.outcome === 'existing');
  const skipped = result.databases.filter((d) => d.outcome === 'skipped');
  const severity: Severity =
    failed.length === 0 ? 'info' : failed.every((d) => d.retryable) ? 'warning' : 'critical';
  const only =
    failed.length === 1 ? failed[0] : result.databases.length === 1 ? result.databases[0] : undefined;
  const summary =
    failed.length === 0
      ? `Policy ${policyName}: ${plural(taken.length, 'snapshot')} taken${skipped.length > 0 ? `, ${skipped.length} skipped` : ''}`
      : `Policy ${policyName}: snapshot failed for ${failed.map((d) => d.database).join(', ')} (${taken.length} of ${result.databases.length - skipped.length} taken)`;
  return {
    version: 1,
    kind: 'snapshot.run',
    severity,
    ...(only ? { database: only.database } : {}),
    policy: policyName,
    ...siteFields(site),
    summary,
    ...(failed.length > 0
      ? {
          action:
            severity === 'warning'
              ? 'Nothing yet: Lambda retries the run. If the retries fail too, check the database status and take a manual snapshot.'
              : 'Read the reason below and the snapshot function logs, fix it, then take a manual snapshot (`lifeboat snapshot`) or wait for the next run.',
        }
      : {}),
    details: {
      scheduledAt: result.scheduledAt,
      taken: taken.length,
      skipped: skipped.length,
      failed: failed.length,
      snapshots: taken.flatMap((d) => (d.snapshotId ? [d.snapshotId] : [])),
      ...(failed.length > 0
        ? {
            failures: failed.map((d) => ({
              database: d.database,
              reason: d.reason,
              retryable: d.retryable ?? false,
            })),
          }
        : {}),
      ...(skipped.length > 0
        ? { skippedDatabases: skipped.map((d) => ({ database: d.database, reason: d.reason })) }
        : {}),
    },
    at: now.toISOString(),
  };
}

/** "222222222222/eu-west-1" or "eu-west-1" (copy-snapshot.ts targetName) back into its parts. */
function targetSite(target: string): RunSite {
  const [first, second] = target.split('/');
  return second !== undefined ? { account: first, region: second } : { region: first };
}

/**
 * The database in a scheduled snapshot's id, `lifeboat-<source>-<yyyymmddThhmm>`
 * (naming/snapshot-id.ts). An id too long for RDS was shortened with a hash, and then this gives
 * the shortened name; the snapshot id itself is always in `details`.
 */
export function sourceOfSnapshotId(snapshotId: string): string | undefined {
  return /^lifeboat-(.+)-\d{8}t\d{4}$/.exec(snapshotId)?.[1];
}

/**
 * One message per target that reached an end: `copy.done` when the copy is available, `copy.failed`
 * when it failed or was refused for good. Steps on the way (started, in progress, awaiting the
 * shareable copy) and `retry-later` publish nothing: the sweep retries them, and a copy stuck
 * there shows as an RPO breach of the DR target from the monitor, so chat is not flooded with
 * every step of every copy. Every failure is published, each naming its target, since each needs
 * someone to look. The source database is the snapshot's (snapshot ids start with the database id,
 * but the id is what people search for, so it is given whole in `details`).
 * The sweep (every 30 minutes, 48 hours back) meets a copied or refused target on every pass; only
 * the run that first saw it so (`announce`, remembered in a tag on the snapshot) publishes it.
 */
export function copyNotifications(
  results: readonly SnapshotCopyResult[],
  now: Date,
  databaseOf: (snapshotId: string) => string | undefined = sourceOfSnapshotId,
): NotificationInput[] {
  return results.flatMap((result) =>
    result.targets.flatMap((target) => {
      const message = copyNotification(result, target, now, databaseOf(result.snapshot));
      return message ? [message] : [];
    }),
  );
}

function copyNotification(
  result: SnapshotCopyResult,
  target: TargetCopyResult,
  now: Date,
  database: string | undefined,
): NotificationInput | undefined {
  const common = {
    version: 1 as const,
    ...(database ? { database } : {}),
    policy: result.policy,
    ...siteFields(targetSite(target.target)),
    details: { snapshot: result.snapshot, copy: target.copyId, target: target.target, reason: target.reason },
    at: now.toISOString(),
  };
  if (target.outcome === 'copied') {
    if (!target.announce) return undefined;
    return {
      ...common,
      kind: 'copy.done',
      severity: 'info',
      summary: `Copy ${target.copyId} of ${result.snapshot} is available in ${target.target}`,
    };
  }
  if (target.outcome === 'failed') {
    return {
      ...common,
      kind: 'copy.failed',
      severity: 'critical',
      summary: `Copy of ${result.snapshot} to ${target.target} failed: ${target.reason}`,
      action:
        'Check the copy function logs and the target (KMS key grants, DR role trust, snapshot quota there); the next sweep tries again once it is fixed.',
    };
  }
  if (target.blocker && !target.announce) return undefined;
  if (target.blocker === 'snapshot-quota') {
    return {
      ...common,
      kind: 'quota.warning',
      severity: 'critical',
      summary: `Copy of ${result.snapshot} to ${target.target} waits: the manual snapshot quota there is used up`,
      action: `Delete snapshots in ${target.target} or raise its "Manual DB snapshots" / "Manual DB cluster snapshots" quota (Service Quotas, RDS); the sweep retries every 30 minutes, and this is told once.`,
    };
  }
  if (target.blocker === 'copy-failed') {
    return {
      ...common,
      kind: 'copy.failed',
      severity: 'critical',
      summary: `Copy ${target.copyId} of ${result.snapshot} to ${target.target} failed in RDS; Lifeboat deleted it and copies again`,
      action: `Nothing yet if a retry succeeds (copy.done follows). Otherwise look at the RDS events in ${target.target} for why (KMS key and grants there, the source snapshot deleted too early); Lifeboat tries ${MAX_COPY_ATTEMPTS} times in all.`,
    };
  }
  if (target.blocker === 'retries-exhausted') {
    return {
      ...common,
      kind: 'copy.failed',
      severity: 'critical',
      summary: `Copy of ${result.snapshot} to ${target.target} failed ${MAX_COPY_ATTEMPTS} times; Lifeboat gave up: ${target.reason}`,
      action: `This snapshot has no copy in ${target.target}. Find why in the RDS events there and fix it; the next snapshot is copied as usual. To retry this one, remove the tag ${TAG.copyAnnounced}${target.target} from ${result.snapshot} (the sweep looks 48 h back).`,
    };
  }
  if (target.blocker === 'overdue') {
    return {
      ...common,
      kind: 'copy.overdue',
      severity: 'warning',
      summary: `Copy of ${result.snapshot} to ${target.target} not finished ${COPY_OVERDUE_HOURS} h after the snapshot: ${target.reason}`,
      action: `Look at ${target.copyId} in ${target.target} (status, progress, RDS events). RDS may queue cross-region copies for hours; the sweep stops looking 48 h after the snapshot.`,
    };
  }
  if (target.outcome === 'refused') {
    // A refusal is the policy's own rule, so it needs a person; once per snapshot is enough.
    if (!target.announce) return undefined;
    return {
      ...common,
      kind: 'copy.failed',
      severity: 'critical',
      summary: `Copy of ${result.snapshot} to ${target.target} refused: ${target.reason}`,
      action:
        target.blocker === 'unencrypted-cluster'
          ? 'This cluster has no DR copy until one of: encrypt it (restore a snapshot of it into a new cluster with a KMS key, RestoreDBClusterFromSnapshot --kms-key-id, and move to that cluster), or allow unencrypted DR copies of clusters in the policy (unencryptedSources: { clusters: copy-unencrypted }).'
          : target.blocker === 'no-target-share-key'
            ? `This cluster has no copy in ${target.target} until the policy's target has targetShareKmsKeyId: a customer-managed key of this account in that region, with the key-policy statements of deploy/dr-account-role.yml, and listed in that stack's SourceShareKeyArns. Then redeploy; the sweep copies snapshots of the last 48 h.`
            : "Encrypt the source database (or change the policy's unencryptedSources): this database has no DR copy until then.",
    };
  }
  return undefined;
}

/**
 * One summary per prune run. A delete that failed, or a scope that could not be listed, is a
 * warning: no data is at risk (snapshots are only kept longer than the retention asks), but the
 * quota and the bill grow until someone looks.
 */
export function pruneRunNotification(
  policyName: string,
  result: PruneResult,
  now: Date,
  site: RunSite = {},
): NotificationInput {
  const scopeErrors = result.scopes.filter((s) => s.error);
  const failures = result.scopes.flatMap((s) =>
    s.outcomes
      .filter((o) => o.result === 'failed')
      .map((o) => ({ scope: s.scope, snapshot: o.snapshot.id, error: o.error })),
  );
  // Announced once (retention/decide.ts remembers it in a tag), so a failed snapshot warns one run.
  const failedSnapshots = result.scopes.flatMap((s) =>
    s.failedSnapshots.map((f) => ({ scope: s.scope, snapshot: f.snapshot.id })),
  );
  const reported = result.scopes.flatMap((s) =>
    s.problems.map((p) => ({ scope: s.scope, snapshot: p.snapshot.id, problem: p.problem })),
  );
  const problems = scopeErrors.length + failures.length + failedSnapshots.length + reported.length;
  const kept = result.scopes.reduce((n, s) => n + s.decisions.filter((d) => d.action === 'keep').length, 0);
  const deleted = result.scopes.flatMap((s) =>
    s.outcomes.filter((o) => o.result === 'deleted').map((o) => o.snapshot.id),
  );
  const wouldDelete = result.scopes.flatMap((s) =>
    s.outcomes.filter((o) => o.result === 'dry run').map((o) => o.snapshot.id),
  );
  const done = result.dryRun
    ? `dry run, ${plural(wouldDelete.length, 'snapshot')} would be deleted`
    : `${plural(deleted.length, 'snapshot')} deleted`;
  const summary =
    problems === 0
      ? `Policy ${policyName}: ${done}, ${kept} kept`
      : failures.length + scopeErrors.length + reported.length === 0
        ? `Policy ${policyName}: ${plural(failedSnapshots.length, 'snapshot')} failed in RDS (${done})`
        : `Policy ${policyName}: prune incomplete, ${[
            ...(failures.length > 0 ? [`${failures.length} not deleted`] : []),
            ...(scopeErrors.length > 0 ? [`${scopeErrors.map((s) => s.scope).join(', ')} not pruned`] : []),
            ...(reported.length > 0
              ? [`${plural(reported.length, 'snapshot')} without a creation time`]
              : []),
            ...(failedSnapshots.length > 0
              ? [`${plural(failedSnapshots.length, 'snapshot')} failed in RDS`]
              : []),
          ].join(', ')} (${done})`;
  return {
    version: 1,
    kind: 'prune.run',
    severity: problems === 0 ? 'info' : 'warning',
    policy: policyName,
    ...siteFields(site),
    summary,
    ...(problems > 0
      ? {
          action: [
            ...(failures.length + scopeErrors.length + reported.length > 0
              ? [
                  'Read the errors below and the prune function logs (permissions, a snapshot in use by a copy); Lambda retries the run, and the next scheduled prune finishes the rest.',
                ]
              : []),
            ...(failedSnapshots.length > 0
              ? [
                  `RDS could not make the failed snapshots below: read their RDS events (storage, KMS key, quota); prune deletes them ${FAILED_SNAPSHOT_GRACE_DAYS} days from now.`,
                ]
              : []),
          ].join(' '),
        }
      : {}),
    details: {
      dryRun: result.dryRun,
      deleted,
      ...(result.dryRun ? { wouldDelete } : {}),
      kept,
      ...(failures.length > 0 ? { failures } : {}),
      ...(failedSnapshots.length > 0 ? { failedSnapshots } : {}),
      ...(reported.length > 0 ? { problems: reported } : {}),
      ...(scopeErrors.length > 0
        ? { scopeErrors: scopeErrors.map((s) => ({ scope: s.scope, error: s.error })) }
        : {}),
    },
    at: now.toISOString(),
  };
}
