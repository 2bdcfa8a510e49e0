import { ConfigError } from './errors.js';

/**
 * The file's text, refusing bytes that are not UTF-8: decoding them leniently turns them into
 * U+FFFD, which would end up in a tag value or a policy name without anyone having written it.
 */
export function decodeUtf8(bytes: Uint8Array, origin: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    const at = firstInvalidUtf8(bytes);
    throw new ConfigError(
      `${origin}: not UTF-8 text${at === undefined ? '' : ` (invalid byte 0x${bytes[at]!.toString(16).padStart(2, '0')} at offset ${at})`}; save it as UTF-8`,
      { cause: error },
    );
  }
}

/**
 * Where the first malformed sequence starts (a bad lead byte, or one whose continuation bytes are
 * missing), for the message; TextDecoder says only that there is one.
 */
function firstInvalidUtf8(bytes: Uint8Array): number | undefined {
  let at = 0;
  while (at < bytes.length) {
    const lead = bytes[at]!;
    const length = lead < 0x80 ? 1 : lead >> 5 === 6 ? 2 : lead >> 4 === 14 ? 3 : lead >> 3 === 30 ? 4 : 0;
    if (length === 0) return at;
    for (let next = 1; next < length; next++) {
      if (at + next >= bytes.length || (bytes[at + next]! & 0xc0) !== 0x80) return at;
    }
    at += length;
  }
  // Well-formed sequences that still are not UTF-8 (overlong forms, surrogates): no offset.
  return undefined;
}
