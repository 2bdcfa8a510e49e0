import { GetObjectCommand, PutObjectCommand, S3Client, paginateListObjectsV2 } from '@aws-sdk/client-s3';
import type { ReportStore } from '../../core/ports.js';

export type S3ReportStoreOptions = { bucket: string } & (
  | { client: S3Client; clientConfig?: never }
  | { client?: never; clientConfig?: ConstructorParameters<typeof S3Client>[0] }
);

function isMissing(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'NoSuchKey' || name === 'NotFound';
}

/**
 * Restore-verify reports and fingerprints as JSON objects in the reports bucket
 * (`reports/<source>/<runId>.json`). Keys embed a sortable time, so S3's lexical listing order is
 * oldest first.
 */
export class S3ReportStore implements ReportStore {
  readonly bucket: string;
  readonly #client: S3Client;

  constructor(options: S3ReportStoreOptions) {
    this.bucket = options.bucket;
    this.#client = options.client ?? new S3Client(options.clientConfig ?? {});
  }

  async put(key: string, body: unknown): Promise<void> {
    await this.#client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: JSON.stringify(body, null, 2),
        ContentType: 'application/json',
      }),
    );
  }

  async get(key: string): Promise<unknown | undefined> {
    try {
      const answer = await this.#client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const text = await answer.Body?.transformToString('utf8');
      return text === undefined ? undefined : (JSON.parse(text) as unknown);
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const page of paginateListObjectsV2(
      { client: this.#client },
      { Bucket: this.bucket, Prefix: prefix },
    )) {
      for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
    }
    return keys.sort();
  }
}
