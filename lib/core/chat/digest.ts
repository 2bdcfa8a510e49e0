import { DeliveryFailedError } from '../errors.js';
import type { Notification } from '../notification/message.js';
import type { WebhookPoster, WebhookUrlSource } from './deliver.js';
import { STATUS_EMOJI, clip, titleOf } from './present.js';
import type { ChatConfig } from './routing.js';
import { escapeMrkdwn, type SlackBlock, type SlackMessage } from './slack.js';
import { teamsCard, type TeamsMessage } from './teams.js';

/** Where notify parks the messages of a digest severity until the digest run (SQS in AWS). */
export interface DigestQueue {
  /** One entry per channel, so a channel that fails is retried without repeating the others. */
  enqueue(channel: string, notification: Notification): Promise<void>;
  /** Up to `max` parked entries, each with the handle that removes it once posted. */
  receive(max: number): Promise<DigestEntry[]>;
  remove(receipts: string[]): Promise<void>;
}

export interface DigestEntry {
  channel: string;
  notification: Notification;
  receipt: string;
}

// Slack allows 50 blocks per message: a header, a context line and 45 entries; the rest are counted.
const SLACK_ENTRIES = 45;
const TEAMS_ENTRIES = 45;

function ordered(notifications: readonly Notification[]): Notification[] {
  return [...notifications].sort((a, b) => a.at.localeCompare(b.at));
}

function heading(count: number): string {
  return `🗂️ Lifeboat digest: ${count} message${count === 1 ? '' : 's'}`;
}

function span(notifications: readonly Notification[]): string {
  return `${notifications[0]!.at} to ${notifications[notifications.length - 1]!.at}`;
}

/** One Slack message listing the digested notifications, oldest first, each with its first link. */
export function slackDigest(notifications: readonly Notification[]): SlackMessage {
  const sorted = ordered(notifications);
  const shown = sorted.slice(0, SLACK_ENTRIES);
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: heading(sorted.length), emoji: true } },
    ...shown.map((n): SlackBlock => {
      // In <url|label> a `|` or `>` in the URL would end it early.
      const url = n.links[0]?.url.replace(/\|/g, '%7C').replace(/>/g, '%3E').replace(/</g, '%3C');
      const link = n.links[0] ? ` <${url}|${escapeMrkdwn(n.links[0].label)}>` : '';
      return {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: clip(
            `${STATUS_EMOJI[n.severity]} *${escapeMrkdwn(titleOf(n))}*: ${escapeMrkdwn(n.summary)}${link}`,
            3000,
          ),
        },
      };
    }),
  ];
  const more = sorted.length - shown.length;
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: `${span(sorted)}${more > 0 ? ` · ${more} more not shown` : ''}` }],
  });
  return { text: heading(sorted.length), blocks };
}

/** The same digest as a Teams Adaptive Card. */
export function teamsDigest(notifications: readonly Notification[]): TeamsMessage {
  const sorted = ordered(notifications);
  const shown = sorted.slice(0, TEAMS_ENTRIES);
  const more = sorted.length - shown.length;
  return teamsCard([
    { type: 'TextBlock', text: heading(sorted.length), size: 'Large', weight: 'Bolder', wrap: true },
    ...shown.map((n) => ({
      type: 'TextBlock',
      text: `${STATUS_EMOJI[n.severity]} **${titleOf(n)}**: ${n.summary}${n.links[0] ? ` [${n.links[0].label}](${n.links[0].url})` : ''}`,
      wrap: true,
    })),
    {
      type: 'TextBlock',
      text: `${span(sorted)}${more > 0 ? ` · ${more} more not shown` : ''}`,
      isSubtle: true,
      size: 'Small',
      wrap: true,
    },
  ]);
}

/**
 * Posts what the queue holds as one digest per channel and removes what was posted. The entries of
 * a channel whose post failed stay in the queue for the next run (after repeated failures SQS moves
 * them to the dead-letter queue); the failure is thrown so the run's alarm fires.
 */
export async function postDigest(ports: {
  config: ChatConfig;
  queue: DigestQueue;
  urls: WebhookUrlSource;
  poster: WebhookPoster;
  max?: number;
}): Promise<{ posted: Record<string, number> }> {
  const parked = await ports.queue.receive(ports.max ?? 200);
  const byChannel = new Map<string, DigestEntry[]>();
  for (const entry of parked) byChannel.set(entry.channel, [...(byChannel.get(entry.channel) ?? []), entry]);
  const done: string[] = [];
  const failures: string[] = [];
  const posted: Record<string, number> = {};
  for (const [name, entries] of byChannel) {
    const receipts = entries.map((entry) => entry.receipt);
    const channel = ports.config.channels[name];
    // A channel removed from the settings since: its entries have nowhere to go.
    if (!channel) {
      done.push(...receipts);
      continue;
    }
    const notifications = entries.map((entry) => entry.notification);
    try {
      const url = await ports.urls.webhookUrl(channel.webhook);
      const body = channel.type === 'slack' ? slackDigest(notifications) : teamsDigest(notifications);
      await ports.poster.post(url, body, name);
      posted[name] = entries.length;
      done.push(...receipts);
    } catch (error) {
      failures.push(error instanceof Error ? error.message : String(error));
    }
  }
  if (done.length > 0) await ports.queue.remove(done);
  if (failures.length > 0) {
    throw new DeliveryFailedError(`digest could not be posted: ${failures.join('; ')}`);
  }
  return { posted };
}
