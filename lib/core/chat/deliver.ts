import { ConfigError, DeliveryFailedError } from '../errors.js';
import type { DigestQueue } from './digest.js';
import type { Notification } from '../notification/message.js';
import { routeFor, type ChatChannel, type ChatConfig } from './routing.js';
import { slackMessage } from './slack.js';
import { teamsMessage } from './teams.js';

/** Turns a channel's webhook reference (a secret name) into the URL; lib/adapters/aws/webhook-secrets.ts. */
export interface WebhookUrlSource {
  webhookUrl(ref: string): Promise<string>;
}

/** Posts a JSON body to a webhook, retrying on its own; lib/adapters/chat/webhook.ts. */
export interface WebhookPoster {
  post(url: string, body: unknown, channel: string): Promise<void>;
}

export interface DeliveryResult {
  delivered: string[];
  /** Parked for the next digest instead of posted now. */
  digested?: boolean;
}

export function chatBody(channel: ChatChannel, notification: Notification, mention?: 'here' | 'channel') {
  return channel.type === 'slack'
    ? slackMessage(notification, mention ? { mention } : {})
    : teamsMessage(notification);
}

/**
 * Channels that already took this message in an earlier attempt of the same invocation (Lambda
 * retries a failed one as a whole): they are skipped, so one broken channel does not post the
 * message again to the healthy ones.
 */
export interface DeliveryMemory {
  has(channel: string): boolean;
  add(channel: string): void;
}

/**
 * Sends one notification to every channel its severity routes to. Channels are posted in parallel
 * and independently; if any is still failing after the poster's retries, a DeliveryFailedError
 * names them (never their URLs), so the invocation fails and the message is kept.
 */
export async function deliverNotification(
  notification: Notification,
  ports: {
    config: ChatConfig;
    urls: WebhookUrlSource;
    poster: WebhookPoster;
    digest?: DigestQueue;
    memory?: DeliveryMemory;
  },
): Promise<DeliveryResult> {
  const route = routeFor(ports.config, notification.severity);
  if (route.digest && route.channels.length > 0) {
    if (!ports.digest)
      throw new ConfigError(`${notification.severity} is digested but no digest queue is set`);
    const queue = ports.digest;
    await Promise.all(route.channels.map((channel) => queue.enqueue(channel.name, notification)));
    return { delivered: [], digested: true };
  }
  const pending = route.channels.filter((channel) => !ports.memory?.has(channel.name));
  const outcomes = await Promise.allSettled(
    pending.map(async (channel) => {
      const url = await ports.urls.webhookUrl(channel.webhook);
      await ports.poster.post(url, chatBody(channel, notification, route.mention), channel.name);
      ports.memory?.add(channel.name);
      return channel.name;
    }),
  );
  const failed = pending.filter((_, index) => outcomes[index]!.status === 'rejected');
  if (failed.length > 0) {
    const reasons = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []));
    // The poster's messages name the channel and the redacted target, never the URL.
    const why = reasons.map((reason) => (reason instanceof Error ? reason.message : String(reason)));
    throw new DeliveryFailedError(
      `${notification.kind} could not be delivered to ${failed.map((channel) => channel.name).join(', ')}: ${why.join('; ')}`,
      { cause: reasons.length === 1 ? reasons[0] : new AggregateError(reasons) },
    );
  }
  return { delivered: route.channels.map((channel) => channel.name) };
}
