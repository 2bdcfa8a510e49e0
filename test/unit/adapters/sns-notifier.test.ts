import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { SnsNotifier } from '../../../lib/adapters/aws/sns-notifier.js';
import { expectFileSnapshot } from '../../support/file-snapshot.js';

// The per-protocol bodies are SNS's MessageStructure "json"
// (docs.aws.amazon.com/sns/latest/api/API_Publish.html); moto delivers only `default` to SQS, so the
// other bodies are checked on the call itself.
const sns = mockClient(SNSClient);
afterEach(() => sns.reset());

describe('SnsNotifier', () => {
  it('sends Lifeboat JSON by default, the Chatbot format to HTTPS and plain text to e-mail', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const notifier = new SnsNotifier({
      topicArn: 'arn:aws:sns:us-east-1:111111111111:lifeboat',
      client: new SNSClient({ region: 'us-east-1' }),
    });

    await notifier.publish({
      version: 1,
      kind: 'rpo.breach',
      severity: 'critical',
      database: 'orders-db',
      summary: 'RPO of 360 min breached: newest snapshot is 412 min old.',
      links: [{ label: 'Open in the RDS console', url: 'https://console.aws.amazon.com/rds/home' }],
      at: '2026-11-24T09:00:00.000Z',
    });

    const input = sns.commandCalls(PublishCommand)[0]!.args[0].input;
    expect(input).toMatchObject({
      MessageStructure: 'json',
      MessageAttributes: {
        severity: { DataType: 'String', StringValue: 'critical' },
        kind: { DataType: 'String', StringValue: 'rpo.breach' },
      },
    });
    const bodies = JSON.parse(input.Message!) as Record<string, string>;
    expect(JSON.parse(bodies.default!)).toMatchObject({
      version: 1,
      kind: 'rpo.breach',
      database: 'orders-db',
    });
    await expectFileSnapshot(
      JSON.stringify(JSON.parse(bodies.https!), null, 2) + '\n',
      '../../fixtures/chat/chatbot-breach.json',
      import.meta.url,
    );
    expect(bodies.email).toContain('🚨 RPO breached: orders-db');
    expect(bodies.email).toContain('What to do next: ');
  });

  it('refuses an invalid notification before anything is published', async () => {
    const notifier = new SnsNotifier({
      topicArn: 'arn:aws:sns:us-east-1:111111111111:lifeboat',
      client: new SNSClient({}),
    });

    await expect(
      notifier.publish({
        version: 1,
        kind: 'rpo.breach',
        severity: 'loud' as 'critical',
        summary: 'x',
        at: 'now',
      }),
    ).rejects.toThrow(/severity/);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });
});
