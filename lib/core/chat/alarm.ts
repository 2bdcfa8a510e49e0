import * as z from '../validation.js';
import { InvalidInputError } from '../errors.js';
import { formatIssues } from '../policy/parse.js';
import { NOTIFICATION_VERSION, parseNotification, type Notification } from '../notification/message.js';

/**
 * The JSON CloudWatch publishes to SNS when an alarm changes state (only the fields Lifeboat reads).
 * CloudWatch writes StateChangeTime as `2026-11-24T09:15:00.000+0000`, without the colon ISO wants,
 * and Region as a display name ("US East (N. Virginia)"), so the region code comes from AlarmArn.
 */
const AlarmMessageSchema = z.object({
  AlarmName: z.string().check(z.minLength(1)),
  AlarmDescription: z.nullish(z.string()),
  AWSAccountId: z.optional(z.string()),
  NewStateValue: z.enum(['ALARM', 'OK', 'INSUFFICIENT_DATA']),
  NewStateReason: z._default(z.string(), ''),
  StateChangeTime: z.string(),
  AlarmArn: z.optional(z.string()),
});
type AlarmMessage = z.infer<typeof AlarmMessageSchema>;

function isAlarmMessage(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'AlarmName' in value && 'NewStateValue' in value;
}

function alarmTime(text: string): string {
  const time = new Date(text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  if (Number.isNaN(time.getTime()))
    throw new InvalidInputError(`alarm StateChangeTime "${text}" is not a time`);
  return time.toISOString();
}

function alarmNotification(alarm: AlarmMessage): Notification {
  const region = alarm.AlarmArn?.split(':')[3];
  const raised = alarm.NewStateValue === 'ALARM';
  const links = region
    ? [
        {
          label: 'Open the alarm',
          url: `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#alarmsV2:alarm/${encodeURIComponent(alarm.AlarmName)}`,
        },
      ]
    : [];
  return parseNotification({
    version: NOTIFICATION_VERSION,
    kind: raised ? 'alarm.raised' : 'alarm.recovered',
    severity: raised ? 'critical' : 'info',
    account: alarm.AWSAccountId,
    region,
    summary: `${alarm.AlarmName}: ${alarm.AlarmDescription || alarm.NewStateReason || alarm.NewStateValue}`,
    ...(raised && alarm.NewStateReason ? { details: { reason: alarm.NewStateReason } } : {}),
    links,
    at: alarmTime(alarm.StateChangeTime),
  });
}

/**
 * Reads one message from the Lifeboat topic: a Lifeboat notification, or a CloudWatch alarm state
 * change (alarms publish to the same topic), which becomes an `alarm.*` notification.
 * A message that is neither is an InvalidInputError naming what is wrong.
 */
export function parseTopicMessage(text: string): Notification {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError('topic message is not JSON', { cause: error });
  }
  if (isAlarmMessage(value)) {
    const alarm = AlarmMessageSchema.safeParse(value);
    if (!alarm.success) {
      throw new InvalidInputError(
        `CloudWatch alarm message is invalid:\n${formatIssues(alarm.error.issues)}`,
      );
    }
    return alarmNotification(alarm.data);
  }
  try {
    return parseNotification(value);
  } catch (error) {
    const issues = error instanceof z.$ZodError ? `:\n${formatIssues(error.issues)}` : '';
    throw new InvalidInputError(`topic message is not a Lifeboat notification${issues}`, { cause: error });
  }
}
