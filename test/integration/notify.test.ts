import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SNSEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type * as NotifyModule from '../../functions/notify/handler.js';
import type { NotificationInput } from '../../lib/core/notification/message.js';
import { invokeAsynchronously, type InvocationRecord } from '../support/async-lambda.js';
import { motoClientConfig, startMoto, type Moto } from '../support/moto.js';
import { loadTemplate } from '../support/template.js';
import { adaptiveCardProblems } from '../support/adaptive-card.js';
import { blockKitProblems } from '../support/block-kit.js';
import { expectFileSnapshot } from '../support/file-snapshot.js';

// Stand-ins for Slack and Teams: a real HTTP server on loopback that records every request and
// answers each path from a script ('ok', an HTTP status, or 'hang' to never answer).
type Answer = 'ok' | 'hang' | number;
interface Received {
  path: string;
  body: unknown;
}

let server: Server;
let base: string;
let moto: Moto;
const received: Received[] = [];
const scripts = new Map<string, Answer[]>();
const hanging = new Set<ServerResponse>();

// The secret parts of each webhook URL; none may ever appear in a log line.
const SECRETS = {
  alertsSlack: 'T0ALERTS/B0ALERTS/alertsSlackSecret111',
  alertsTeams: 'alertsTeamsSig222',
  quietSlack: 'T0QUIET/B0QUIET/quietSlackSecret333',
  quietTeams: 'quietTeamsSig444',
};
const PATHS = {
  alertsSlack: `/services/${SECRETS.alertsSlack}`,
  alertsTeams: `/workflows/alerts/triggers/manual/paths/invoke?api-version=2016-06-01&sig=${SECRETS.alertsTeams}`,
  quietSlack: `/services/${SECRETS.quietSlack}`,
  quietTeams: `/workflows/quiet/triggers/manual/paths/invoke?api-version=2016-06-01&sig=${SECRETS.quietTeams}`,
};

function answer(request: IncomingMessage, response: ServerResponse) {
  let text = '';
  request.on('data', (chunk: Buffer) => (text += chunk.toString()));
  request.on('end', () => {
    const path = request.url ?? '';
    received.push({ path, body: JSON.parse(text) });
    const next = scripts.get(path)?.shift() ?? 'ok';
    if (next === 'hang') {
      hanging.add(response);
      return;
    }
    response.statusCode = next === 'ok' ? 200 : next;
    response.end(next === 'ok' ? 'ok' : 'internal_error');
  });
}

let logs: string[] = [];
function captureLogs() {
  logs = [];
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    vi.spyOn(stream, 'write').mockImplementation(((chunk: string | Uint8Array, ...rest: never[]) => {
      logs.push(chunk.toString());
      return write(chunk, ...rest);
    }) as typeof stream.write);
  }
}

const context = {
  functionName: 'lifeboat-dev-notify',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:111111111111:function:lifeboat-dev-notify',
  memoryLimitInMB: '256',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  logGroupName: '/aws/lambda/lifeboat-dev-notify',
  logStreamName: '2026/11/24/[$LATEST]abcdef',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

let messages = 0;
function snsEvent(
  message: unknown,
  id = `b5a4c3d2-0000-4000-8000-${String(++messages).padStart(12, '0')}`,
): SNSEvent {
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: 'arn:aws:sns:us-east-1:111111111111:lifeboat-dev-LifeboatTopic:sub',
        Sns: {
          Type: 'Notification',
          MessageId: id,
          TopicArn: 'arn:aws:sns:us-east-1:111111111111:lifeboat-dev-LifeboatTopic',
          Subject: 'Lifeboat',
          Message: typeof message === 'string' ? message : JSON.stringify(message),
          Timestamp: '2026-11-24T09:00:00.000Z',
          SignatureVersion: '1',
          Signature: 'EXAMPLE',
          SigningCertUrl: 'https://sns.us-east-1.amazonaws.com/cert.pem',
          UnsubscribeUrl: 'https://sns.us-east-1.amazonaws.com/unsubscribe',
          MessageAttributes: {},
        },
      },
    ],
  };
}

