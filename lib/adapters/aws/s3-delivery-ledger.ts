import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { DeliveryClaim, DeliveryLedger } from '../../core/chat/deliver.js';

export type S3DeliveryLedgerOptions = {
  bucket: string;
  /**
   * How long a claim holds before another attempt may take it over. At least the notify function's
   * timeout: a claim that old belongs to an invocation Lambda has already stopped.
   */
  leaseMs: number;
  now?: () => Date;
} & (
  | { client: S3Client; clientConfig?: never }
  | { client?: never; clientConfig?: ConstructorParameters<typeof S3Client>[0] }
);

interface Mark {
  state: 'claimed' | 'delivered' | 'released';
  at: string;
}

// A conditional write that lost: 412 when the condition is false, 409 when another conditional
// write to the same key is in flight (AWS only; moto serialises requests)
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html
function lostTheRace(error: unknown): 'precondition' | 'conflict' | undefined {
  const name = (error as { name?: unknown } | null)?.name;
  const status = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  if (name === 'PreconditionFailed' || status === 412) return 'precondition';
  if (name === 'ConditionalRequestConflict' || status === 409) return 'conflict';
  return undefined;
}

function isMissing(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'NoSuchKey' || name === 'NotFound';
}

/**
 * The delivery ledger as one small object per (SNS message, channel) in the notify deliveries
 * bucket, written with S3 conditional writes: `If-None-Match: *` takes a fresh claim, `If-Match`
 * with the ETag read takes over a stale or released one, so of two containers retrying the same
 * message only one posts. The bucket's lifecycle rule removes the marks after the dead-letter
 * queue's retention.
 */
export class S3DeliveryLedger implements DeliveryLedger {
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #leaseMs: number;
  readonly #now: () => Date;

  constructor(options: S3DeliveryLedgerOptions) {
    this.#client = options.client ?? new S3Client(options.clientConfig ?? {});
    this.#bucket = options.bucket;
    this.#leaseMs = options.leaseMs;
    this.#now = options.now ?? (() => new Date());
  }

  async claim(messageId: string, channel: string): Promise<DeliveryClaim> {
    const key = keyOf(messageId, channel);
    const fresh = await this.#write(key, 'claimed', { IfNoneMatch: '*' });
    if (fresh.written) return { taken: true, token: fresh.etag };
    // Another attempt is writing this very mark now.
    if (fresh.lost === 'conflict') return { taken: false, why: 'in-progress' };
    const current = await this.#read(key);
    if (!current) return { taken: false, why: 'in-progress' };
    if (current.mark.state === 'delivered') return { taken: false, why: 'delivered' };
    const age = this.#now().getTime() - Date.parse(current.mark.at);
    if (current.mark.state === 'claimed' && !(age >= this.#leaseMs)) {
      return { taken: false, why: 'in-progress' };
    }
    const retaken = await this.#write(key, 'claimed', { IfMatch: current.etag });
    return retaken.written ? { taken: true, token: retaken.etag } : { taken: false, why: 'in-progress' };
  }

  async delivered(messageId: string, channel: string): Promise<void> {
    // Unconditional: the post happened, whoever holds the claim now.
    await this.#write(keyOf(messageId, channel), 'delivered', {});
  }

  async release(messageId: string, channel: string, claim: DeliveryClaim & { taken: true }): Promise<void> {
    // Only our own claim: never turn another attempt's delivered mark back into a free one.
    await this.#write(keyOf(messageId, channel), 'released', { IfMatch: claim.token });
  }

  /** The new object's ETag, or how the conditional write lost. */
  async #write(
    key: string,
    state: Mark['state'],
    condition: { IfNoneMatch?: string; IfMatch?: string },
  ): Promise<{ written: true; etag: string } | { written: false; lost: 'precondition' | 'conflict' }> {
    const mark: Mark = { state, at: this.#now().toISOString() };
    try {
      const { ETag } = await this.#client.send(
        new PutObjectCommand({
          Bucket: this.#bucket,
          Key: key,
          Body: JSON.stringify(mark),
          ContentType: 'application/json',
          ...condition,
        }),
      );
      return { written: true, etag: ETag ?? '' };
    } catch (error) {
      const lost = lostTheRace(error);
      if (lost) return { written: false, lost };
      throw error;
    }
  }

  async #read(key: string): Promise<{ mark: Mark; etag: string } | undefined> {
    try {
      const answer = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key }));
      const mark = JSON.parse((await answer.Body?.transformToString('utf8')) ?? '{}') as Mark;
      return { mark, etag: answer.ETag ?? '' };
    } catch (error) {
      // Expired between the write and the read: treated as in progress, the next retry claims it.
      if (isMissing(error)) return undefined;
      throw error;
    }
  }
}

/** SNS MessageIds are UUIDs and channel names lower-case words (routing.ts): both safe in a key. */
function keyOf(messageId: string, channel: string): string {
  return `deliveries/${encodeURIComponent(messageId)}/${channel}.json`;
}
