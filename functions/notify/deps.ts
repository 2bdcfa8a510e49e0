import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { Logger } from '@aws-lambda-powertools/logger';
import { S3DeliveryLedger } from '../../lib/adapters/aws/s3-delivery-ledger.js';
import { SqsDigestQueue } from '../../lib/adapters/aws/sqs-digest-queue.js';
import { WebhookSecrets } from '../../lib/adapters/aws/webhook-secrets.js';
import { WebhookClient } from '../../lib/adapters/chat/webhook.js';
import { requireEnv } from '../../lib/config/env.js';
import { validateChatConfig } from '../../lib/core/chat/routing.js';
import { ConfigError } from '../../lib/core/errors.js';

/** What notify and the digest run share: the chat settings, the webhook secrets, the poster. */
export const logger = new Logger({ serviceName: 'lifeboat-notify' });

function chatConfigFromEnv() {
  let value: unknown;
  try {
    value = JSON.parse(requireEnv('LIFEBOAT_CHAT'));
  } catch (error) {
    if (error instanceof SyntaxError) throw new ConfigError('LIFEBOAT_CHAT is not valid JSON');
    throw error;
  }
  return validateChatConfig(value, 'LIFEBOAT_CHAT');
}

function numberFromEnv(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new ConfigError(`${name} must be a whole number`);
  return value;
}

export const config = chatConfigFromEnv();
export const urls = new WebhookSecrets({
  secretsManager: new SecretsManagerClient({}),
  ssm: new SSMClient({}),
  ttlMs: numberFromEnv('LIFEBOAT_WEBHOOK_CACHE_MS', 5 * 60_000),
});
export const poster = new WebhookClient({
  timeoutMs: numberFromEnv('LIFEBOAT_WEBHOOK_TIMEOUT_MS', 5000),
  attempts: numberFromEnv('LIFEBOAT_WEBHOOK_ATTEMPTS', 3),
  backoffMs: numberFromEnv('LIFEBOAT_WEBHOOK_BACKOFF_MS', 1000),
  logger,
});
const digestQueueUrl = process.env.LIFEBOAT_DIGEST_QUEUE_URL;
export const digest = digestQueueUrl
  ? new SqsDigestQueue({ client: new SQSClient({}), queueUrl: digestQueueUrl })
  : undefined;
const deliveryBucket = process.env.LIFEBOAT_DELIVERY_BUCKET;
/** notify only (the digest run keeps its own record: the queue). */
export const ledger = deliveryBucket
  ? new S3DeliveryLedger({
      client: new S3Client({}),
      bucket: deliveryBucket,
      // The notify function's timeout (deploy/functions/ops.yml): Lambda has stopped an invocation
      // whose claim is older.
      leaseMs: numberFromEnv('LIFEBOAT_DELIVERY_LEASE_MS', 60_000),
    })
  : undefined;
