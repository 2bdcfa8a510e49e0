import { describe, expect, it } from 'vitest';
import {
  rdsEndpointConnections,
  scratchEndpointConnections,
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
