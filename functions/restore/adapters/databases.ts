import {
  rdsEndpointConnections,
  SCRATCH_ENDPOINT_OVERRIDE,
  withLoopbackEndpoint,
} from '../../../lib/adapters/aws/scratch-connections.js';
import { fingerprinterFor } from '../../../lib/adapters/db/index.js';
import type { StepAdapter } from '../deps.js';

/**
 * The PostgreSQL and MySQL drivers and the RDS certificate authorities, most of a bundle: only the
 * steps that read the scratch instance.
 */
export const databaseFingerprints: StepAdapter = ({ env }) => ({
  fingerprinter: fingerprinterFor,
  // Test-only (moto runs no database); the packaged template never sets it.
  connections: env[SCRATCH_ENDPOINT_OVERRIDE]
    ? withLoopbackEndpoint(rdsEndpointConnections, env[SCRATCH_ENDPOINT_OVERRIDE])
    : rdsEndpointConnections,
});
