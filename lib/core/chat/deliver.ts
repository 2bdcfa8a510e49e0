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
 * Per (topic message, channel), whether the message was posted there, kept outside the Lambda
 * container: Lambda retries a failed asynchronous invocation on whichever container is free, so
 * only a shared record keeps one broken channel from posting the message again to the healthy ones
 * (lib/adapters/aws/s3-delivery-ledger.ts).
 */
export interface DeliveryLedger {
  /**
   * Takes the channel for this attempt before it posts. Not taken when an earlier attempt delivered
   * it, or when another attempt holds a claim that is not yet stale (it may be posting right now).
   */
  claim(messageId: string, channel: string): Promise<DeliveryClaim>;
  delivered(messageId: string, channel: string): Promise<void>;
  /** Gives a claim back after a failed post, so the next attempt may take it at once. */
  release(messageId: string, channel: string, claim: DeliveryClaim & { taken: true }): Promise<void>;
}

export type DeliveryClaim =
  { taken: true; token: string } | { taken: false; why: 'delivered' | 'in-progress' };

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
    ledger: DeliveryLedger;
    /** The SNS MessageId: the same on each of Lambda's retries of the invocation. */
    messageId: string;
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
  const { ledger, messageId } = ports;
  const channels = route.channels;
  const outcomes = await Promise.allSettled(
    channels.map(async (channel) => {
      const claim = await ledger.claim(messageId, channel.name);
      if (!claim.taken) {
        if (claim.why === 'delivered') return;
        // Failing keeps the message: Lambda's next retry finds it delivered, or the claim stale.
        throw new DeliveryFailedError(
          `channel ${channel.name}: another attempt is posting this message (its claim is not yet stale)`,
        );
      }
      try {
        const url = await ports.urls.webhookUrl(channel.webhook);
        await ports.poster.post(url, chatBody(channel, notification, route.mention), channel.name);
      } catch (error) {
        await ledger.release(messageId, channel.name, claim).catch(() => undefined);
        throw error;
      }
      await ledger.delivered(messageId, channel.name);
    }),
  );
  const failed = channels.filter((_, index) => outcomes[index]!.status === 'rejected');
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
