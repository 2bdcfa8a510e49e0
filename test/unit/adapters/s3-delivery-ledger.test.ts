import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { S3DeliveryLedger } from '../../../lib/adapters/aws/s3-delivery-ledger.js';
import { s3ErrorResponse } from '../../support/sdk-errors.js';

// moto serialises requests, so it never answers a conditional write with 409; S3 does when two run
// at once on one key: "409 ConditionalRequestConflict"
// (docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html).
const s3 = mockClient(S3Client);
afterEach(() => s3.reset());

const conflict = () =>
  s3ErrorResponse({
    code: 'ConditionalRequestConflict',
    message: 'A conflicting conditional operation is currently in progress against this resource.',
    status: 409,
  });

const ledger = () =>
  new S3DeliveryLedger({
    client: new S3Client({ region: 'us-east-1' }),
    bucket: 'deliveries',
    leaseMs: 60_000,
  });

describe('S3DeliveryLedger', () => {
  it('claims with If-None-Match and releases with If-Match on its own claim', async () => {
    s3.on(PutObjectCommand).resolves({ ETag: '"claim-1"' });

    const claim = await ledger().claim('msg-1', 'alerts');
    if (!claim.taken) throw new Error('expected the claim to be taken');
    await ledger().release('msg-1', 'alerts', claim);

    const puts = s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
    expect(puts[0]).toMatchObject({
      Bucket: 'deliveries',
      Key: 'deliveries/msg-1/alerts.json',
      IfNoneMatch: '*',
    });
    expect(puts[1]).toMatchObject({ Key: 'deliveries/msg-1/alerts.json', IfMatch: '"claim-1"' });
  });

  it('leaves the channel to the other attempt when S3 answers a concurrent claim with 409', async () => {
    s3.on(PutObjectCommand).rejects(await conflict());

    await expect(ledger().claim('msg-2', 'alerts')).resolves.toEqual({ taken: false, why: 'in-progress' });
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
  });

  it('fails on any other S3 error rather than post without a claim', async () => {
    s3.on(PutObjectCommand).rejects(
      await s3ErrorResponse({ code: 'AccessDenied', message: 'Access Denied', status: 403 }),
    );

    await expect(ledger().claim('msg-3', 'alerts')).rejects.toMatchObject({ name: 'AccessDenied' });
  });
});
