import type { Notification } from '../notification/message.js';
import { actionOf, factsOf, headlineOf } from './present.js';

/**
 * A notification in the custom-notification format of AWS Chatbot (Amazon Q Developer in chat
 * applications), docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html: Chatbot shows
 * only messages in this shape (and AWS's own, such as CloudWatch alarms) and drops the rest. The
 * SNS notifier sends it to HTTPS subscribers, which is how Chatbot subscribes to a topic.
 */
export interface ChatbotMessage {
  version: '1.0';
  source: 'custom';
  id?: string;
  content: {
    textType: 'client-markdown';
    title: string;
    description: string;
    nextSteps?: string[];
    keywords?: string[];
  };
  metadata: {
    summary: string;
    eventType: string;
    additionalContext: Record<string, string>;
  };
}

export function chatbotMessage(notification: Notification, id?: string): ChatbotMessage {
  const facts = factsOf(notification).map(({ title, value }) => `*${title}*: ${value}`);
  const action = actionOf(notification);
  const links = notification.links.map((link) => `<${link.url}|${link.label}>`);
  const nextSteps = [...(action ? [action] : []), ...links];
  return {
    version: '1.0',
    source: 'custom',
    ...(id ? { id } : {}),
    content: {
      textType: 'client-markdown',
      title: headlineOf(notification),
      description: [notification.summary, '', ...facts].join('\n'),
      ...(nextSteps.length > 0 ? { nextSteps } : {}),
      keywords: [
        notification.kind,
        notification.severity,
        ...(notification.database ? [notification.database] : []),
      ],
    },
    metadata: {
      summary: headlineOf(notification),
      eventType: notification.kind,
      additionalContext: {
        severity: notification.severity,
        ...(notification.database ? { database: notification.database } : {}),
        ...(notification.policy ? { policy: notification.policy } : {}),
      },
    },
  };
}

/** The same message as plain text, for e-mail subscribers (an on-call address, a pager bridge). */
export function plainTextMessage(notification: Notification): string {
  const action = actionOf(notification);
  return [
    headlineOf(notification),
    '',
    notification.summary,
    '',
    ...factsOf(notification).map(({ title, value }) => `${title}: ${value}`),
    ...(action ? ['', `What to do next: ${action}`] : []),
    ...(notification.links.length > 0
      ? ['', ...notification.links.map((link) => `${link.label}: ${link.url}`)]
      : []),
  ].join('\n');
}
