import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultProvider } from '../../../lib/adapters/aws/lambda-credentials.js';

// What the packaged functions use in place of the SDK's default chain (serverless.yml `alias`).
describe('the Lambda credentials provider', () => {
  let server: Server | undefined;
  afterEach(async () => {
    vi.unstubAllEnvs();
    await new Promise((done) => (server ? server.close(done) : done(undefined)));
    server = undefined;
  });

  it("reads the function's role credentials from the environment, as the Lambda runtime sets them", async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'ASIAFUNCTION');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret');
    vi.stubEnv('AWS_SESSION_TOKEN', 'token');
    vi.stubEnv('AWS_CONTAINER_CREDENTIALS_FULL_URI', 'http://127.0.0.1:9/never-asked');

    const credentials = await defaultProvider()();

    expect(credentials).toMatchObject({
      accessKeyId: 'ASIAFUNCTION',
      secretAccessKey: 'secret',
      sessionToken: 'token',
    });
  });

  it('asks the container credentials endpoint when the environment holds no keys', async () => {
    let authorization: string | undefined;
    server = createServer((request, response) => {
      authorization = request.headers.authorization;
      response.end(
        JSON.stringify({
          AccessKeyId: 'ASIACONTAINER',
          SecretAccessKey: 'secret',
          Token: 'token',
          Expiration: new Date(Date.now() + 3_600_000).toISOString(),
        }),
      );
    });
    await new Promise<void>((listening) => server!.listen(0, '127.0.0.1', listening));
    const { port } = server.address() as AddressInfo;
    vi.stubEnv('AWS_ACCESS_KEY_ID', '');
    vi.stubEnv('AWS_CONTAINER_CREDENTIALS_FULL_URI', `http://127.0.0.1:${port}/credentials`);
    vi.stubEnv('AWS_CONTAINER_AUTHORIZATION_TOKEN', 'container-token');

    const credentials = await defaultProvider()();

    expect(credentials).toMatchObject({ accessKeyId: 'ASIACONTAINER', sessionToken: 'token' });
    expect(authorization).toBe('container-token');
  });

  it('fails naming what is missing when neither is there', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', '');
    vi.stubEnv('AWS_CONTAINER_CREDENTIALS_FULL_URI', '');
    vi.stubEnv('AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', '');

    await expect(defaultProvider()()).rejects.toThrow(/environment variable credentials/);
  });
});
