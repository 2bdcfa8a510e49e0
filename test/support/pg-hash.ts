/**
 * PostgreSQL's hashtextextended(text, 0) under a deterministic collation, written again in
 * TypeScript from src/common/hashfn.c (hash_bytes_extended: Bob Jenkins' lookup3, little-endian
 * reads, seed 0), so tests can check the text row hash against an implementation of their own.
 * Returns the int8 the server returns, as a signed bigint.
 */
export function hashTextExtended(text: string | Uint8Array): bigint {
  const k = typeof text === 'string' ? new TextEncoder().encode(text) : text;
  const rot = (x: number, n: number) => ((x << n) | (x >>> (32 - n))) >>> 0;
  let a = (0x9e3779b9 + k.length + 3923095) >>> 0;
  let b = a;
  let c = a;
  const mix = () => {
    a = (a - c) >>> 0;
    a = (a ^ rot(c, 4)) >>> 0;
    c = (c + b) >>> 0;
    b = (b - a) >>> 0;
    b = (b ^ rot(a, 6)) >>> 0;
    a = (a + c) >>> 0;
    c = (c - b) >>> 0;
    c = (c ^ rot(b, 8)) >>> 0;
    b = (b + a) >>> 0;
    a = (a - c) >>> 0;
    a = (a ^ rot(c, 16)) >>> 0;
    c = (c + b) >>> 0;
    b = (b - a) >>> 0;
    b = (b ^ rot(a, 19)) >>> 0;
    a = (a + c) >>> 0;
    c = (c - b) >>> 0;
    c = (c ^ rot(b, 4)) >>> 0;
    b = (b + a) >>> 0;
  };
  const final = () => {
    c = (c ^ b) >>> 0;
    c = (c - rot(b, 14)) >>> 0;
    a = (a ^ c) >>> 0;
    a = (a - rot(c, 11)) >>> 0;
    b = (b ^ a) >>> 0;
    b = (b - rot(a, 25)) >>> 0;
    c = (c ^ b) >>> 0;
    c = (c - rot(b, 16)) >>> 0;
    a = (a ^ c) >>> 0;
    a = (a - rot(c, 4)) >>> 0;
    b = (b ^ a) >>> 0;
    b = (b - rot(a, 14)) >>> 0;
    c = (c ^ b) >>> 0;
    c = (c - rot(b, 24)) >>> 0;
  };
  /** Little-endian word of up to 4 bytes from `at`, stopping at `end`. */
  const word = (at: number, end: number) => {
    let value = 0;
    for (let i = Math.min(end, at + 4) - 1; i >= at; i--) value = (value << 8) | k[i]!;
    return value >>> 0;
  };
  let at = 0;
  let length = k.length;
  while (length >= 12) {
    a = (a + word(at, at + 4)) >>> 0;
    b = (b + word(at + 4, at + 8)) >>> 0;
    c = (c + word(at + 8, at + 12)) >>> 0;
    mix();
    at += 12;
    length -= 12;
  }
  const end = at + length;
  // The last 11 bytes: the lowest byte of c is left out (lookup3 reserves it for the length).
  if (length > 8) c = (c + ((word(at + 8, end) << 8) >>> 0)) >>> 0;
  if (length > 4) b = (b + word(at + 4, Math.min(end, at + 8))) >>> 0;
  if (length > 0) a = (a + word(at, Math.min(end, at + 4))) >>> 0;
  final();
  return BigInt.asIntN(64, (BigInt(b) << 32n) | BigInt(c));
}
