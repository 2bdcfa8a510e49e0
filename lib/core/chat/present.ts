import type { Notification, NotificationKind, Severity } from '../notification/message.js';

/**
 * What a person sees first in chat, shared by the Slack and Teams renderings so both say the same
 * thing: a status mark, a title in the domain's words, and for anything short of a success, what
 * to do next.
 */
export const STATUS_EMOJI: Record<Severity, string> = {
  info: '✅',
  warning: '⚠️',
  critical: '🚨',
};

const TITLES: Record<NotificationKind, string> = {
  'snapshot.run': 'Snapshot run',
  'copy.done': 'DR copy done',
  'copy.failed': 'DR copy failed',
  'copy.overdue': 'DR copy overdue',
  'prune.run': 'Retention prune',
  'restore-verify.passed': 'Restore verified',
  'restore-verify.failed': 'Restore verification failed',
  'rpo.breach': 'RPO breached',
  'rpo.recovered': 'RPO back within target',
  'verify.stale': 'Restore verification overdue',
  'scratch.orphaned': 'Expired scratch instance deleted',
  'quota.warning': 'Manual snapshot quota nearly full',
  'posture.finding': 'Backup posture finding',
  'posture.resolved': 'Backup posture finding resolved',
  'function.failed': 'Lifeboat function failed',
  'alarm.raised': 'Lifeboat alarm',
  'alarm.recovered': 'Lifeboat alarm back to OK',
  'failover.done': 'Failed over to the DR site',
  'failover.failed': 'Failover did not finish',
};

// Used when the producer gave no `action`: a failure must always say what to do next.
const DEFAULT_ACTIONS: Partial<Record<NotificationKind, string>> = {
  'copy.failed': 'Open the report or the function logs; the next snapshot run retries the copy.',
  'copy.overdue':
    'Look at the copy in the target region (RDS events, PercentProgress); the monitor shows an RPO breach of that target while it lasts.',
  'restore-verify.failed':
    'Open the report: it names the tables that differ from the baseline. Treat the snapshot as suspect until a new one verifies.',
  'rpo.breach':
    'Check the snapshot function logs and the database status; take a manual snapshot if the next scheduled one is far off.',
  'verify.stale':
    'Start a restore-verify now (`lifeboat restore --db ID --wait`) and check why the scheduled one did not pass.',
  'scratch.orphaned': 'Look for a restore-verify execution that failed before its cleanup step.',
  'quota.warning':
    'Lower the retention counts in the policy or ask AWS for a higher manual snapshot quota before snapshots start failing.',
  'posture.finding':
    "Change the database's setting named in the summary; Lifeboat does not change the teams' databases.",
  'function.failed': 'Read the failed invocation in the async failure queue and the function logs.',
  'alarm.raised': 'Open the alarm in CloudWatch and the function logs it points to.',
  'failover.failed':
    'Look at the new database in the RDS console of the target (events, status); rerun lifeboat failover with the same --name to follow it.',
};

export function titleOf(notification: Notification): string {
  const title = TITLES[notification.kind];
  return notification.database ? `${title}: ${notification.database}` : title;
}

export function headlineOf(notification: Notification): string {
  return `${STATUS_EMOJI[notification.severity]} ${titleOf(notification)}`;
}

/** What to do next; successes need none. */
export function actionOf(notification: Notification): string | undefined {
  if (notification.action) return notification.action;
  if (notification.severity === 'info') return undefined;
  return DEFAULT_ACTIONS[notification.kind] ?? 'Open the linked report or execution for the details.';
}

/** The facts shown beside the summary, in a fixed order so the chat layout is stable. */
export function factsOf(notification: Notification): Array<{ title: string; value: string }> {
  const facts: Array<{ title: string; value: string }> = [];
  if (notification.database) facts.push({ title: 'Database', value: notification.database });
  if (notification.policy) facts.push({ title: 'Policy', value: notification.policy });
  const where = [notification.account, notification.region].filter(Boolean).join(' / ');
  if (where) facts.push({ title: 'Account / region', value: where });
  facts.push({ title: 'Severity', value: notification.severity });
  facts.push({ title: 'When', value: notification.at });
  return facts;
}

/**
 * Cuts a text to a chat service's field limit, marking the cut. Counted in UTF-16 units, which is
 * never more than the characters Slack counts; and never between the two halves of a surrogate pair
 * (an emoji), as a lone half is not UTF-8.
 */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = /[\uD800-\uDBFF]$/.test(text.slice(0, max - 1)) ? max - 2 : max - 1;
  return `${text.slice(0, cut)}…`;
}
