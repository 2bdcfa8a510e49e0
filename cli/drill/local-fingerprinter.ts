import { PostgresFingerprinter } from '../../lib/adapters/db/postgres.js';
import type { LocalServer } from '../../lib/adapters/local/server.js';
import type { DatabaseConnection, Fingerprinter } from '../../lib/core/fingerprint/types.js';

/**
 * Inside a local "instance" (one PostgreSQL database) the database the policy names is the
 * instance's own: fingerprint the database the connection points at, whatever it is called.
 */
export function localFingerprinter(): Fingerprinter {
  const inner = new PostgresFingerprinter();
  return {
    fingerprint: (connection, options = {}) =>
      inner.fingerprint(connection, { ...options, databases: [connection.database] }),
    listTables: (connection, options = {}) =>
      inner.listTables(connection, { ...options, databases: [connection.database] }),
    splitKeys: (connection, table) => inner.splitKeys(connection, table),
  };
}

export function asConnection(server: LocalServer, database: string): DatabaseConnection {
  return {
    engine: 'postgres',
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
    database,
  };
}
