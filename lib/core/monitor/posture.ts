import type { DatabaseSource } from '../model.js';
import { NOTIFICATION_VERSION, type NotificationInput } from '../notification/message.js';
import type { Policy } from '../policy/schema.js';
import type { Check } from './alerts.js';
import type { PointInTimeState } from './point-in-time.js';
import type { DatabaseRecovery } from './recovery.js';

/**
 * What a protected database's own settings leave unprotected, found by the monitor. Lifeboat does
 * not change the teams' databases (its roles cannot), so each finding says what to change.
 * - `backups-off`, `backups-short`: automated backups (the point-in-time window) off, or kept fewer
 *   days than the policy's minimumBackupRetentionDays;
 * - `pitr-not-running`: `pointInTime` configured for a target, and the replication there not
 *   running (could not be started, or cannot be for this database);
 * - `deletion-protection-off`: one API call deletes the database (and with it its automated backups,
 *   unless retained);
 * - `not-encrypted`: storage not encrypted at rest.
 */
export type PostureProblem =
  'backups-off' | 'backups-short' | 'pitr-not-running' | 'deletion-protection-off' | 'not-encrypted';

export interface PostureFinding {
  problem: PostureProblem;
  /** For `pitr-not-running`: the target. */
  target?: string;
  summary: string;
  action: string;
}

function modifyCommand(database: Pick<DatabaseSource, 'kind' | 'id'>, option: string): string {
  return database.kind === 'cluster'
    ? `aws rds modify-db-cluster --db-cluster-identifier ${database.id} ${option} --apply-immediately`
    : `aws rds modify-db-instance --db-instance-identifier ${database.id} ${option} --apply-immediately`;
}

/**
 * The posture findings of one database under its policy. Pure; a database whose settings are not
 * known (`backup` absent: the local engine) has none.
 */
export function assessPosture(
  database: DatabaseSource,
  policy: Pick<Policy, 'minimumBackupRetentionDays'>,
  pointInTime: readonly PointInTimeState[],
): PostureFinding[] {
  const backup = database.backup;
  if (!backup) return [];
  const findings: PostureFinding[] = [];
  const minimum = policy.minimumBackupRetentionDays;
  if (backup.retentionDays === 0) {
    findings.push({
      problem: 'backups-off',
      summary: 'Automated backups are off: no point-in-time restore is possible, and none can be replicated.',
      action: `Turn them on with at least ${minimum} days: ${modifyCommand(database, `--backup-retention-period ${minimum}`)}`,
    });
  } else if (backup.retentionDays < minimum) {
    findings.push({
      problem: 'backups-short',
      summary: `Automated backups are kept ${backup.retentionDays} days, fewer than the policy's minimum of ${minimum}.`,
      action: `Keep them at least ${minimum} days: ${modifyCommand(database, `--backup-retention-period ${minimum}`)}`,
    });
  }
  for (const state of pointInTime) {
    if (state.state !== 'not-running' && state.state !== 'refused') continue;
    findings.push({
      problem: 'pitr-not-running',
      target: state.target,
      summary: `Point-in-time replication to ${state.target} is configured but not running: ${state.detail ?? 'no replicated backups there'}.`,
      action:
        state.state === 'refused'
          ? `Remove this database from the policy's pointInTime target or accept the copy interval as its DR RPO. ${state.detail ?? ''}`.trim()
          : `The monitor starts it again on every run; fix what it says (a KMS key grant, backups off, a stopped instance), or start it yourself: aws rds start-db-instance-automated-backups-replication --region ${state.target} --source-db-instance-arn ${database.arn} --kms-key-id <key ARN in ${state.target}>`,
    });
  }
  if (!backup.deletionProtection) {
    findings.push({
      problem: 'deletion-protection-off',
      summary: 'Deletion protection is off: a single call deletes the database.',
      action: `Turn it on: ${modifyCommand(database, '--deletion-protection')}`,
    });
  }
  if (!backup.storageEncrypted) {
    findings.push({
      problem: 'not-encrypted',
      summary: 'Storage is not encrypted at rest.',
      action:
        database.kind === 'cluster'
          ? 'RDS cannot encrypt an existing cluster: restore a snapshot of it into a new cluster with a KMS key (restore-db-cluster-from-snapshot --kms-key-id) and move to that cluster.'
          : 'RDS cannot encrypt an existing instance: copy a snapshot of it with a KMS key (copy-db-snapshot --kms-key-id), restore the encrypted copy and move to that instance.',
    });
  }
  return findings;
}

function findingKey(
  recovery: Pick<DatabaseRecovery, 'kind' | 'database'>,
  problem: PostureProblem,
  target?: string,
) {
  return `posture:${problem}${target ? `:${target}` : ''}:${recovery.kind}:${recovery.database}`;
}

/**
 * One check per posture problem a database can have (per target for the replication): a finding is
 * told once (`posture.finding`, warning, with what to do), its end once (`posture.resolved`).
 * A replication whose target could not be read is not checked this run, so it neither opens nor
 * closes.
 */
export function postureChecks(
  recovery: DatabaseRecovery,
  where: { account?: string; region: string },
  now: Date,
): Check[] {
  if (!recovery.posture) return [];
  const common: Omit<NotificationInput, 'kind' | 'severity' | 'summary'> = {
    version: NOTIFICATION_VERSION,
    database: recovery.database,
    policy: recovery.policy,
    region: where.region,
    ...(where.account ? { account: where.account } : {}),
    at: now.toISOString(),
  };
  const finding = (problem: PostureProblem, target?: string) =>
    recovery.posture!.find((f) => f.problem === problem && f.target === target);
  const check = (problem: PostureProblem, target?: string): Check => {
    const found = finding(problem, target);
    const details = { problem, ...(target ? { target } : {}) };
    const problemNotification: NotificationInput | undefined = found && {
      ...common,
      kind: 'posture.finding',
      severity: 'warning',
      summary: found.summary,
      action: found.action,
      details,
    };
    return {
      key: findingKey(recovery, problem, target),
      ...(problemNotification ? { problem: problemNotification } : {}),
      recovery: {
        ...common,
        kind: 'posture.resolved',
        severity: 'info',
        summary: `Resolved: ${RESOLVED[problem]}${target ? ` (${target})` : ''}.`,
        details,
      },
    };
  };
  return [
    check('backups-off'),
    check('backups-short'),
    check('deletion-protection-off'),
    check('not-encrypted'),
    ...(recovery.pointInTime ?? [])
      .filter((state) => state.state !== 'unreadable')
      .map((state) => check('pitr-not-running', state.target)),
  ];
}

const RESOLVED: Record<PostureProblem, string> = {
  'backups-off': 'automated backups are on',
  'backups-short': "automated backups are kept at least the policy's minimum",
  'pitr-not-running': 'point-in-time replication is running',
  'deletion-protection-off': 'deletion protection is on',
  'not-encrypted': 'storage is encrypted',
};
