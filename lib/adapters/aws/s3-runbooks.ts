import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { GuardRefusedError } from '../../core/errors.js';
import type { RunbookShelf } from '../../core/ports.js';

/** The folder of the reports bucket the scheduled runbooks live in; the function may write nowhere else. */
export const RUNBOOKS_PREFIX = 'runbooks/';

// A runbook's name is a database identifier and an extension: no slash can lead out of the folder.
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*\.(md|json)$/;

const CONTENT_TYPES = { md: 'text/markdown; charset=utf-8', json: 'application/json' } as const;

/** The runbooks as objects `runbooks/<name>` of the reports bucket (encrypted and versioned there). */
export class S3RunbookShelf implements RunbookShelf {
  readonly bucket: string;
  readonly #client: S3Client;

  constructor(options: { bucket: string; client: S3Client }) {
    this.bucket = options.bucket;
    this.#client = options.client;
  }

  async put(name: string, content: string): Promise<string> {
    const match = NAME.exec(name);
    if (!match) throw new GuardRefusedError(`runbook name "${name}" is not <database>.md or <database>.json`);
    const key = `${RUNBOOKS_PREFIX}${name}`;
    await this.#client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: content,
        ContentType: CONTENT_TYPES[match[1] as keyof typeof CONTENT_TYPES],
      }),
    );
    return key;
  }
}
