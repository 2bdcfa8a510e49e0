import type { Notification, Severity } from '../notification/message.js';
import { actionOf, clip, factsOf, headlineOf } from './present.js';

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

// Teams refuses a message over about 28 KB with HTTP 413, for incoming webhooks and for the
// Workflows connector alike, and that failure is final: the notification is lost
// (learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook,
// learn.microsoft.com/en-us/connectors/teams/#known-issues-and-limitations-with-actions).
// A kilobyte is kept spare for what the Workflows flow adds.
export const TEAMS_MESSAGE_MAX_BYTES = 27 * 1024;
// No text is cut below this; past it, links go from the end.
const SHORTEST_CUT = 40;

/** A Workflows webhook message holding one full-width Adaptive Card, cut to fit Teams' size limit. */
export function teamsCard(body: AdaptiveCard['body'], actions: AdaptiveCard['actions'] = []): TeamsMessage {
  const message: TeamsMessage = {
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
          body: structuredClone(body),
          actions: [...actions],
        },
      },
    ],
  };
  fitToTeams(message);
  return message;
}

/**
 * Halves the longest text of the card until the message fits, then drops links from the end: the
 * headline and the start of every text survive, which is what a person reads first.
 */
function fitToTeams(message: TeamsMessage): void {
  const card = message.attachments[0]!.content;
  const bytesOf = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).length;
  let bytes = bytesOf(message);
  const texts = textsOf(card.body);
  while (bytes > TEAMS_MESSAGE_MAX_BYTES) {
    const longest = texts.reduce<(typeof texts)[number] | undefined>(
      (found, text) => (!found || text.value().length > found.value().length ? text : found),
      undefined,
    );
    const length = longest?.value().length ?? 0;
    if (longest && length > SHORTEST_CUT) {
      // At most half of it at a time, so long texts are shortened alike; no more than the excess.
      const excess = bytes - TEAMS_MESSAGE_MAX_BYTES;
      const before = bytesOf(longest.value());
      longest.set(clip(longest.value(), Math.max(SHORTEST_CUT, Math.floor(length / 2), length - excess - 1)));
      bytes -= before - bytesOf(longest.value());
    } else if (card.actions.length > 0) {
      card.actions.pop();
      bytes = bytesOf(message);
    } else {
      return;
    }
  }
}

function textsOf(body: AdaptiveCard['body']): Array<{ value(): string; set(text: string): void }> {
  return body.flatMap((element) => {
    if (element.type === 'TextBlock' && typeof element.text === 'string') {
      return [{ value: () => element.text as string, set: (text: string) => (element.text = text) }];
    }
    if (element.type === 'FactSet' && Array.isArray(element.facts)) {
      return (element.facts as Array<{ title: string; value: string }>).map((fact) => ({
        value: () => fact.value,
        set: (text: string) => (fact.value = text),
      }));
    }
    return [];
  });
}
