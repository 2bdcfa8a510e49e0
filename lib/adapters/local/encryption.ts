import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { NotFoundError } from '../../core/errors.js';

/**
 * At-rest encryption of the local engine's snapshot files, standing in for KMS: AES-256-GCM with a
 * 32-byte key kept in a key file (mode 0600) next to the snapshots of the "account" that owns it.
 * File layout: 12-byte IV | ciphertext | 16-byte GCM tag, so a flipped bit anywhere fails decryption
 * instead of restoring altered rows.
 */
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

export async function createKeyFile(path: string): Promise<void> {
  // Only the key folder is private: its parents hold snapshot folders the server must reach.
  await mkdir(dirname(dirname(path)), { recursive: true });
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, randomBytes(KEY_BYTES), { mode: 0o600, flag: 'wx' });
}

export async function readKeyFile(path: string): Promise<Buffer> {
  let key: Buffer;
  try {
    key = await readFile(path);
  } catch (error) {
    throw new NotFoundError(`encryption key file ${path} not found`, { cause: error });
  }
  if (key.length !== KEY_BYTES) throw new NotFoundError(`encryption key file ${path} is not a 256-bit key`);
  return key;
}

export async function encryptFile(key: Buffer, from: string, to: string): Promise<void> {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const out = createWriteStream(to, { mode: 0o600 });
  out.write(iv);
  await pipeline(createReadStream(from), cipher, out, { end: false });
  await new Promise<void>((resolve, reject) =>
    out.end(cipher.getAuthTag(), (error?: Error | null) => (error ? reject(error) : resolve())),
  );
}

export async function decryptFile(key: Buffer, from: string, to: string, mode = 0o600): Promise<void> {
  const { size } = await stat(from);
  if (size < IV_BYTES + TAG_BYTES) throw new Error(`${from} is too short to be an encrypted snapshot file`);
  const header = Buffer.alloc(IV_BYTES);
  const tag = Buffer.alloc(TAG_BYTES);
  const handle = await open(from, 'r');
  try {
    await handle.read(header, 0, IV_BYTES, 0);
    await handle.read(tag, 0, TAG_BYTES, size - TAG_BYTES);
  } finally {
    await handle.close();
  }
  const decipher = createDecipheriv('aes-256-gcm', key, header);
  decipher.setAuthTag(tag);
  const ciphertext = createReadStream(from, { start: IV_BYTES, end: size - TAG_BYTES - 1 });
  await pipeline(ciphertext, decipher, createWriteStream(to, { mode }));
}
