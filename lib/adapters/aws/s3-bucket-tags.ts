import { GetBucketTaggingCommand, type S3Client } from '@aws-sdk/client-s3';
import type { BucketTags } from '../../core/failover/ports.js';
import type { Tags } from '../../core/tags.js';
import { tagsFrom } from './rds-snapshots.js';

/** A bucket's tags through GetBucketTagging (s3:GetBucketTagging on the bucket). */
export class S3BucketTags implements BucketTags {
  readonly #client: S3Client;

  constructor(options: { client: S3Client }) {
    this.#client = options.client;
  }

  async tagsOf(bucket: string): Promise<Tags> {
    try {
      const { TagSet } = await this.#client.send(new GetBucketTaggingCommand({ Bucket: bucket }));
      return tagsFrom(TagSet);
    } catch (error) {
      // A bucket with no tags answers the error NoSuchTagSet, not an empty set
      // (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketTagging.html).
      if ((error as { name?: unknown } | null)?.name === 'NoSuchTagSet') return {};
      throw error;
    }
  }
}
