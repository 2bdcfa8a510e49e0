import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redactUrl, WebhookClient } from '../../../lib/adapters/chat/webhook.js';

let server: Server;
let base: string;
const statuses: number[] = [];
let hits = 0;

beforeAll(async () => {
  server = createServer((request, response) => {
    hits++;
    request.resume();
    const status = statuses.shift() ?? 200;
    if (status === 429) response.setHeader('retry-after', '120');
    response.statusCode = status;
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

describe('WebhookClient', () => {
  it('keeps only the origin of a webhook URL', () => {
    expect(redactUrl('https://hooks.slack.com/services/T0/B0/secret')).toBe(
      'https://hooks.slack.com/[redacted]',
    );
    expect(redactUrl('not a url secret')).toBe('[redacted webhook URL]');
  });

  it('honours Retry-After on 429 but never waits longer than its bound, and stops after its attempts', async () => {
    hits = 0;
    statuses.push(429, 503);
    const pauses: number[] = [];
    const client = new WebhookClient({
      attempts: 2,
      backoffMs: 10,
      maxRetryAfterMs: 1000,
      sleep: async (ms) => void pauses.push(ms),
    });

    await expect(client.post(`${base}/services/secret`, {}, 'alerts')).rejects.toThrow(
      /channel alerts: POST http:\/\/127\.0\.0\.1:\d+\/\[redacted\] failed: HTTP 503/,
    );
    expect(pauses).toEqual([1000]);
    expect(hits).toBe(2);
  });

  it('backs off exponentially between retries of a 5xx', async () => {
    hits = 0;
    statuses.push(500, 502);
    const pauses: number[] = [];
    const client = new WebhookClient({
      attempts: 3,
      backoffMs: 10,
      sleep: async (ms) => void pauses.push(ms),
    });

    await client.post(`${base}/hook`, { text: 'x' }, 'alerts');

    expect(pauses).toEqual([10, 20]);
    expect(hits).toBe(3);
  });

  it('reports a refused connection by its code, without the URL', async () => {
    const client = new WebhookClient({ attempts: 1 });
    const closed = await new Promise<number>((resolve) => {
      const probe = createServer();
      probe.listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });

    await expect(
      client.post(`http://127.0.0.1:${closed}/services/secret-token`, {}, 'alerts'),
    ).rejects.toThrow(/network error \(ECONNREFUSED\)/);
  });
});
