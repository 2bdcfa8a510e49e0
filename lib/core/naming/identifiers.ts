import { createHash } from 'node:crypto';

/**
 * RDS snapshot identifiers: letters, digits and hyphens, a letter first, no `--`, no trailing
 * hyphen, stored lower-case. Instance snapshots allow 255 characters but cluster snapshots only 63
 * (CreateDBClusterSnapshot, DBClusterSnapshotIdentifier), so every id Lifeboat makes fits 63 and
 * an instance snapshot and its copies follow one scheme.
 */
export const MAX_SNAPSHOT_ID_LENGTH = 63;

const VALID = /^[a-z](?:-?[a-z0-9])*$/;

export function isValidSnapshotId(id: string): boolean {
  return id.length >= 1 && id.length <= MAX_SNAPSHOT_ID_LENGTH && VALID.test(id);
}

/** 8 hex characters of SHA-256: enough to keep ids apart that shortening or cleaning made alike. */
function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

/** Lower-cases, turns anything else into single hyphens, and trims hyphens at both ends. */
function clean(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * One identifier from parts, each cleaned and joined by hyphens. When a part had to change (other
 * than case: RDS ids are case-insensitive) or the whole is too long, the head is shortened and a
 * hash of the exact parts appended, so that distinct inputs keep distinct ids. `keep` is the
 * number of trailing parts (a timestamp, a target) kept whole when shortening.
 */
export function joinIdentifier(parts: readonly string[], keep = 0): string {
  const cleaned = parts.map(clean);
  const changed = parts.some((part, i) => part.toLowerCase() !== cleaned[i]);
  const plain = cleaned.filter((p) => p !== '').join('-');
  if (!changed && plain.length <= MAX_SNAPSHOT_ID_LENGTH && VALID.test(plain)) return plain;

  const hash = shortHash(JSON.stringify(parts.map((p) => p.toLowerCase())));
  const tail = [hash, ...cleaned.slice(cleaned.length - keep).filter((p) => p !== '')].join('-');
  let head = cleaned
    .slice(0, cleaned.length - keep)
    .filter((p) => p !== '')
    .join('-');
  // The hash or the head may start with a digit: RDS wants a letter first.
  if (!/^[a-z]/.test(head)) head = head === '' ? 'l' : `l${head}`;
  const room = MAX_SNAPSHOT_ID_LENGTH - tail.length - 1;
  const shortened = head.slice(0, room).replace(/-+$/, '');
  return `${shortened}-${tail}`;
}
