/** Checksums are sums modulo 2^64 of a 64-bit hash per row, so row order and splitting do not matter. */
const MODULUS = 1n << 64n;

/**
 * Reduces a sum of signed or unsigned 64-bit hashes (as the decimal text SQL returns, or a bigint)
 * to its residue modulo 2^64, as 16 hex digits. A signed hash and its unsigned reading are the
 * same residue, so PostgreSQL's int8 hashes and MySQL's unsigned ones need no conversion.
 */
export function checksumFromSum(sum: string | bigint | number | null | undefined): string {
  if (sum === null || sum === undefined || sum === '') return formatChecksum(0n);
  const value = typeof sum === 'bigint' ? sum : BigInt(typeof sum === 'number' ? Math.trunc(sum) : sum);
  return formatChecksum(value);
}

/** Adds checksums modulo 2^64: the checksum of a table is the sum of its ranges'. */
export function addChecksums(...checksums: string[]): string {
  let total = 0n;
  for (const checksum of checksums) total += BigInt(`0x${checksum}`);
  return formatChecksum(total);
}

/** The checksum of no rows. */
export const EMPTY_CHECKSUM = formatChecksum(0n);

function formatChecksum(value: bigint): string {
  const residue = ((value % MODULUS) + MODULUS) % MODULUS;
  return residue.toString(16).padStart(16, '0');
}
