import type { Notification } from '../notification/message.js';
import { actionOf, clip, factsOf, headlineOf } from './present.js';

/** A Slack incoming-webhook body: Block Kit blocks plus `text`, which Slack shows in notifications. */
export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

type PlainText = { type: 'plain_text'; text: string; emoji?: boolean };
type Mrkdwn = { type: 'mrkdwn'; text: string };
export type SlackBlock =
  | { type: 'header'; text: PlainText }
  | { type: 'section'; text?: Mrkdwn; fields?: Mrkdwn[] }
  | { type: 'actions'; elements: Array<{ type: 'button'; text: PlainText; url: string }> }
  | { type: 'context'; elements: Mrkdwn[] };

// Block Kit limits (api.slack.com/reference/block-kit/blocks): header 150 characters, section
// text 3000, a field 2000, at most 10 fields; a button label 75 and its URL 3000.
const HEADER_MAX = 150;
const SECTION_MAX = 3000;
const FIELD_MAX = 2000;
const BUTTON_LABEL_MAX = 75;
const BUTTON_URL_MAX = 3000;

/** Slack mrkdwn treats &, < and > as control characters; a database name must not become a link. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * @example
 * await post(webhookUrl, slackMessage(notification));
 */
export function slackMessage(
  notification: Notification,
  options: { mention?: 'here' | 'channel' } = {},
): SlackMessage {
  const headline = headlineOf(notification);
  // <!here> and <!channel> are Slack's special mentions; they page the people in the channel.
  const mention = options.mention ? `<!${options.mention}> ` : '';
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(headline, HEADER_MAX), emoji: true } },
    {
      type: 'section',
      text: { type: 'mrkdwn', text: clip(mention + escapeMrkdwn(notification.summary), SECTION_MAX) },
    },
    {
      type: 'section',
      fields: factsOf(notification)
        .slice(0, 10)
        .map(({ title, value }) => ({
          type: 'mrkdwn',
          text: clip(`*${title}*\n${escapeMrkdwn(value)}`, FIELD_MAX),
        })),
    },
  ];
  const action = actionOf(notification);
  if (action) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: clip(`*What to do next*\n${escapeMrkdwn(action)}`, SECTION_MAX) },
    });
  }
  const links = notification.links.filter((link) => link.url.length <= BUTTON_URL_MAX).slice(0, 5);
  if (links.length > 0) {
    blocks.push({
      type: 'actions',
      elements: links.map((link) => ({
        type: 'button',
        text: { type: 'plain_text', text: clip(link.label, BUTTON_LABEL_MAX) },
        url: link.url,
      })),
    });
  }
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: `Lifeboat · \`${notification.kind}\`` }],
  });
  return { text: clip(`${mention}${headline}: ${notification.summary}`, SECTION_MAX), blocks };
}
