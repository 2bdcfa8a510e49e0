import { describe, expect, it } from 'vitest';
import {
  rdsEndpointConnections,
  scratchEndpointConnections,
  withLoopbackEndpoint,
} from '../../../lib/adapters/aws/scratch-connections.js';
import type { ScratchInstance } from '../../../lib/core/ports.js';

const scratch = {
  kind: 'instance',
  id: 'lbs-orders-1',
  engine: 'postgres',
  status: 'available',
  endpoint: { host: 'lbs-orders-1.abc123.eu-west-1.rds.amazonaws.com', port: 5432 },
} as ScratchInstance;
const credentials = { user: 'admin', password: 'secret' };

describe('rdsEndpointConnections', () => {
  it('checks the scratch instance certificate against the RDS authorities by default', async () => {
    const connection = await rdsEndpointConnections.connectionFor(scratch, credentials, 'app');

    expect(connection).toMatchObject({
      host: scratch.endpoint!.host,
      port: 5432,
      database: 'app',
      ssl: 'verify-full',
    });
    // Root authorities of every region, each a PEM certificate.
    expect(connection.ca?.length).toBeGreaterThan(50);
    expect(connection.ca?.every((pem) => pem.startsWith('-----BEGIN CERTIFICATE-----'))).toBe(true);
  });

  it('only encrypts when the policy says verify.tls: require', async () => {
    const connection = await rdsEndpointConnections.connectionFor(scratch, credentials, 'app', {
      tls: 'require',
    });

    expect(connection.ssl).toBe('require');
    expect(connection.ca).toBeUndefined();
  });

  it('checks against the authorities handed in instead, when given', async () => {
    const authority = '-----BEGIN CERTIFICATE-----\ntest\n-----END CERTIFICATE-----\n';
    const connection = await scratchEndpointConnections([authority]).connectionFor(
      scratch,
      credentials,
      'app',
    );

    expect(connection).toMatchObject({ ssl: 'verify-full', ca: [authority] });
  });
});

describe('withLoopbackEndpoint (test-only LIFEBOAT_TEST_SCRATCH_ENDPOINT)', () => {
  it('changes only where to connect: user, password, database and TLS stay the real resolver’s', async () => {
    const resolver = withLoopbackEndpoint(rdsEndpointConnections, '127.0.0.1:54321');

    const connection = await resolver.connectionFor(scratch, credentials, 'app', { tls: 'require' });

    expect(connection).toEqual({
      ...(await rdsEndpointConnections.connectionFor(scratch, credentials, 'app', { tls: 'require' })),
      host: '127.0.0.1',
      port: 54321,
    });
  });

  it.each(['10.0.0.5:5432', 'db.example.com:5432', '127.0.0.1', '127.0.0.1:5432/x', ' 127.0.0.1:5432'])(
    'refuses %j, which is not a loopback host:port, naming the variable',
    (override) => {
      expect(() => withLoopbackEndpoint(rdsEndpointConnections, override)).toThrow(
        expect.objectContaining({
          name: 'ConfigError',
          message: expect.stringContaining('LIFEBOAT_TEST_SCRATCH_ENDPOINT must be a loopback host:port'),
        }),
      );
    },
  );
});