const failure: NotificationInput = {
  version: 1,
  kind: 'restore-verify.failed',
  severity: 'critical',
  database: 'orders-db',
  policy: 'gold',
  account: '111111111111',
  region: 'us-east-1',
  summary:
    'Table public.orders has 1,204 rows in the restore and 1,310 in the baseline (8.1% fewer, tolerance 5%).',
  action:
    'Open the report to see the differing key ranges; do not rely on snapshot lifeboat-orders-db-20261124t0600 until a later one verifies.',
  links: [
    {
      label: 'Report',
      url: 'https://s3.console.aws.amazon.com/s3/object/lifeboat-reports?region=us-east-1&prefix=reports/orders-db/2026-11-24T09:00:00Z.json',
    },
    {
      label: 'Execution',
      url: 'https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/v2/executions/details/arn:aws:states:us-east-1:111111111111:execution:restore-verify:orders-db-1',
    },
  ],
  details: { reportKey: 'reports/orders-db/2026-11-24T09:00:00Z.json' },
  at: '2026-11-24T09:00:00.000Z',
};

const success: NotificationInput = {
  version: 1,
  kind: 'restore-verify.passed',
  severity: 'info',
  database: 'orders-db',
  policy: 'gold',
  account: '111111111111',
  region: 'us-east-1',
  summary:
    'Snapshot lifeboat-orders-db-20261124t0600 restored in 14 min (RTO target 120 min); 42 tables match the baseline.',
  links: [
    {
      label: 'Report',
      url: 'https://s3.console.aws.amazon.com/s3/object/lifeboat-reports?region=us-east-1&prefix=reports/orders-db/2026-11-24T09:00:00Z.json',
    },
  ],
  details: { reportKey: 'reports/orders-db/2026-11-24T09:00:00Z.json', rtoMinutes: 14 },
  at: '2026-11-24T09:00:00.000Z',
};

let notify: typeof NotifyModule;
let sqs: SQSClient;

/**
 * The handler as another Lambda container loads it: a fresh module graph, so nothing the first
 * instance kept in memory (webhook cache, clients, anything else) carries over; only AWS does.
 */
async function anotherContainer(): Promise<typeof NotifyModule> {
  vi.resetModules();
  return import('../../functions/notify/handler.js');
}

beforeAll(async () => {
  server = createServer(answer);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  moto = await startMoto();

  const config = motoClientConfig(moto);
  const secretsManager = new SecretsManagerClient(config);
  const ssm = new SSMClient(config);
  sqs = new SQSClient(config);
  await new S3Client(config).send(new CreateBucketCommand({ Bucket: 'lifeboat-notify-deliveries' }));
  // Both stores and both value shapes a team may choose: a plain URL and JSON with a `url` key.
  await secretsManager.send(
    new CreateSecretCommand({ Name: 'lifeboat/slack-alerts', SecretString: `${base}${PATHS.alertsSlack}` }),
  );
  await secretsManager.send(
    new CreateSecretCommand({
      Name: 'lifeboat/teams-alerts',
      SecretString: JSON.stringify({ url: `${base}${PATHS.alertsTeams}` }),
    }),
  );
  await ssm.send(
    new PutParameterCommand({
      Name: '/lifeboat/slack-quiet',
      Type: 'SecureString',
      Value: `${base}${PATHS.quietSlack}`,
    }),
  );
  await ssm.send(
    new PutParameterCommand({
      Name: '/lifeboat/teams-quiet',
      Type: 'SecureString',
      Value: `${base}${PATHS.quietTeams}`,
    }),
  );

  process.env.AWS_ENDPOINT_URL = moto.endpoint;
  process.env.AWS_REGION = 'us-east-1';
  process.env.LIFEBOAT_WEBHOOK_TIMEOUT_MS = '250';
  process.env.LIFEBOAT_WEBHOOK_ATTEMPTS = '3';
  process.env.LIFEBOAT_WEBHOOK_BACKOFF_MS = '5';
  process.env.LIFEBOAT_DELIVERY_BUCKET = 'lifeboat-notify-deliveries';
  process.env.LIFEBOAT_CHAT = JSON.stringify({
    channels: {
      'alerts-slack': { type: 'slack', webhook: 'secretsmanager:lifeboat/slack-alerts' },
      'alerts-teams': { type: 'teams', webhook: 'secretsmanager:lifeboat/teams-alerts' },
      'quiet-slack': { type: 'slack', webhook: 'ssm:/lifeboat/slack-quiet' },
      'quiet-teams': { type: 'teams', webhook: 'ssm:/lifeboat/teams-quiet' },
    },
    routes: {
      critical: { channels: ['alerts-slack', 'alerts-teams'], mention: 'here' },
      warning: { channels: ['alerts-slack', 'alerts-teams'] },
      info: { channels: ['quiet-slack', 'quiet-teams'] },
    },
  });
  notify = await import('../../functions/notify/handler.js');
});

