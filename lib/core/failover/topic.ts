import { TAG } from '../tags.js';
import type { BucketTags } from './ports.js';

// arn:partition:sns:region:account:name (https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html:
// a name is 1 to 256 letters, digits, hyphens and underscores; `.fifo` ends a FIFO topic's).
const TOPIC_ARN = /^arn:[a-z-]+:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

/** The topic the failover's notification goes to, or the one line that says why there is none. */
export type SiteTopic =
  | { topicArn: string; from: 'given' | 'bucket' }
  | {
      topicArn?: never;
      /** Why there is none. */ reason: string;
      /** The line a failover prints. */ why: string;
    };

function none(reason: string): SiteTopic {
  return { reason, why: `No notification sent: ${reason}.` };
}

const PASS = "pass --topic-arn (the DR site's topic)";

/**
 * The DR site's topic: the one the operator gave, else the one its reports bucket is tagged with
 * (`lifeboat:topic-arn`, deploy/resources/core.yml), so an outage needs no ARN dug up. A bucket
 * without the tag, or whose tags cannot be read, leaves the failover without a notification and
 * says so; it never fails the failover itself.
 */
export async function findSiteTopic(input: {
  given?: string;
  bucket?: string;
  tags: BucketTags;
}): Promise<SiteTopic> {
  if (input.given) return { topicArn: input.given, from: 'given' };
  const { bucket } = input;
  if (!bucket) return none(PASS);
  let value: string | undefined;
  try {
    value = (await input.tags.tagsOf(bucket))[TAG.topicArn];
  } catch (error) {
    return none(`the tags of the DR site's bucket ${bucket} could not be read (${describe(error)}); ${PASS}`);
  }
  if (value === undefined || value === '') {
    return none(`the DR site's bucket ${bucket} names no topic (tag ${TAG.topicArn}); ${PASS}`);
  }
  if (!TOPIC_ARN.test(value)) {
    return none(
      `the DR site's bucket ${bucket} has tag ${TAG.topicArn} "${value}", which is not an SNS topic ARN; ${PASS}`,
    );
  }
  return { topicArn: value, from: 'bucket' };
}

function describe(error: unknown): string {
  const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message.split('\n')[0]!.trim() : '';
  const code = typeof name === 'string' && name !== 'Error' ? name : '';
  if (code && text && !text.startsWith(code)) return `${code}: ${text}`;
  return code || text || String(error);
}
