import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { SNSEvent } from 'aws-lambda';
import { parseTopicMessage } from '../../lib/core/chat/alarm.js';
import { deliverNotification, type DeliveryLedger } from '../../lib/core/chat/deliver.js';
import { ConfigError, InvalidInputError } from '../../lib/core/errors.js';
import * as z from '../../lib/core/validation.js';
import { config, digest, ledger, logger, poster, urls } from './deps.js';

const SnsEventSchema = z.object({
  Records: z
    .array(z.object({ Sns: z.object({ MessageId: z.string(), Message: z.string() }) }))
    .check(z.minLength(1, { error: 'an SNS event has at least one record' })),
});

/**
 * Posts each topic message to the chat channels its severity routes to. Any failure is thrown:
 * SNS invokes this function asynchronously, so Lambda retries it twice and then hands the event to
 * the notify dead-letter queue (deploy/functions/ops.yml), whose depth raises an alarm.
 */
export async function deliver(event: SNSEvent): Promise<{ delivered: string[][] }> {
  const parsed = SnsEventSchema.safeParse(event);
  if (!parsed.success) throw new InvalidInputError('notify expects an SNS event');
  if (!ledger)
    throw new ConfigError('LIFEBOAT_DELIVERY_BUCKET is not set; it is set by serverless.yml at deploy');
  const delivered: string[][] = [];
  for (const record of parsed.data.Records) {
    logger.appendKeys({ messageId: record.Sns.MessageId });
    try {
      delivered.push(await deliverMessage(record.Sns.Message, record.Sns.MessageId, ledger));
    } catch (error) {
      logger.error('notification not delivered; failing the invocation so Lambda retries, then keeps it', {
        error: error as Error,
      });
      throw error;
    }
  }
  return { delivered };
}

async function deliverMessage(message: string, messageId: string, ledger: DeliveryLedger): Promise<string[]> {
  const notification = parseTopicMessage(message);
  logger.appendKeys({ kind: notification.kind });
  const result = await deliverNotification(notification, {
    config,
    urls,
    poster,
    ...(digest ? { digest } : {}),
    ledger,
    messageId,
  });
  logger.info(result.digested ? 'notification kept for the digest' : 'notification delivered', {
    severity: notification.severity,
    database: notification.database,
    channels: result.delivered,
  });
  return result.delivered;
}

export const handler = middy(deliver).use(injectLambdaContext(logger, { resetKeys: true }));
