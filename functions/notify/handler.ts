import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { SNSEvent } from 'aws-lambda';
import { z } from 'zod';
import { WebhookClient } from '../../lib/adapters/chat/webhook.js';
import { WebhookSecrets } from '../../lib/adapters/aws/webhook-secrets.js';
import { parseTopicMessage } from '../../lib/core/chat/alarm.js';
import { deliverNotification } from '../../lib/core/chat/deliver.js';
import { validateChatConfig } from '../../lib/core/chat/routing.js';
import { ConfigError, InvalidInputError } from '../../lib/core/errors.js';
import { requireEnv } from '../../lib/config/env.js';

const logger = new Logger({ serviceName: 'lifeboat-notify' });

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

const config = chatConfigFromEnv();
const urls = new WebhookSecrets({
  secretsManager: new SecretsManagerClient({}),
  ssm: new SSMClient({}),
  ttlMs: numberFromEnv('LIFEBOAT_WEBHOOK_CACHE_MS', 5 * 60_000),
});
const poster = new WebhookClient({
  timeoutMs: numberFromEnv('LIFEBOAT_WEBHOOK_TIMEOUT_MS', 5000),
  attempts: numberFromEnv('LIFEBOAT_WEBHOOK_ATTEMPTS', 3),
  backoffMs: numberFromEnv('LIFEBOAT_WEBHOOK_BACKOFF_MS', 1000),
  logger,
});

const SnsEventSchema = z.object({
  Records: z
    .array(z.object({ Sns: z.object({ MessageId: z.string(), Message: z.string() }) }))
    .min(1, { error: 'an SNS event has at least one record' }),
});

/**
 * Posts each topic message to the chat channels its severity routes to. Any failure is thrown:
 * SNS invokes this function asynchronously, so Lambda retries it twice and then hands the event to
 * the notify dead-letter queue (deploy/functions/ops.yml), whose depth raises an alarm.
 */
export async function deliver(event: SNSEvent): Promise<{ delivered: string[][] }> {
  const parsed = SnsEventSchema.safeParse(event);
  if (!parsed.success) throw new InvalidInputError('notify expects an SNS event');
  const delivered: string[][] = [];
  for (const record of parsed.data.Records) {
    logger.appendKeys({ messageId: record.Sns.MessageId });
    try {
      delivered.push(await deliverMessage(record.Sns.Message));
    } catch (error) {
      logger.error('notification not delivered; failing the invocation so Lambda retries, then keeps it', {
        error: error as Error,
      });
      throw error;
    }
  }
  return { delivered };
}

async function deliverMessage(message: string): Promise<string[]> {
  const notification = parseTopicMessage(message);
  logger.appendKeys({ kind: notification.kind });
  const result = await deliverNotification(notification, { config, urls, poster });
  logger.info('notification delivered', {
    severity: notification.severity,
    database: notification.database,
    channels: result.delivered,
  });
  return result.delivered;
}

export const handler = middy(deliver).use(injectLambdaContext(logger, { resetKeys: true }));
