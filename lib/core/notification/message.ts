import * as z from '../validation.js';

/**
 * The one message format on the Lifeboat SNS topic, versioned so subscribers (the notify function,
 * AWS Chatbot, a team's own queue) can rely on it. `severity` is also an SNS message attribute, so
 * a subscription can filter on it.
 */
export const NOTIFICATION_VERSION = 1;

export const SeveritySchema = z.enum(['info', 'warning', 'critical']);
export type Severity = z.infer<typeof SeveritySchema>;

export const NotificationKindSchema = z.enum([
  'snapshot.run',
  'copy.done',
  'copy.failed',
  'copy.overdue',
  'prune.run',
  'restore-verify.passed',
  'restore-verify.failed',
  'rpo.breach',
  'rpo.recovered',
  'verify.stale',
  'scratch.orphaned',
  'quota.warning',
  // The monitor's posture checks (lib/core/monitor/posture.ts): a finding, and its end.
  'posture.finding',
  'posture.resolved',
  'function.failed',
  // A CloudWatch alarm on the topic (function errors, failure queue depth), translated by notify.
  'alarm.raised',
  'alarm.recovered',
  // `lifeboat failover`: production restored at a DR target, or a failover that did not finish.
  'failover.done',
  'failover.failed',
]);
export type NotificationKind = z.infer<typeof NotificationKindSchema>;

export const NotificationSchema = z.strictObject({
  version: z.literal(NOTIFICATION_VERSION),
  kind: NotificationKindSchema,
  severity: SeveritySchema,
  /** The database (instance or cluster id) concerned; absent for run-wide summaries. */
  database: z.optional(z.string()),
  policy: z.optional(z.string()),
  account: z.optional(z.string()),
  region: z.optional(z.string()),
  /** One line a person reads first: what happened. */
  summary: z.string().check(z.minLength(1)),
  /** What to do next, for anything that is not a plain success. */
  action: z.optional(z.string()),
  /** Links for people: the report, the execution, the console page. */
  links: z._default(z.array(z.strictObject({ label: z.string(), url: z.string() })), []),
  /** Kind-specific facts (report S3 key, snapshot ids, counts). */
  details: z._default(z.record(z.string(), z.unknown()), {}),
  at: z.iso.datetime(),
});

export type Notification = z.infer<typeof NotificationSchema>;
export type NotificationInput = z.input<typeof NotificationSchema>;

/** Validates a notification before it is published or after it is received. */
export function parseNotification(value: unknown): Notification {
  return NotificationSchema.parse(value);
}