afterAll(async () => {
  delete process.env.AWS_ENDPOINT_URL;
  delete process.env.LIFEBOAT_DELIVERY_BUCKET;
  for (const response of hanging) response.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await moto.stop();
});

beforeEach(() => {
  received.length = 0;
  scripts.clear();
  captureLogs();
});

afterEach(() => {
  vi.restoreAllMocks();
  // Every body posted, whatever the test, is one Slack or Teams accepts.
  for (const { path, body } of received) {
    const problems = path.startsWith('/services/') ? blockKitProblems(body) : adaptiveCardProblems(body);
    expect(problems, `body posted to ${path}`).toEqual([]);
  }
  // Whatever happened in the test, no log line carries a webhook secret.
  for (const secret of Object.values(SECRETS)) {
    expect(logs.filter((line) => line.includes(secret))).toEqual([]);
  }
});

const bodyAt = (path: string) => received.find((request) => request.path === path)?.body;

describe('notify', () => {
  it('posts a failure to the alert channels as a Block Kit message and an Adaptive Card', async () => {
    await expect(notify.handler(snsEvent(failure), context)).resolves.toEqual({
      delivered: [['alerts-slack', 'alerts-teams']],
    });

    expect(received.map((request) => request.path).sort()).toEqual(
      [PATHS.alertsSlack, PATHS.alertsTeams].sort(),
    );
    const slack = bodyAt(PATHS.alertsSlack) as { text: string; blocks: Array<{ type: string }> };
    expect(slack.text.startsWith('<!here> 🚨 Restore verification failed: orders-db')).toBe(true);
    await expectFileSnapshot(
      JSON.stringify(slack, null, 2) + '\n',
      '../fixtures/chat/slack-failure.json',
      import.meta.url,
    );
    await expectFileSnapshot(
      JSON.stringify(bodyAt(PATHS.alertsTeams), null, 2) + '\n',
      '../fixtures/chat/teams-failure.json',
      import.meta.url,
    );
  });

  it('posts a success to the quieter channels only, without a mention', async () => {
    await notify.handler(snsEvent(success), context);

    expect(received.map((request) => request.path).sort()).toEqual(
      [PATHS.quietSlack, PATHS.quietTeams].sort(),
    );
    const slack = bodyAt(PATHS.quietSlack) as { text: string };
    expect(slack.text).not.toContain('<!here>');
    await expectFileSnapshot(
      JSON.stringify(slack, null, 2) + '\n',
      '../fixtures/chat/slack-success.json',
      import.meta.url,
    );
    await expectFileSnapshot(
      JSON.stringify(bodyAt(PATHS.quietTeams), null, 2) + '\n',
      '../fixtures/chat/teams-success.json',
      import.meta.url,
    );
  });

  it('retries a webhook that answers 500 and delivers on the next attempt', async () => {
    scripts.set(PATHS.alertsSlack, [500, 500]);

    await notify.handler(snsEvent(failure), context);

    expect(received.filter((request) => request.path === PATHS.alertsSlack)).toHaveLength(3);
    expect(received.filter((request) => request.path === PATHS.alertsTeams)).toHaveLength(1);
    const warnings = logs.filter((line) => line.includes('chat webhook attempt failed'));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain(`${base}/[redacted]`);
  });

  it('retries a webhook that does not answer within the timeout', async () => {
    scripts.set(PATHS.quietTeams, ['hang']);

    await notify.handler(snsEvent(success), context);

    expect(received.filter((request) => request.path === PATHS.quietTeams)).toHaveLength(2);
    expect(logs.join('')).toContain('no answer within 250 ms');
  });

  it('does not retry a webhook that refuses the message with a 4xx', async () => {
    scripts.set(PATHS.quietSlack, [404]);

    await expect(notify.handler(snsEvent(success), context)).rejects.toMatchObject({
      name: 'DeliveryFailedError',
    });
    expect(received.filter((request) => request.path === PATHS.quietSlack)).toHaveLength(1);
  });

  it("on Lambda's retry in another container, posts only to the channel that failed", async () => {
    scripts.set(PATHS.alertsTeams, [500, 500, 500]);
    const event = snsEvent(failure);

    await expect(notify.handler(event, context)).rejects.toMatchObject({ name: 'DeliveryFailedError' });
    const retry = await anotherContainer();
    await expect(retry.handler(event, context)).resolves.toEqual({
      delivered: [['alerts-slack', 'alerts-teams']],
    });

    expect(received.filter((request) => request.path === PATHS.alertsSlack)).toHaveLength(1);
    expect(received.filter((request) => request.path === PATHS.alertsTeams)).toHaveLength(4);
  });

  it('posts nothing when SNS delivers a message again to another container', async () => {
    // SNS delivers at least once: the same MessageId may reach notify twice.
    const event = snsEvent(success);
    await notify.handler(event, context);

    const again = await anotherContainer();
    await expect(again.handler(event, context)).resolves.toEqual({
      delivered: [['quiet-slack', 'quiet-teams']],
    });

    expect(received.filter((request) => request.path === PATHS.quietSlack)).toHaveLength(1);
    expect(received.filter((request) => request.path === PATHS.quietTeams)).toHaveLength(1);
  });

  it('translates a CloudWatch alarm on the topic into an alert', async () => {
    const alarm = {
      AlarmName: 'lifeboat-dev-snapshot-errors',
      AlarmDescription: 'The snapshot function failed.',
      AWSAccountId: '111111111111',
      NewStateValue: 'ALARM',
      NewStateReason:
        'Threshold Crossed: 1 datapoint [1.0] was greater than or equal to the threshold (1.0).',
      StateChangeTime: '2026-11-24T09:15:00.000+0000',
      Region: 'US East (N. Virginia)',
      AlarmArn: 'arn:aws:cloudwatch:us-east-1:111111111111:alarm:lifeboat-dev-snapshot-errors',
      OldStateValue: 'OK',
    };

    await notify.handler(snsEvent(alarm), context);

    const slack = bodyAt(PATHS.alertsSlack) as { text: string };
    expect(slack.text).toContain('Lifeboat alarm');
    expect(slack.text).toContain('lifeboat-dev-snapshot-errors: The snapshot function failed.');
  });

  it('keeps an undeliverable message in the dead-letter queue, and a replay from it posts only where it is missing', async () => {
    // Every attempt of every invocation fails: the alert channel is down; Teams takes it at once.
    scripts.set(PATHS.alertsSlack, Array(9).fill(503));
    const event = snsEvent(failure, 'b5a4c3d2-0000-4000-8000-00000000dead');

    const { attempts, destinationUrl } = await invokeAsynchronously(loadTemplate(), 'NotifyLambdaFunction', {
      load: async () => (await anotherContainer()).handler,
      event,
      context,
      sqs,
    });

    expect(attempts).toBe(3);
    expect(destinationUrl).toMatch(/NotifyDeadLetterQueue$/);
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: destinationUrl, MaxNumberOfMessages: 10 }),
    );
    expect(Messages).toHaveLength(1);
    const record = JSON.parse(Messages[0]!.Body!) as InvocationRecord<SNSEvent>;
    expect(JSON.parse(record.requestPayload.Records[0]!.Sns.Message)).toMatchObject({
      kind: 'restore-verify.failed',
      database: 'orders-db',
    });
    expect(record.responsePayload.errorType).toBe('DeliveryFailedError');
    expect(record.responsePayload.errorMessage).toContain('alerts-slack');
    expect(record.responsePayload.errorMessage).toContain('HTTP 503');
    expect(record.responsePayload.errorMessage).not.toContain('alerts-teams');
    for (const secret of Object.values(SECRETS)) expect(Messages[0]!.Body).not.toContain(secret);
    expect(received.filter((request) => request.path === PATHS.alertsSlack)).toHaveLength(9);
    expect(received.filter((request) => request.path === PATHS.alertsTeams)).toHaveLength(1);
    expect(logs.some((line) => line.includes('DeliveryFailedError'))).toBe(true);

    // docs/notifications.md: fix the webhook, then invoke notify with the record's requestPayload.
    received.length = 0;
    const replay = await anotherContainer();
    await expect(replay.handler(record.requestPayload, context)).resolves.toEqual({
      delivered: [['alerts-slack', 'alerts-teams']],
    });
    expect(received.map((request) => request.path)).toEqual([PATHS.alertsSlack]);
  });

  it('refuses a message that is not a Lifeboat notification, naming the bad key', async () => {
    await expect(notify.handler(snsEvent({ ...failure, severity: 'loud' }), context)).rejects.toThrow(
      /severity/,
    );
    expect(received).toEqual([]);
  });
});
