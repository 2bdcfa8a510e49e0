import {
  DBClusterAlreadyExistsFault,
  DBClusterNotFoundFault,
  DBClusterSnapshotAlreadyExistsFault,
  DBClusterSnapshotNotFoundFault,
  DBInstanceAlreadyExistsFault,
  DBInstanceNotFoundFault,
  DBSnapshotAlreadyExistsFault,
  DBSnapshotNotFoundFault,
  InvalidDBClusterSnapshotStateFault,
  InvalidDBClusterStateFault,
  InvalidDBInstanceStateFault,
  InvalidDBSnapshotStateFault,
  KMSKeyNotAccessibleFault,
  RDSServiceException,
  SnapshotQuotaExceededFault,
} from '@aws-sdk/client-rds';
import { describe, expect, it } from 'vitest';
import { mapRdsError, rdsErrorCode } from '../../../lib/adapters/aws/rds-errors.js';
import { NotFoundError, RetryLaterError } from '../../../lib/core/errors.js';
import { rdsAnswer, rdsErrorResponse, rdsFault, type ModeledFault } from '../../support/sdk-errors.js';

// Every error here is what the SDK raises for an RDS error body, run through its own parser, so a
// change in how the SDK reports RDS errors (class, name, Code, $fault) breaks these tests.

describe('rdsErrorCode', () => {
  // The SDK's model keeps the wire code of some faults with its suffix (DBClusterNotFoundFault) and
  // drops it for others (DBInstanceNotFound); Lifeboat compares codes without it.
  it.each([
    [DBSnapshotAlreadyExistsFault, 'DBSnapshotAlreadyExists', 400],
    [DBClusterSnapshotAlreadyExistsFault, 'DBClusterSnapshotAlreadyExistsFault', 400],
    [DBInstanceAlreadyExistsFault, 'DBInstanceAlreadyExists', 400],
    [DBClusterAlreadyExistsFault, 'DBClusterAlreadyExistsFault', 400],
    [DBSnapshotNotFoundFault, 'DBSnapshotNotFound', 404],
    [DBClusterSnapshotNotFoundFault, 'DBClusterSnapshotNotFoundFault', 404],
    [DBInstanceNotFoundFault, 'DBInstanceNotFound', 404],
    [DBClusterNotFoundFault, 'DBClusterNotFoundFault', 404],
    [InvalidDBInstanceStateFault, 'InvalidDBInstanceState', 400],
    [InvalidDBClusterStateFault, 'InvalidDBClusterStateFault', 400],
    [InvalidDBSnapshotStateFault, 'InvalidDBSnapshotState', 400],
    [InvalidDBClusterSnapshotStateFault, 'InvalidDBClusterSnapshotStateFault', 400],
    [SnapshotQuotaExceededFault, 'SnapshotQuotaExceeded', 400],
    [KMSKeyNotAccessibleFault, 'KMSKeyNotAccessibleFault', 400],
  ] as Array<[ModeledFault<RDSServiceException>, string, number]>)(
    'reads %o from the wire and from the modeled class alike',
    async (Fault, wireCode, status) => {
      const fromWire = await rdsErrorResponse({ code: wireCode, message: 'refused', status });

      expect(fromWire).toBeInstanceOf(Fault);
      expect(rdsErrorCode(fromWire)).toBe(wireCode.replace(/Fault$/, ''));
      expect(rdsErrorCode(rdsFault(Fault, 'refused', status))).toBe(rdsErrorCode(fromWire));
    },
  );

  it('reads the code of an error the SDK does not model', async () => {
    const throttled = await rdsErrorResponse({ code: 'Throttling', message: 'Rate exceeded' });

    expect(throttled).toBeInstanceOf(RDSServiceException);
    expect(rdsErrorCode(throttled)).toBe('Throttling');
  });
});

