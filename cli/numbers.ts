import { InvalidInputError } from '../lib/core/errors.js';

/**
 * How often a waiting command asks AWS, in milliseconds. Zero would ask without pause and meet
 * RDS's or Step Functions' request throttling within seconds, so it is refused like a typo.
 */
export function pollInterval(option: string, text: string): number {
  if (!/^\d+(\.\d+)?$/.test(text) || Number(text) === 0) {
    throw new InvalidInputError(`${option} "${text}" is not a positive number of seconds`);
  }
  return Number(text) * 1000;
}

/** A count the operator typed (days, minutes): digits only, at least `min`. */
export function wholeNumber(option: string, text: string, min = 0): number {
  if (!/^\d+$/.test(text) || Number(text) < min) {
    throw new InvalidInputError(`${option} "${text}" is not a ${min > 0 ? 'positive ' : ''}whole number`);
  }
  return Number(text);
}
