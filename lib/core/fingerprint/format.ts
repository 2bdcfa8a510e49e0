import type { DatabaseEngine, DatabaseFingerprint, RowHashMethod } from './types.js';

/**
 * The fingerprint format of each engine and row-hash method: what a stored checksum, column
 * signature and table key mean, so that a baseline stored by one version of Lifeboat is only ever
 * held to an exact match with fingerprints computed the same way.
 *
 * Bump rule: any change to a method's canonical text (a field's encoding, a session setting, a
 * NULL marker, a separator), its row hash, or how row hashes combine into a checksum bumps that
 * method's number; a change to what every method shares (the sum modulo 2^64, the checksum's hex
 * form, the column signature, the table key format) bumps every number to one more than the highest,
 * so that equal numbers of two methods still mean equal keys and column signatures. The golden
 * fingerprints in test/fixtures/golden/ pin each number: a test fails when a change alters them.
 */
export const FINGERPRINT_FORMATS = {
  postgres: { typed: 2, text: 1 },
  mysql: { text: 1 },
} as const satisfies Record<DatabaseEngine, Partial<Record<RowHashMethod, number>>>;

/**
 * The format of a fingerprint stored without one: everything written before the format was
 * recorded was written in format 1, whatever the current number is.
 */
export const UNRECORDED_FORMAT = 1;

/** The format number fingerprints of this engine and method are computed in. */
export function currentFormat(engine: DatabaseEngine, method: RowHashMethod): number {
  const formats: Partial<Record<RowHashMethod, number>> = FINGERPRINT_FORMATS[engine];
  const format = formats[method];
  if (format === undefined) throw new RangeError(`${engine} fingerprints have no ${method} row hash`);
  return format;
}

/** The format a fingerprint was written in (format 1 when it does not say). */
export function formatOf(fingerprint: Pick<DatabaseFingerprint, 'format'>): number {
  return fingerprint.format ?? UNRECORDED_FORMAT;
}

/** How an operator reads a fingerprint's format: `postgres typed format 1`. */
export function describeFormat(
  fingerprint: Pick<DatabaseFingerprint, 'engine' | 'rowHash' | 'format'>,
): string {
  const method = fingerprint.rowHash === undefined ? '' : ` ${fingerprint.rowHash}`;
  return `${fingerprint.engine}${method} format ${formatOf(fingerprint)}`;
}
