import { describe, expect, it } from 'vitest';
import { pollInterval, wholeNumber } from '../../../cli/numbers.js';
import { InvalidInputError } from '../../../lib/core/errors.js';

describe('pollInterval', () => {
  it('takes whole and fractional seconds, in milliseconds', () => {
    expect(pollInterval('--poll-seconds', '15')).toBe(15_000);
    expect(pollInterval('--poll-seconds', '0.5')).toBe(500);
  });

  it.each(['0', '0.0', '-1', '1e3', 'ten', '', ' 5'])('refuses %j, naming the option', (text) => {
    expect(() => pollInterval('--poll-seconds', text)).toThrow(
      new InvalidInputError(`--poll-seconds "${text}" is not a positive number of seconds`),
    );
  });
});

describe('wholeNumber', () => {
  it('takes digits at or over its minimum', () => {
    expect(wholeNumber('--keep-days', '0')).toBe(0);
    expect(wholeNumber('--timeout-minutes', '240', 1)).toBe(240);
  });

  it('refuses what is not digits, or under the minimum', () => {
    expect(() => wholeNumber('--keep-days', '1.5')).toThrow('--keep-days "1.5" is not a whole number');
    expect(() => wholeNumber('--timeout-minutes', '0', 1)).toThrow(
      '--timeout-minutes "0" is not a positive whole number',
    );
  });
});
