import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { postDigest } from '../../lib/core/chat/digest.js';
import { ConfigError } from '../../lib/core/errors.js';
import { config, digest, logger, poster, urls } from './deps.js';

/**
 * On `digestSchedule` (deploy/chat.yml): posts the messages of digest severities, one message per
 * channel. A channel that fails keeps its messages queued and fails the run (its alarm fires).
 */
export async function digestRun(): Promise<{ posted: Record<string, number> }> {
  if (!digest)
    throw new ConfigError('LIFEBOAT_DIGEST_QUEUE_URL is not set; it is set by serverless.yml at deploy');
  const result = await postDigest({ config, queue: digest, urls, poster });
  logger.info('digest posted', { posted: result.posted });
  return result;
}

export const handler = middy(digestRun).use(injectLambdaContext(logger, { resetKeys: true }));
