import { CreateDBInstanceCommand, RDSClient } from '@aws-sdk/client-rds';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveConnectionFromSecret } from '../../lib/adapters/aws/live-database-secret.js';
import { motoClientConfig, startMoto, type Moto } from '../support/moto.js';

let moto: Moto;
let secrets: SecretsManagerClient;
let rds: RDSClient;
let endpoint: { host: string; port: number };

async function secret(name: string, value: unknown): Promise<string> {
  const created = await secrets.send(
    new CreateSecretCommand({
      Name: name,
      SecretString: typeof value === 'string' ? value : JSON.stringify(value),
    }),
  );
  return created.ARN!;
}

beforeAll(async () => {
  moto = await startMoto();
  secrets = new SecretsManagerClient(motoClientConfig(moto));
  rds = new RDSClient(motoClientConfig(moto));
  const created = await rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: 'orders-db',
      Engine: 'postgres',
      DBInstanceClass: 'db.t4g.medium',
      AllocatedStorage: 20,
      MasterUsername: 'app',
      MasterUserPassword: 'not-the-secret',
    }),
  );
  endpoint = { host: created.DBInstance!.Endpoint!.Address!, port: created.DBInstance!.Endpoint!.Port! };
});
afterAll(() => moto.stop());

describe('lifeboat recover --live-secret: the live database from a Secrets Manager secret', () => {
  it('takes the login from an RDS-managed master secret and the endpoint and engine from the database', async () => {
    const arn = await secret('rds!db-orders', { username: 'app', password: 'from-the-secret' });

    const live = await liveConnectionFromSecret({ secrets, rds }, arn, 'orders-db');

    expect(live).toMatchObject({
      engine: 'postgres',
      host: endpoint.host,
      port: endpoint.port,
      user: 'app',
      password: 'from-the-secret',
      database: '',
      ssl: 'verify-full',
    });
  });

  it('takes host, port, engine and database from a rotated secret that names them', async () => {
    const arn = await secret('orders/rotated', {
      engine: 'mysql',
      host: 'orders.example.internal',
      port: '3307',
      username: 'ops',
      password: 'p',
      dbname: 'shop',
    });

    const live = await liveConnectionFromSecret({ secrets, rds }, arn, 'no-such-db');

    expect(live).toMatchObject({
      engine: 'mysql',
      host: 'orders.example.internal',
      port: 3307,
      user: 'ops',
      database: 'shop',
    });
    expect(live.ca).toBeUndefined();
  });

  it.each([
    ['orders/not-json', 'app:secret', /is not JSON/],
    ['orders/array', ['app'], /is not a JSON object/],
    ['orders/no-password', { username: 'app' }, /has no "password"/],
    [
      'orders/bad-port',
      { username: 'app', password: 'p', host: 'h', engine: 'postgres', port: 'x' },
      /"port" must be a port number/,
    ],
    [
      'orders/oracle',
      { username: 'app', password: 'p', host: 'h', engine: 'oracle-ee', port: 1521 },
      /engine "oracle-ee" is neither/,
    ],
  ])('refuses secret %s, naming what is wrong', async (name, value, message) => {
    const arn = await secret(name, value);
    await expect(liveConnectionFromSecret({ secrets, rds }, arn, 'orders-db')).rejects.toThrow(message);
  });

  it('refuses a secret without a host for a database RDS does not know', async () => {
    const arn = await secret('orders/login-only', { username: 'app', password: 'p' });
    await expect(liveConnectionFromSecret({ secrets, rds }, arn, 'no-such-db')).rejects.toThrow(
      /"no-such-db" has no endpoint as a DB instance or an Aurora cluster/,
    );
  });
});
