import { describe, expect, it } from 'vitest';
import { parseTopicMessage } from '../../../../lib/core/chat/alarm.js';
import {
  deliverNotification,
  type DeliveryClaim,
  type DeliveryLedger,
  type WebhookPoster,
} from '../../../../lib/core/chat/deliver.js';
import { slackDigest } from '../../../../lib/core/chat/digest.js';
import { actionOf, clip } from '../../../../lib/core/chat/present.js';
import { routeFor, validateChatConfig } from '../../../../lib/core/chat/routing.js';
import { escapeMrkdwn, slackMessage } from '../../../../lib/core/chat/slack.js';
import { teamsMessage } from '../../../../lib/core/chat/teams.js';
import { parseNotification, type NotificationInput } from '../../../../lib/core/notification/message.js';

const breach: NotificationInput = {
  version: 1,
  kind: 'rpo.breach',
  severity: 'critical',
  database: 'billing<prod>&co',
  summary: 'Newest snapshot is 412 min old; the RPO is 360 min.',
  at: '2026-11-24T09:00:00.000Z',
};

const config = validateChatConfig({
  channels: {
    alerts: { type: 'slack', webhook: 'secretsmanager:lifeboat/slack-alerts' },
    teams: { type: 'teams', webhook: 'ssm:/lifeboat/teams' },
  },
  routes: { critical: { channels: ['alerts', 'teams'], mention: 'channel' }, info: { channels: [] } },
});

