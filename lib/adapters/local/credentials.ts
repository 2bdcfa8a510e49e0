import { createHmac, randomBytes } from 'node:crypto';
import { NotFoundError } from '../../core/errors.js';
import type { DatabaseConnection } from '../../core/fingerprint/types.js';
import type {
  ConnectionResolver,
  CredentialsProvider,
  ScratchCredentials,
  ScratchInstance,
} from '../../core/ports.js';
import type { LocalServer } from './server.js';

/**
 * Scratch passwords for the local engine, derived from a key held in memory for one drill and the
 * scratch id, the way the AWS deployment derives them: every step recomputes the password, so it is
 * never stored in the execution state or a report.
 */
export class LocalScratchCredentials implements CredentialsProvider {
  readonly #key = randomBytes(32);

  async scratchPassword(scratch: Pick<ScratchInstance, 'kind' | 'id'>): Promise<string> {
    return createHmac('sha256', this.#key).update(`${scratch.kind}/${scratch.id}`).digest('base64url');
  }

  async fromSecret(secretArn: string): Promise<ScratchCredentials> {
    throw new NotFoundError(`the local engine has no Secrets Manager: secret ${secretArn} cannot be read`);
  }
}

/**
 * Every local scratch is on the one local server, and a local "instance" is one database: the
 * database the policy names inside it is the scratch database itself. Connecting to the policy's
 * name instead would fingerprint the live source, not the restore.
 */
export class LocalConnections implements ConnectionResolver {
  constructor(private readonly server: LocalServer) {}

  connectionFor(
    scratch: ScratchInstance,
    credentials: ScratchCredentials,
    _database: string,
  ): DatabaseConnection {
    return {
      engine: 'postgres',
      host: this.server.host,
      port: this.server.port,
      user: credentials.user,
      password: credentials.password,
      database: scratch.id,
    };
  }
}
