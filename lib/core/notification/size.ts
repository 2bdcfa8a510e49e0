import type { Notification } from './message.js';

/**
 * SNS refuses a message over 256 KiB, its attributes included
 * (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html, Message: "Messages must be UTF-8
 * encoded strings and at most 256 KB in size"), and then nobody is told anything. Kept a little
 * under, for the attributes and subject.
 */
export const SNS_MESSAGE_BYTES = 256 * 1024 - 2 * 1024;

// Each pass halves the longest string or list a notification may keep; below this it stops.
const FIRST_CAP = 16 * 1024;
const LAST_CAP = 64;

function capText(text: string, cap: number): string {
  return text.length <= cap ? text : `${text.slice(0, cap - 1)}…`;
}

function capValue(value: unknown, cap: number): unknown {
  if (typeof value === 'string') return capText(value, cap);
  if (Array.isArray(value)) {
    const items = Math.max(1, Math.floor(cap / 64));
    const kept = value.slice(0, items).map((item) => capValue(item, cap));
    return value.length > items ? [...kept, `… ${value.length - items} more`] : kept;
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, capValue(inner, cap)]));
  }
  return value;
}

function capped(notification: Notification, cap: number): Notification {
  return {
    ...notification,
    ...(notification.database !== undefined ? { database: capText(notification.database, cap) } : {}),
    ...(notification.policy !== undefined ? { policy: capText(notification.policy, cap) } : {}),
    summary: capText(notification.summary, cap),
    ...(notification.action !== undefined ? { action: capText(notification.action, cap) } : {}),
    links: notification.links
      .slice(0, Math.max(1, Math.floor(cap / 64)))
      .map((link) => ({ label: capText(link.label, cap), url: capText(link.url, cap) })),
    details: capValue(notification.details, cap) as Notification['details'],
  };
}

/**
 * The notification, shortened until its published form (`sizeOf`, in bytes) fits `limit`: every
 * text and list is cut to the same length, halved until it fits, so a huge field (a 100,000
 * character input echoed back) is cut before anything small. As a last resort the details go.
 * The kind, severity and time are never touched, so the message still says what happened.
 */
export function fitNotification(
  notification: Notification,
  sizeOf: (notification: Notification) => number,
  limit = SNS_MESSAGE_BYTES,
): Notification {
  if (sizeOf(notification) <= limit) return notification;
  for (let cap = FIRST_CAP; cap >= LAST_CAP; cap = Math.floor(cap / 2)) {
    const shorter = capped(notification, cap);
    if (sizeOf(shorter) <= limit) return shorter;
  }
  return { ...capped(notification, LAST_CAP), links: [], details: { truncated: true } };
}