describe('chat settings', () => {
  it('names a route that points at an undefined channel', () => {
    expect(() =>
      validateChatConfig({ channels: {}, routes: { critical: { channels: ['pager'] } } }, 'deploy/chat.yml'),
    ).toThrow(/routes\.critical\.channels\.0: names channel "pager"/);
  });

  it('refuses a webhook given as a plain URL instead of a secret name', () => {
    expect(() =>
      validateChatConfig({
        channels: { alerts: { type: 'slack', webhook: 'https://hooks.slack.com/services/T/B/x' } },
        routes: {},
      }),
    ).toThrow(/channels\.alerts\.webhook: must be "secretsmanager:/);
  });

  it('routes by severity, and a severity with no channels goes nowhere', () => {
    expect(routeFor(config, 'critical').channels.map((channel) => channel.name)).toEqual(['alerts', 'teams']);
    expect(routeFor(config, 'critical').mention).toBe('channel');
    expect(routeFor(config, 'warning').channels).toEqual([]);
  });
});

describe('Slack and Teams messages', () => {
  it('escapes Slack control characters so a name cannot become a link or a mention', () => {
    const message = slackMessage(parseNotification(breach));
    expect(JSON.stringify(message.blocks)).toContain('billing&lt;prod&gt;&amp;co');
    expect(escapeMrkdwn('<!channel>')).toBe('&lt;!channel&gt;');
  });

  it('gives a failure a next step even when the producer did not', () => {
    const notification = parseNotification(breach);
    expect(actionOf(notification)).toMatch(/snapshot/);
    expect(
      actionOf(parseNotification({ ...breach, kind: 'rpo.recovered', severity: 'info' })),
    ).toBeUndefined();
    const card = teamsMessage(notification).attachments[0]!.content;
    expect(card.body.map((block) => block.text)).toContain('What to do next');
    expect(card.body[0]).toMatchObject({ color: 'Attention' });
  });

  it('cuts a text before an emoji rather than through it', () => {
    expect(clip('a🚨b', 3)).toBe('a…');
    expect(clip('🚨🚨b', 4)).toBe('🚨…');
    expect(clip('abcd', 3)).toBe('ab…');
  });

  it('keeps a long summary within the Block Kit header and section limits', () => {
    const long = slackMessage(
      parseNotification({ ...breach, database: 'd'.repeat(300), summary: 's'.repeat(5000) }),
    );
    const header = long.blocks[0] as { text: { text: string } };
    expect(header.text.text.length).toBeLessThanOrEqual(150);
    const section = long.blocks[1] as { text: { text: string } };
    expect(section.text.text.length).toBeLessThanOrEqual(3000);
  });
});

describe('topic messages', () => {
  it('turns a CloudWatch alarm state change into an alarm notification with the region from its ARN', () => {
    const notification = parseTopicMessage(
      JSON.stringify({
        AlarmName: 'lifeboat-dev-notify-dlq-depth',
        NewStateValue: 'OK',
        NewStateReason: 'Threshold Crossed',
        StateChangeTime: '2026-11-24T09:15:00.000+0000',
        Region: 'EU (Ireland)',
        AlarmArn: 'arn:aws:cloudwatch:eu-west-1:111111111111:alarm:lifeboat-dev-notify-dlq-depth',
      }),
    );
    expect(notification).toMatchObject({
      kind: 'alarm.recovered',
      severity: 'info',
      region: 'eu-west-1',
      at: '2026-11-24T09:15:00.000Z',
    });
  });

  it('names the bad key of an invalid notification', () => {
    expect(() => parseTopicMessage(JSON.stringify({ ...breach, kind: 'rpo.late' }))).toThrow(/kind/);
    expect(() => parseTopicMessage('not json')).toThrow(/not JSON/);
  });
});

// The port's contract in its simplest form; the S3 ledger that keeps it across containers is tested
// against moto (test/integration/s3-delivery-ledger.test.ts, test/integration/notify.test.ts).
function ledgerOf(marks = new Map<string, 'claimed' | 'delivered'>()): DeliveryLedger {
  return {
    async claim(messageId, channel): Promise<DeliveryClaim> {
      const mark = marks.get(`${messageId}/${channel}`);
      if (mark === 'delivered') return { taken: false, why: 'delivered' };
      if (mark === 'claimed') return { taken: false, why: 'in-progress' };
      marks.set(`${messageId}/${channel}`, 'claimed');
      return { taken: true, token: 'claim' };
    },
    async delivered(messageId, channel) {
      marks.set(`${messageId}/${channel}`, 'delivered');
    },
    async release(messageId, channel) {
      marks.delete(`${messageId}/${channel}`);
    },
  };
}

describe('deliverNotification', () => {
  it('delivers to the healthy channel and fails naming the broken one, never its URL', async () => {
    const posted: string[] = [];
    const poster: WebhookPoster = {
      async post(url, _body, channel) {
        if (channel === 'teams')
          throw new Error(`channel teams: POST https://example.invalid/[redacted] failed`);
        posted.push(url);
      },
    };
    const urls = { webhookUrl: async (ref: string) => `https://example.invalid/${ref}` };

    const outcome = deliverNotification(parseNotification(breach), {
      config,
      urls,
      poster,
      ledger: ledgerOf(),
      messageId: 'm-1',
    });

    await expect(outcome).rejects.toMatchObject({ name: 'DeliveryFailedError' });
    await expect(outcome).rejects.toThrow(/rpo\.breach could not be delivered to teams/);
    expect(posted).toEqual(['https://example.invalid/secretsmanager:lifeboat/slack-alerts']);
  });

  it('fails, without posting, a channel another attempt holds a fresh claim on, so the message is kept', async () => {
    const posted: string[] = [];
    const poster: WebhookPoster = {
      async post(_url, _body, channel) {
        posted.push(channel);
      },
    };
    const urls = { webhookUrl: async (ref: string) => ref };
    const marks = new Map([['m-2/teams', 'claimed' as const]]);

    const outcome = deliverNotification(parseNotification(breach), {
      config,
      urls,
      poster,
      ledger: ledgerOf(marks),
      messageId: 'm-2',
    });

    await expect(outcome).rejects.toThrow(/delivered to teams: channel teams: another attempt is posting/);
    expect(posted).toEqual(['alerts']);
  });
});

describe('digests', () => {
  it('never lets a failure wait for a digest', () => {
    expect(() =>
      validateChatConfig({
        channels: { alerts: { type: 'slack', webhook: 'ssm:/lifeboat/alerts' } },
        routes: { critical: { channels: ['alerts'], digest: true } },
      }),
    ).toThrow(/routes\.critical\.digest: cannot be true/);
  });

  it("lists at most 45 entries within Slack's 50 blocks and counts the rest", () => {
    const many = Array.from({ length: 60 }, (_, index) =>
      parseNotification({
        ...breach,
        kind: 'snapshot.run',
        severity: 'info',
        at: new Date(Date.UTC(2026, 10, 24, 9, index)).toISOString(),
      }),
    );
    const digest = slackDigest(many.reverse());
    expect(digest.blocks.length).toBeLessThanOrEqual(50);
    expect(digest.text).toBe('🗂️ Lifeboat digest: 60 messages');
    expect(JSON.stringify(digest.blocks.at(-1))).toContain(
      '2026-11-24T09:00:00.000Z to 2026-11-24T09:59:00.000Z · 15 more not shown',
    );
  });
});
