import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addChecksums, checksumFromSum, EMPTY_CHECKSUM } from '../../../lib/core/fingerprint/checksum.js';

describe('checksums modulo 2^64', () => {
  it('reads a SQL sum of signed hashes as its residue, in 16 hex digits', () => {
    expect(checksumFromSum('0')).toBe('0000000000000000');
    expect(checksumFromSum('-1')).toBe('ffffffffffffffff');
    expect(checksumFromSum('18446744073709551616')).toBe('0000000000000000');
    expect(checksumFromSum('18446744073709551617')).toBe('0000000000000001');
    expect(checksumFromSum('-9223372036854775808')).toBe('8000000000000000');
    expect(checksumFromSum(null)).toBe(EMPTY_CHECKSUM);
  });

  it('gives a signed hash and its unsigned reading the same checksum', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }), (signed) => {
        const unsigned = signed < 0n ? signed + (1n << 64n) : signed;
        expect(checksumFromSum(signed.toString())).toBe(checksumFromSum(unsigned.toString()));
      }),
    );
  });

  it('adds range checksums to the checksum of the whole, whatever the split', () => {
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }), { maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (hashes, cuts) => {
          const whole = checksumFromSum(hashes.reduce((sum, hash) => sum + hash, 0n));
          const points = [...new Set(cuts.map((cut) => cut % (hashes.length + 1)))].sort((a, b) => a - b);
          const pieces = [0, ...points, hashes.length].slice(1).map((end, index, ends) => {
            const start = index === 0 ? 0 : (ends[index - 1] as number);
            return checksumFromSum(hashes.slice(start, end).reduce((sum, hash) => sum + hash, 0n));
          });
          expect(addChecksums(...pieces)).toBe(whole);
        },
      ),
    );
  });

  it('sees a duplicated row, unlike XOR', () => {
    const row = 0x1234n;
    expect(checksumFromSum(row + row)).not.toBe(checksumFromSum(0n));
  });
});
