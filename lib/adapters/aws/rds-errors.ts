import { NotFoundError, RetryLaterError } from '../../core/errors.js';

/** The error code RDS answered with, without the SDK's `Fault` suffix (`DBSnapshotNotFound`). */
export function rdsErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { Code, name } = error as { Code?: unknown; name?: unknown };
  const code = typeof Code === 'string' ? Code : typeof name === 'string' ? name : undefined;
  return code?.replace(/Fault$/, '');
}

/** The HTTP status of the answer the SDK raised this error for; a body it could not parse too. */
function httpStatus(error: unknown): number | undefined {
  const status = (error as { $metadata?: { httpStatusCode?: unknown } }).$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

// https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-api-throttling.html
const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
]);

// Refusals that go away on their own: a source still `creating`/`copying` becomes `available`, an
// instance `backing-up` finishes.
const BUSY = new Set([
  'InvalidDBSnapshotState',
  'InvalidDBClusterSnapshotState',
  'InvalidDBInstanceState',
  'InvalidDBClusterState',
]);

const NOT_FOUND = new Set([
  'DBSnapshotNotFound',
  'DBClusterSnapshotNotFound',
  'DBInstanceNotFound',
  'DBClusterNotFound',
]);

// RDS allows 20 DB snapshot copies in flight per destination region and account
// (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_CopySnapshot.html, "Limitations"),
// Aurora 5 DB cluster snapshot copies
// (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-copy-snapshot.html,
// "Limitations"), and documents no error code for going over. RDS has been seen to answer
// SnapshotQuotaExceeded "Cannot copy more than 5 snapshots across regions", the same code as for
// the manual-snapshot quota ("Cannot create more than 100 manual snapshots"): the message tells
// the two apart. The in-flight limit passes as copies finish; the quota only when someone deletes
// snapshots or raises it.
const CONCURRENCY_MESSAGE = /concurrent|in progress|at a time|too many|across regions/i;

/**
 * Turns an SDK error into a Lifeboat error where the caller can act on it: RetryLaterError for
 * throttling, quotas and states that pass, NotFoundError for a missing resource. Anything else is
 * returned as it is: a refused KMS key or bad parameter will not pass by retrying.
 */
export function mapRdsError(error: unknown, what: string): unknown {
  const code = rdsErrorCode(error);
  if (code === undefined) return error;
  const message = error instanceof Error ? error.message : String(error);
  const status = httpStatus(error);
  if (status !== undefined && status >= 500) {
    // RDS failing on its side (InternalFailure 500, ServiceUnavailable 503,
    // https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/CommonErrors.html), or a proxy's
    // 5xx page that the SDK cannot read as an RDS error at all: the same request later may succeed.
    return new RetryLaterError(`${what}: RDS failed on its side (HTTP ${status}, ${code}: ${message})`, {
      cause: error,
    });
  }
  if (code === 'SnapshotQuotaExceeded') {
    const inFlight = CONCURRENCY_MESSAGE.test(message) && !/manual/i.test(message);
    return new RetryLaterError(
      inFlight
        ? `${what}: too many copies in progress (${code}: ${message})`
        : `${what}: the manual snapshot quota is used up (${code}: ${message})`,
      { cause: error, limit: inFlight ? 'copies-in-flight' : 'snapshot-quota' },
    );
  }
  if (THROTTLING.has(code) || BUSY.has(code)) {
    return new RetryLaterError(`${what}: RDS refused for now (${code}: ${message})`, { cause: error });
  }
  if (
    (code === 'InvalidParameterValue' || code === 'InvalidParameterCombination') &&
    CONCURRENCY_MESSAGE.test(message) &&
    /cop/i.test(message)
  ) {
    return new RetryLaterError(`${what}: too many copies in progress (${code}: ${message})`, {
      cause: error,
      limit: 'copies-in-flight',
    });
  }
  if (NOT_FOUND.has(code)) return new NotFoundError(`${what}: ${code}: ${message}`, { cause: error });
  return error;
}
