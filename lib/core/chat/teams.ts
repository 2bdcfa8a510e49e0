import type { Notification, Severity } from '../notification/message.js';
import { actionOf, factsOf, headlineOf } from './present.js';

/**
 * The body a Microsoft Teams Workflows webhook ("Post to a channel when a webhook request is
 * received") expects: a message whose one attachment is an Adaptive Card. Version 1.4 is the
 * newest Teams renders on every client.
 */
export interface TeamsMessage {
  type: 'message';
  attachments: Array<{
    contentType: 'application/vnd.microsoft.card.adaptive';
    contentUrl: null;
    content: AdaptiveCard;
  }>;
}

export interface AdaptiveCard {
  $schema: string;
  type: 'AdaptiveCard';
  version: '1.4';
  msteams: { width: 'Full' };
  body: Array<Record<string, unknown>>;
  actions: Array<{ type: 'Action.OpenUrl'; title: string; url: string }>;
}

const COLOR: Record<Severity, 'Good' | 'Warning' | 'Attention'> = {
  info: 'Good',
  warning: 'Warning',
  critical: 'Attention',
};

/**
 * @example
 * await post(workflowUrl, teamsMessage(notification));
 */
export function teamsMessage(notification: Notification): TeamsMessage {
  const body: Array<Record<string, unknown>> = [
    {
      type: 'TextBlock',
      text: headlineOf(notification),
      size: 'Large',
      weight: 'Bolder',
      color: COLOR[notification.severity],
      wrap: true,
    },
    { type: 'TextBlock', text: notification.summary, wrap: true },
    { type: 'FactSet', facts: factsOf(notification) },
  ];
  const action = actionOf(notification);
  if (action) {
    body.push(
      { type: 'TextBlock', text: 'What to do next', weight: 'Bolder', spacing: 'Medium', wrap: true },
      { type: 'TextBlock', text: action, wrap: true },
    );
  }
  body.push({
    type: 'TextBlock',
    text: `Lifeboat · ${notification.kind}`,
    isSubtle: true,
    size: 'Small',
    wrap: true,
  });
  return teamsCard(
    body,
    notification.links
      .slice(0, 5)
      .map((link) => ({ type: 'Action.OpenUrl', title: link.label, url: link.url })),
  );
}

/** A Workflows webhook message holding one full-width Adaptive Card. */
export function teamsCard(body: AdaptiveCard['body'], actions: AdaptiveCard['actions'] = []): TeamsMessage {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          msteams: { width: 'Full' },
          body,
          actions,
        },
      },
    ],
  };
}
