/**
 * Every error Lifeboat raises on purpose. Names are literal strings, not `this.constructor.name`:
 * esbuild minification renames classes, and Step Functions Retry/Catch match `errorType` by name.
 */
export class LifeboatError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'LifeboatError';
  }
}

/** The policy file or the deployment's settings are invalid. Nothing was done. */
export class ConfigError extends LifeboatError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

/**
 * A database refused the user or password. A ConfigError, except right after Lifeboat reset the
 * scratch's master password: RDS applies that a while after it reports the instance available.
 */
export class AccessDeniedError extends ConfigError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AccessDeniedError';
  }
}

/** An event or a state-machine input does not have the expected shape. Nothing was done. */
export class InvalidInputError extends LifeboatError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InvalidInputError';
  }
}

/** A snapshot, database or scratch instance that the caller named does not exist. */
export class NotFoundError extends LifeboatError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'NotFoundError';
  }
}

/** A destructive call was refused by its guard (not managed by Lifeboat, newest one, in use). */
export class GuardRefusedError extends LifeboatError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'GuardRefusedError';
  }
}

/**
 * AWS refused for now (throttling, a quota on concurrent copies, an in-progress operation); the
 * same request later may succeed. Step Functions retries it, the copy function re-queues it.
 */
export class RetryLaterError extends LifeboatError {
  /**
   * Which limit refused, where the caller treats them apart: the copies in flight pass as copies
   * finish; the manual-snapshot quota needs a person (delete snapshots or raise it).
   */
  readonly limit?: 'copies-in-flight' | 'snapshot-quota';

  constructor(message: string, options?: ErrorOptions & { limit?: 'copies-in-flight' | 'snapshot-quota' }) {
    super(message, options);
    this.name = 'RetryLaterError';
    if (options?.limit) this.limit = options.limit;
  }
}

/** A resource is not ready yet (scratch instance still creating); the state machine waits. */
export class NotReadyError extends LifeboatError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'NotReadyError';
  }
}

/** The restored data does not match its baseline. */
export class VerificationFailedError extends LifeboatError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'VerificationFailedError';
  }
}

/**
 * A chat webhook did not accept a message after its retries. The notify function lets it fail the
 * invocation, so Lambda retries and then keeps the message in the notify dead-letter queue.
 */
export class DeliveryFailedError extends LifeboatError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DeliveryFailedError';
  }
}

/**
 * An AWS Backup restore test's validation window closed, or closes too soon to fingerprint in it:
 * AWS Backup deletes the restored resource then, so the validation is reported TIMED_OUT.
 */
export class ValidationWindowClosedError extends LifeboatError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ValidationWindowClosedError';
  }
}
