import { NOTIFICATION_VERSION, type NotificationInput } from '../notification/message.js';
import type { ScratchInstance } from '../ports.js';
import { isScratch, TAG } from '../tags.js';
import type { Check } from './alerts.js';

/**
 * Scratch instances and clusters whose `lifeboat:expires-at` has passed. One without a readable
 * expiry is left alone: the monitor cannot tell it outlived anything, and restore-verify always
 * sets the tag.
 */
export function expiredScratch(scratch: readonly ScratchInstance[], now: Date): ScratchInstance[] {
  return scratch.filter((instance) => {
    if (!isScratch(instance.tags) || instance.status === 'deleting') return false;
    const expiresAt = Date.parse(instance.tags[TAG.expiresAt] ?? '');
    return Number.isFinite(expiresAt) && expiresAt < now.getTime();
  });
}

export function scratchDeletedNotification(
  instance: ScratchInstance,
  outcome: { deleted: true } | { deleted: false; error: string },
  where: { account?: string; region: string },
  now: Date,
): NotificationInput {
  const what = `Scratch ${instance.kind} ${instance.id}`;
  const expired = `expired at ${instance.tags[TAG.expiresAt]}`;
  const restoredFrom = instance.tags[TAG.restoredFrom];
  return {
    version: NOTIFICATION_VERSION,
    kind: 'scratch.orphaned',
    severity: outcome.deleted ? 'warning' : 'critical',
    ...(instance.tags[TAG.source] ? { database: instance.tags[TAG.source] } : {}),
    region: where.region,
    ...(where.account ? { account: where.account } : {}),
    summary: outcome.deleted
      ? `${what} ${expired} and was deleted.`
      : `${what} ${expired} and could not be deleted: ${outcome.error}`,
    ...(outcome.deleted
      ? {}
      : { action: `Delete ${instance.id} by hand (no final snapshot) and check the monitor's IAM role.` }),
    details: {
      scratch: instance.id,
      kind: instance.kind,
      ...(restoredFrom ? { restoredFrom } : {}),
      ...(instance.tags[TAG.execution] ? { execution: instance.tags[TAG.execution] } : {}),
    },
    at: now.toISOString(),
  };
}

/** An account quota as RDS DescribeAccountAttributes reports it. */
export interface AccountQuota {
  name: string;
  used: number;
  max: number;
}

/** The quotas snapshots count against: manual DB snapshots and manual DB cluster snapshots. */
export const SNAPSHOT_QUOTAS = ['ManualSnapshots', 'ManualClusterSnapshots'] as const;

export const QUOTA_WARNING_RATIO = 0.8;

const QUOTA_WORDS: Record<string, string> = {
  ManualSnapshots: 'manual DB snapshots',
  ManualClusterSnapshots: 'manual DB cluster snapshots',
};

/**
 * Warn at 80% of a snapshot quota: past 100% every snapshot and copy fails. `target` names a copy
 * target ("eu-west-1", "222222222222/eu-west-1") whose quota this is, apart from the home region's.
 */
export function quotaChecks(
  quotas: readonly AccountQuota[],
  where: { account?: string; region: string },
  now: Date,
  target?: string,
): Check[] {
  return quotas
    .filter((quota) => (SNAPSHOT_QUOTAS as readonly string[]).includes(quota.name) && quota.max > 0)
    .map((quota) => {
      const key = target === undefined ? `quota:${quota.name}` : `quota:${target}:${quota.name}`;
      const ratio = quota.used / quota.max;
      if (ratio < QUOTA_WARNING_RATIO) return { key };
      return {
        key,
        problem: {
          version: NOTIFICATION_VERSION,
          kind: 'quota.warning',
          severity: ratio >= 1 ? 'critical' : 'warning',
          region: where.region,
          ...(where.account ? { account: where.account } : {}),
          summary: `${quota.used} of ${quota.max} ${QUOTA_WORDS[quota.name]} used in ${where.account && target?.includes('/') ? `account ${where.account} ` : ''}${where.region}${target === undefined ? '' : ' (copy target)'} (${Math.floor(ratio * 100)}%).`,
          details: {
            quota: quota.name,
            used: quota.used,
            max: quota.max,
            ...(target === undefined ? {} : { target }),
          },
          at: now.toISOString(),
        },
      };
    });
}
