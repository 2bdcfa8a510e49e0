import { describe, expect, it } from 'vitest';
import { EXIT, exitCodeOf } from '../../../cli/exit.js';
import {
  AccessDeniedError,
  ConfigError,
  DeliveryFailedError,
  GuardRefusedError,
  InvalidInputError,
  LifeboatError,
  NotFoundError,
  NotReadyError,
  RetryLaterError,
  VerificationFailedError,
} from '../../../lib/core/errors.js';

describe('exitCodeOf', () => {
  it.each([
    ['a config error', new ConfigError('policy file x.yml: not found')],
    ['access denied (a config error)', new AccessDeniedError('not authorized')],
    ['bad input', new InvalidInputError('--time must be ISO 8601')],
    ['an unknown database', new NotFoundError('no instance app-db')],
    ['a guard refusal', new GuardRefusedError('not a Lifeboat snapshot')],
  ])('is 2 (usage, nothing changed) for %s', (_case, error) => {
    expect(exitCodeOf(error)).toBe(EXIT.usage);
  });

  it.each([
    ['AWS asking to retry later', new RetryLaterError('snapshot quota reached', { limit: 'snapshot-quota' })],
    ['a resource not ready', new NotReadyError('scratch instance still creating')],
    ['a failed delivery', new DeliveryFailedError('webhook refused')],
    ['a verification mismatch', new VerificationFailedError('2 tables differ')],
    ['an incomplete run', new LifeboatError('copies failed: eu-west-1')],
    ['anything else', new TypeError('boom')],
  ])('is 1 (failed) for %s', (_case, error) => {
    expect(exitCodeOf(error)).toBe(EXIT.failed);
  });
});
