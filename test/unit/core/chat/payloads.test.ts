import { describe, expect, it } from 'vitest';
import { parseTopicMessage } from '../../../../lib/core/chat/alarm.js';
import { slackDigest, teamsDigest } from '../../../../lib/core/chat/digest.js';
import { slackMessage } from '../../../../lib/core/chat/slack.js';
import { teamsMessage } from '../../../../lib/core/chat/teams.js';
import {
  parseNotification,
  type Notification,
  type NotificationInput,
} from '../../../../lib/core/notification/message.js';
import { adaptiveCardProblems } from '../../../support/adaptive-card.js';
import { blockKitProblems } from '../../../support/block-kit.js';

const failure: NotificationInput = {
  version: 1,
  kind: 'restore-verify.failed',
  severity: 'critical',
  database: 'orders-db',
  policy: 'gold',
  account: '111111111111',
  region: 'us-east-1',
  summary: 'Table public.orders has 1,204 rows in the restore and 1,310 in the baseline.',
  links: [
    { label: 'Report', url: 'https://s3.console.aws.amazon.com/s3/object/lifeboat-reports?prefix=r.json' },
    { label: 'Execution', url: 'https://us-east-1.console.aws.amazon.com/states/home#/v2/executions/x' },
  ],
  at: '2026-11-24T09:00:00.000Z',
};
const success: NotificationInput = {
  ...failure,
  kind: 'restore-verify.passed',
  severity: 'info',
  summary: 'Restored in 14 min; 42 tables match the baseline.',
};
const alarm = (state: 'ALARM' | 'OK') =>
  parseTopicMessage(
    JSON.stringify({
      AlarmName: 'lifeboat-dev-snapshot-errors',
      AlarmDescription: 'The snapshot function failed.',
      AWSAccountId: '111111111111',
      NewStateValue: state,
      NewStateReason:
        'Threshold Crossed: 1 datapoint [1.0] was greater than or equal to the threshold (1.0).',
      StateChangeTime: '2026-11-24T09:15:00.000+0000',
      AlarmArn: 'arn:aws:cloudwatch:us-east-1:111111111111:alarm:lifeboat-dev-snapshot-errors',
    }),
  );

// The largest message the presenters can be handed: every text far past any chat limit, in
// multi-byte characters (Teams limits bytes, Slack characters), and more links than are shown.
const long = (unit: string, count: number) => unit.repeat(count);
const worst: NotificationInput = {
  version: 1,
  kind: 'copy.failed',
  severity: 'critical',
  database: long('db-é', 100),
  policy: long('pölicy', 200),
  account: long('1', 500),
  region: long('ü', 500),
  summary: long('Snapshot 🚨 <copy> & “retry” ', 2000),
  action: long('Ask the DR account’s owner to share the key ', 2000),
  links: Array.from({ length: 20 }, (_, index) => ({
    label: long(`Lïnk ${index} `, 40),
    url: `https://example.com/${index}?q=${long('ä', index === 0 ? 4000 : 2900)}`,
  })),
  details: {},
  at: '2026-11-24T09:00:00.000Z',
};

const many = (count: number, base: NotificationInput): Notification[] =>
  Array.from({ length: count }, (_, index) =>
    parseNotification({ ...base, at: new Date(Date.UTC(2026, 10, 24, 9, 0, index)).toISOString() }),
  );

const singles: Array<[string, Notification]> = [
  ['a failure', parseNotification(failure)],
  ['a success', parseNotification(success)],
  ['an alarm', alarm('ALARM')],
  ['an alarm back to OK', alarm('OK')],
  ['the longest notification', parseNotification(worst)],
];
const digests: Array<[string, Notification[]]> = [
  ['a digest of three', many(3, success)],
  ['a digest of 200 of the longest', many(200, { ...worst, severity: 'info', kind: 'copy.done' })],
];

describe('chat payloads within what Slack and Teams accept', () => {
  it.each(singles)('%s is a valid Block Kit message', (_, notification) => {
    expect(blockKitProblems(slackMessage(notification, { mention: 'channel' }))).toEqual([]);
    expect(blockKitProblems(slackMessage(notification))).toEqual([]);
  });

  it.each(singles)('%s is a valid Adaptive Card 1.4 message', (_, notification) => {
    expect(adaptiveCardProblems(teamsMessage(notification))).toEqual([]);
  });

  it.each(digests)('%s is a valid Block Kit message and Adaptive Card', (_, notifications) => {
    expect(blockKitProblems(slackDigest(notifications))).toEqual([]);
    expect(adaptiveCardProblems(teamsDigest(notifications))).toEqual([]);
  });
});

describe('a Teams card cut to fit', () => {
  it('keeps the start of every text, the headline first, and as many links as fit', () => {
    const card = teamsMessage(parseNotification(worst)).attachments[0]!.content;
    const texts = card.body.map((element) => String(element.text ?? ''));
    expect(texts[0]).toMatch(/^🚨 DR copy failed: db-é/);
    expect(texts[1]).toMatch(/^Snapshot 🚨 <copy> & “retry” .*…$/);
    expect(texts).toContain('What to do next');
    expect(card.actions.length).toBeGreaterThan(0);
    expect(card.actions.length).toBeLessThanOrEqual(5);
  });
});

describe('the payload validators', () => {
  const valid = slackMessage(parseNotification(failure));
  const card = teamsMessage(parseNotification(failure));
  const withCard = (change: (content: Record<string, unknown>) => void) => {
    const copy = structuredClone(card) as unknown as {
      attachments: Array<{ content: Record<string, unknown> }>;
    };
    change(copy.attachments[0]!.content);
    return copy;
  };

  it('refuse what Slack refuses', () => {
    const header = { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } };
    expect(blockKitProblems({ ...valid, blocks: Array(51).fill(valid.blocks[1]) })).toEqual([
      'blocks: Too big: expected array to have <=50 items',
    ]);
    expect(blockKitProblems({ ...valid, blocks: [header] })).toEqual([
      'blocks.0.text.text: longer than 150 characters',
    ]);
    expect(blockKitProblems({ ...valid, blocks: [{ type: 'section' }] })).toEqual([
      'blocks.0: a section needs text or fields',
    ]);
    expect(blockKitProblems({ blocks: valid.blocks })[0]).toMatch(/^text: /);
  });

  it('refuse what the Adaptive Card schema or Teams refuses', () => {
    expect(adaptiveCardProblems(card)).toEqual([]);
    // `style` on a TextBlock arrived in 1.5: a 1.4 card may not carry it.
    expect(
      adaptiveCardProblems(
        withCard((c) => ((c.body as object[])[0] = { type: 'TextBlock', text: 'x', style: 'heading' })),
      ),
    ).toEqual(['card.body.0: Unrecognized key: "style"']);
    expect(
      adaptiveCardProblems(
        withCard((c) => ((c.body as object[])[0] = { type: 'TextBlock', color: 'red', text: 'x' })),
      ),
    ).toHaveLength(1);
    expect(
      adaptiveCardProblems(withCard((c) => ((c.body as object[])[2] = { type: 'FactSet' }))),
    ).toHaveLength(1);
    expect(adaptiveCardProblems(withCard((c) => (c.version = '1.5')))).toEqual([
      'card.version: no schema for Adaptive Card version 1.5',
    ]);
    expect(
      adaptiveCardProblems(
        withCard((c) => ((c.body as object[])[1] = { type: 'TextBlock', text: 'x'.repeat(30_000) })),
      ),
    ).toEqual([expect.stringMatching(/^message: \d+ bytes, over Teams' 28672$/)]);
  });
});
