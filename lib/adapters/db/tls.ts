import type { DatabaseConnection } from '../../core/fingerprint/types.js';

/** pg's and mysql2's `ssl`: encrypted, and with `verify-full` the certificate checked against `ca`. */
export function tlsOptions(
  connection: DatabaseConnection,
): { rejectUnauthorized: boolean; ca?: string[] } | undefined {
  if (!connection.ssl) return undefined;
  if (connection.ssl === 'require') return { rejectUnauthorized: false };
  return { rejectUnauthorized: true, ...(connection.ca ? { ca: connection.ca } : {}) };
}
