import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SNSEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type * as DigestModule from '../../functions/notify/digest.js';
import type * as NotifyModule from '../../functions/notify/handler.js';
import type { NotificationInput } from '../../lib/core/notification/message.js';
import { lambdaContext } from '../support/lambda-context.js';
import { motoClientConfig, startMoto, type Moto } from '../support/moto.js';
import { adaptiveCardProblems } from '../support/adaptive-card.js';
import { blockKitProblems } from '../support/block-kit.js';
import { expectFileSnapshot } from '../support/file-snapshot.js';

// Successes digested, failures posted at once: a real HTTP server stands in for both webhooks.
let server: Server;
let base: string;
let moto: Moto;
let sqs: SQSClient;
let queueUrl: string;
const received: Array<{ path: string; body: unknown }> = [];
const failing = new Set<string>();
let notify: typeof NotifyModule;
let digest: typeof DigestModule;

const success = (database: string, minute: number): NotificationInput => ({
  version: 1,
  kind: 'restore-verify.passed',
  severity: 'info',
  database,
  policy: 'gold',
  summary: `Restored and verified in ${10 + minute} min; every table matches the baseline.`,
  links: [{ label: 'Report', url: `https://example.com/reports/${database}.json` }],
  at: `2026-11-24T09:${String(minute).padStart(2, '0')}:00.000Z`,
});

const event = (message: NotificationInput): SNSEvent =>
  ({
    Records: [{ Sns: { MessageId: `m-${message.database}`, Message: JSON.stringify(message) } }],
  }) as SNSEvent;

async function queueDepth(): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes!.ApproximateNumberOfMessages) +
    Number(Attributes!.ApproximateNumberOfMessagesNotVisible)
  );
}

beforeAll(async () => {
  server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      received.push({ path: request.url ?? '', body: JSON.parse(text) });
      response.statusCode = failing.has(request.url ?? '') ? 500 : 200;
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  moto = await startMoto();
  const secrets = new SecretsManagerClient(motoClientConfig(moto));
  await secrets.send(
    new CreateSecretCommand({ Name: 'lifeboat/slack', SecretString: `${base}/slack/T0/B0/s3cr3t` }),
  );
  await secrets.send(
    new CreateSecretCommand({ Name: 'lifeboat/teams', SecretString: `${base}/teams?sig=s3cr3t` }),
  );
  sqs = new SQSClient(motoClientConfig(moto));
  // A visibility timeout of 0 lets the second digest run see what the first could not post.
  queueUrl = (
    await sqs.send(
      new CreateQueueCommand({ QueueName: 'lifeboat-digest', Attributes: { VisibilityTimeout: '0' } }),
    )
  ).QueueUrl!;

  process.env.AWS_ENDPOINT_URL = moto.endpoint;
  process.env.AWS_REGION = 'us-east-1';
  process.env.LIFEBOAT_WEBHOOK_ATTEMPTS = '1';
  process.env.LIFEBOAT_DIGEST_QUEUE_URL = queueUrl;
  await new S3Client(motoClientConfig(moto)).send(new CreateBucketCommand({ Bucket: 'lifeboat-deliveries' }));
  process.env.LIFEBOAT_DELIVERY_BUCKET = 'lifeboat-deliveries';
  process.env.LIFEBOAT_CHAT = JSON.stringify({
    channels: {
      slack: { type: 'slack', webhook: 'secretsmanager:lifeboat/slack' },
      teams: { type: 'teams', webhook: 'secretsmanager:lifeboat/teams' },
    },
    routes: { critical: { channels: ['slack'] }, info: { channels: ['slack', 'teams'], digest: true } },
  });
  notify = await import('../../functions/notify/handler.js');
  digest = await import('../../functions/notify/digest.js');
});

afterAll(async () => {
  delete process.env.AWS_ENDPOINT_URL;
  delete process.env.LIFEBOAT_DIGEST_QUEUE_URL;
  delete process.env.LIFEBOAT_DELIVERY_BUCKET;
  await new Promise((resolve) => server.close(resolve));
  await moto.stop();
});

// Every digest and message posted is one Slack or Teams accepts.
afterEach(() => {
  for (const { path, body } of received) {
    const problems = path.startsWith('/slack') ? blockKitProblems(body) : adaptiveCardProblems(body);
    expect(problems, `body posted to ${path}`).toEqual([]);
  }
});

describe('digest of successes', () => {
  it('keeps successes for the digest, then posts one message per channel with all of them', async () => {
    for (const [index, database] of ['orders-db', 'billing-db', 'users-db'].entries()) {
      await notify.handler(event(success(database, index)), lambdaContext('lifeboat-dev-notify'));
    }
    expect(received).toEqual([]);
    expect(await queueDepth()).toBe(6);

    await expect(digest.handler({}, lambdaContext('lifeboat-dev-digest'))).resolves.toEqual({
      posted: { slack: 3, teams: 3 },
    });

    expect(received.map((request) => request.path).sort()).toEqual([
      '/slack/T0/B0/s3cr3t',
      '/teams?sig=s3cr3t',
    ]);
    const slack = received.find((request) => request.path.startsWith('/slack'))!.body;
    const teams = received.find((request) => request.path.startsWith('/teams'))!.body;
    await expectFileSnapshot(
      JSON.stringify(slack, null, 2) + '\n',
      '../fixtures/chat/slack-digest.json',
      import.meta.url,
    );
    await expectFileSnapshot(
      JSON.stringify(teams, null, 2) + '\n',
      '../fixtures/chat/teams-digest.json',
      import.meta.url,
    );
    expect(await queueDepth()).toBe(0);
  });

  it('retries only the channel that failed, on the next run', async () => {
    received.length = 0;
    failing.add('/teams?sig=s3cr3t');
    await notify.handler(event(success('orders-db', 30)), lambdaContext('lifeboat-dev-notify'));

    await expect(digest.handler({}, lambdaContext('lifeboat-dev-digest'))).rejects.toMatchObject({
      name: 'DeliveryFailedError',
    });
    expect(await queueDepth()).toBe(1);

    failing.clear();
    received.length = 0;
    await expect(digest.handler({}, lambdaContext('lifeboat-dev-digest'))).resolves.toEqual({
      posted: { teams: 1 },
    });
    expect(received.map((request) => request.path)).toEqual(['/teams?sig=s3cr3t']);
  });

  it('still posts a failure at once', async () => {
    received.length = 0;
    await notify.handler(
      event({ ...success('orders-db', 40), kind: 'restore-verify.failed', severity: 'critical' }),
      lambdaContext('lifeboat-dev-notify'),
    );
    expect(received.map((request) => request.path)).toEqual(['/slack/T0/B0/s3cr3t']);
  });
});