describe('mapRdsError on what RDS answers', () => {
  it.each([
    // https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-api-throttling.html
    ['Throttling', 'Rate exceeded'],
    ['ThrottlingException', 'Rate exceeded'],
    [
      'InvalidDBInstanceState',
      'Cannot create a snapshot because the database instance orders is not currently in the available state.',
    ],
    ['InvalidDBClusterStateFault', 'DbCluster billing is not currently in the available state.'],
    ['InvalidDBSnapshotState', 'Snapshot lifeboat-orders-x is not currently in the available state.'],
    ['InvalidDBClusterSnapshotStateFault', 'Cannot copy a snapshot that is still being created.'],
  ])('asks to retry later on %s', async (code, message) => {
    const error = await rdsErrorResponse({ code, message });

    const mapped = mapRdsError(error, 'creating snapshot lifeboat-orders-x');

    expect(mapped).toBeInstanceOf(RetryLaterError);
    expect(mapped).toMatchObject({ cause: error });
    expect((mapped as Error).message).toContain(`${code.replace(/Fault$/, '')}: ${message}`);
  });

  it.each([
    ['InternalFailure', 500],
    ['ServiceUnavailable', 503],
  ])('asks to retry later when RDS fails on its side (%s, %d)', async (code, status) => {
    // https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/CommonErrors.html: 5xx are RDS's own
    // failures, which the SDK marks $fault "server"; the same request later may succeed.
    const error = await rdsErrorResponse({ code, message: 'try again', status, type: 'Receiver' });

    expect(mapRdsError(error, 'listing snapshots')).toBeInstanceOf(RetryLaterError);
  });

  it.each([
    ['an empty body', ''],
    ['an HTML page', '<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>'],
    ['a body that is not XML', 'upstream connect error or disconnect/reset before headers'],
  ])('asks to retry later when a 503 answer has %s, not an RDS error', async (_, body) => {
    const error = await rdsAnswer(503, body);

    expect(mapRdsError(error, 'listing snapshots')).toBeInstanceOf(RetryLaterError);
  });

  it.each([
    ['DBSnapshotNotFound', 'DBSnapshot lifeboat-orders-x not found.'],
    ['DBClusterSnapshotNotFoundFault', 'DBClusterSnapshot lifeboat-billing-x not found.'],
    ['DBInstanceNotFound', 'DBInstance orders not found.'],
    ['DBClusterNotFoundFault', 'DBCluster billing not found.'],
  ])('calls %s not found', async (code, message) => {
    const error = await rdsErrorResponse({ code, message, status: 404 });

    expect(mapRdsError(error, 'reading')).toBeInstanceOf(NotFoundError);
  });

  it('tells the manual snapshot quota from the copies in flight by the message', async () => {
    const quota = await rdsErrorResponse({
      code: 'SnapshotQuotaExceeded',
      message: 'Cannot create more than 100 manual snapshots',
    });
    const inFlight = await rdsErrorResponse({
      code: 'SnapshotQuotaExceeded',
      message: 'Cannot copy more than 5 snapshots across regions',
    });

    expect(mapRdsError(quota, 'copying')).toMatchObject({ name: 'RetryLaterError', limit: 'snapshot-quota' });
    expect(mapRdsError(inFlight, 'copying')).toMatchObject({
      name: 'RetryLaterError',
      limit: 'copies-in-flight',
    });
  });

  it.each([
    ['KMSKeyNotAccessibleFault', 'The specified KMS key is disabled.', 400],
    ['AccessDenied', 'User is not authorized to perform: rds:CreateDBSnapshot', 403],
    ['InvalidParameterValue', 'Invalid snapshot identifier: lifeboat--x', 400],
  ])('passes %s on as the SDK raised it: retrying would not help', async (code, message, status) => {
    const error = await rdsErrorResponse({ code, message, status });

    expect(mapRdsError(error, 'creating')).toBe(error);
  });

  it('maps a modeled fault built as the SDK builds it as it maps the same fault from the wire', async () => {
    const message = 'Cannot delete the database instance because it is in the modifying state.';
    const fromWire = await rdsErrorResponse({ code: 'InvalidDBInstanceState', message });

    const built = mapRdsError(rdsFault(InvalidDBInstanceStateFault, message), 'deleting');

    expect(built).toBeInstanceOf(RetryLaterError);
    expect((built as Error).message).toBe((mapRdsError(fromWire, 'deleting') as Error).message);
  });
});
