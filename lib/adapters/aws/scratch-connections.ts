import { NotReadyError } from '../../core/errors.js';
import type { ConnectionResolver } from '../../core/ports.js';
import { engineOf } from '../../core/use-cases/restore-verify/verify.js';

/** Connects to a scratch instance at the endpoint RDS reports (the cluster endpoint for Aurora). */
export const rdsEndpointConnections: ConnectionResolver = {
  connectionFor(scratch, credentials, database) {
    if (!scratch.endpoint) throw new NotReadyError(`scratch ${scratch.id} has no endpoint yet`);
    return {
      engine: engineOf(scratch.engine),
      host: scratch.endpoint.host,
      port: scratch.endpoint.port,
      user: credentials.user,
      password: credentials.password,
      database,
      // RDS for PostgreSQL 15+ refuses unencrypted connections (rds.force_ssl); the RDS CA bundle is
      // not shipped with the function, so the certificate is not checked inside the VPC.
      ssl: 'require',
    };
  },
};
