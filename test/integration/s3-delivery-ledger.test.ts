import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3DeliveryLedger } from '../../lib/adapters/aws/s3-delivery-ledger.js';
import { motoClientConfig, startMoto, type Moto } from '../support/moto.js';

// Two ledgers on one bucket stand for two Lambda containers: they share nothing but S3.
let moto: Moto;
let s3: S3Client;
const BUCKET = 'lifeboat-notify-deliveries';
const LEASE_MS = 60_000;
let clock = new Date('2026-11-24T09:00:00.000Z');

const container = () =>
  new S3DeliveryLedger({
    client: new S3Client(motoClientConfig(moto)),
    bucket: BUCKET,
    leaseMs: LEASE_MS,
    now: () => clock,
  });

beforeAll(async () => {
  moto = await startMoto();
  s3 = new S3Client(motoClientConfig(moto));
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

afterAll(async () => {
  await moto.stop();
});

describe('S3DeliveryLedger', () => {
  it('lets only one container claim a channel for a message, and none once it is delivered', async () => {
    const [a, b] = [container(), container()];

    const first = await a.claim('msg-1', 'alerts');
    expect(first.taken).toBe(true);
    await expect(b.claim('msg-1', 'alerts')).resolves.toEqual({ taken: false, why: 'in-progress' });
    // Another channel of the same message is its own claim.
    await expect(b.claim('msg-1', 'quiet')).resolves.toMatchObject({ taken: true });

    await a.delivered('msg-1', 'alerts');
    await expect(b.claim('msg-1', 'alerts')).resolves.toEqual({ taken: false, why: 'delivered' });
    clock = new Date(clock.getTime() + 10 * LEASE_MS);
    await expect(b.claim('msg-1', 'alerts')).resolves.toEqual({ taken: false, why: 'delivered' });
  });

  it('gives a released claim to the next attempt at once', async () => {
    const [a, b] = [container(), container()];
    const claim = await a.claim('msg-2', 'alerts');
    if (!claim.taken) throw new Error('expected the first claim to be taken');

    await a.release('msg-2', 'alerts', claim);

    await expect(b.claim('msg-2', 'alerts')).resolves.toMatchObject({ taken: true });
  });

  it('lets a claim left by a crashed container be taken over once it is older than the lease', async () => {
    const [crashed, retry, late] = [container(), container(), container()];
    await crashed.claim('msg-3', 'alerts');

    clock = new Date(clock.getTime() + LEASE_MS - 1);
    await expect(retry.claim('msg-3', 'alerts')).resolves.toEqual({ taken: false, why: 'in-progress' });
    clock = new Date(clock.getTime() + 1);
    await expect(retry.claim('msg-3', 'alerts')).resolves.toMatchObject({ taken: true });
    // The take-over is a fresh claim: a third attempt waits for it like for any other.
    await expect(late.claim('msg-3', 'alerts')).resolves.toEqual({ taken: false, why: 'in-progress' });
  });

  it("never turns another attempt's delivered mark back into a free claim", async () => {
    const [slow, retry] = [container(), container()];
    const stale = await slow.claim('msg-4', 'alerts');
    if (!stale.taken) throw new Error('expected the first claim to be taken');
    clock = new Date(clock.getTime() + LEASE_MS);
    await retry.claim('msg-4', 'alerts');
    await retry.delivered('msg-4', 'alerts');

    await slow.release('msg-4', 'alerts', stale);

    const mark = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'deliveries/msg-4/alerts.json' }));
    expect(JSON.parse(await mark.Body!.transformToString())).toMatchObject({ state: 'delivered' });
  });
});
