import { describe, expect, it } from 'vitest';
import type { BucketTags } from '../../../lib/core/failover/ports.js';
import { findSiteTopic } from '../../../lib/core/failover/topic.js';
import { TAG, type Tags } from '../../../lib/core/tags.js';
import { s3ErrorResponse } from '../../support/sdk-errors.js';

const BUCKET = 'lifeboat-prod-reports-222222222222-eu-west-1';
const TOPIC = 'arn:aws:sns:eu-west-1:222222222222:lifeboat-prod-LifeboatTopic-1A2B3C4D5E6F';

/** Buckets and their tags, as GetBucketTagging answers; a bucket read counts as one lookup. */
function buckets(tagged: Record<string, Tags | Error>): BucketTags & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    async tagsOf(bucket) {
      reads.push(bucket);
      const tags = tagged[bucket];
      if (tags instanceof Error) throw tags;
      if (!tags) throw new Error(`no bucket ${bucket}`);
      return tags;
    },
  };
}

describe('findSiteTopic', () => {
  it("takes the topic its DR site's bucket is tagged with when none is given", async () => {
    const tags = buckets({ [BUCKET]: { [TAG.topicArn]: TOPIC, team: 'dba' } });

    expect(await findSiteTopic({ bucket: BUCKET, tags })).toEqual({ topicArn: TOPIC, from: 'bucket' });
    expect(tags.reads).toEqual([BUCKET]);
  });

  it('takes a given topic over the tag, without reading the bucket', async () => {
    const tags = buckets({ [BUCKET]: { [TAG.topicArn]: TOPIC } });
    const given = 'arn:aws:sns:eu-west-1:222222222222:on-call';

    expect(await findSiteTopic({ given, bucket: BUCKET, tags })).toEqual({ topicArn: given, from: 'given' });
    expect(tags.reads).toEqual([]);
  });

  it('says in one line that a bucket without the tag names no topic', async () => {
    const found = await findSiteTopic({ bucket: BUCKET, tags: buckets({ [BUCKET]: { team: 'dba' } }) });

    expect(found).toEqual({
      reason: `the DR site's bucket ${BUCKET} names no topic (tag lifeboat:topic-arn); pass --topic-arn (the DR site's topic)`,
      why: `No notification sent: the DR site's bucket ${BUCKET} names no topic (tag lifeboat:topic-arn); pass --topic-arn (the DR site's topic).`,
    });
  });

  it('says what S3 answered when the tags cannot be read (a refusal of the operator)', async () => {
    const refused = await s3ErrorResponse({ code: 'AccessDenied', message: 'Access Denied', status: 403 });

    const found = await findSiteTopic({ bucket: BUCKET, tags: buckets({ [BUCKET]: refused }) });

    expect(found.topicArn).toBeUndefined();
    expect('why' in found && found.why).toBe(
      `No notification sent: the tags of the DR site's bucket ${BUCKET} could not be read (AccessDenied: Access Denied); pass --topic-arn (the DR site's topic).`,
    );
  });

  it.each(['', 'lifeboat-topic', 'arn:aws:sqs:eu-west-1:222222222222:lifeboat', `${TOPIC} `])(
    'does not publish to a tag value that is not an SNS topic ARN: %j',
    async (value) => {
      const found = await findSiteTopic({
        bucket: BUCKET,
        tags: buckets({ [BUCKET]: { [TAG.topicArn]: value } }),
      });

      expect(found.topicArn).toBeUndefined();
      expect('why' in found && found.why).toMatch(
        value === ''
          ? /names no topic \(tag lifeboat:topic-arn\)/
          : /is not an SNS topic ARN; pass --topic-arn/,
      );
    },
  );

  it('accepts a FIFO topic and another partition', async () => {
    for (const arn of [`${TOPIC}.fifo`, 'arn:aws-us-gov:sns:us-gov-west-1:222222222222:lifeboat']) {
      expect(
        await findSiteTopic({ bucket: BUCKET, tags: buckets({ [BUCKET]: { [TAG.topicArn]: arn } }) }),
      ).toEqual({
        topicArn: arn,
        from: 'bucket',
      });
    }
  });

  it('asks for --topic-arn when there is no bucket to read either', async () => {
    const tags = buckets({});

    expect(await findSiteTopic({ tags })).toEqual({
      reason: "pass --topic-arn (the DR site's topic)",
      why: "No notification sent: pass --topic-arn (the DR site's topic).",
    });
    expect(tags.reads).toEqual([]);
  });
});
