import type { DatabaseConnection } from '../../core/fingerprint/types.js';

/** pg's and mysql2's `ssl`: encrypted, and with `verify-full` the certificate checked against `ca`. */
export function tlsOptions(
  connection: DatabaseConnection,
): { rejectUnauthorized: boolean; ca?: string[] } | undefined {
  if (!connection.ssl) return undefined;
  if (connection.ssl === 'require') return { rejectUnauthorized: false };
  return { rejectUnauthorized: true, ...(connection.ca ? { ca: connection.ca } : {}) };
}

/** OpenSSL's verdicts for a certificate chain that does not end at an authority given in `ca`. */
const UNTRUSTED = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
]);

/**
 * Why `verify-full` refused the server's certificate, in words an operator can act on, or
 * undefined when the error is not a certificate check.
 */
export function certificateRefusal(error: unknown, host: string): string | undefined {
  const { code, cert } = (error ?? {}) as { code?: string; cert?: { subjectaltname?: string } };
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const names = cert?.subjectaltname ? ` (it is for ${cert.subjectaltname})` : '';
    return `the server's certificate is not for ${host}${names}; connect to the name the certificate carries (the endpoint RDS reports)`;
  }
  if (code && UNTRUSTED.has(code)) {
    return `the server's certificate is not signed by an authority verify-full trusts (${code}); for RDS the instance's region must be among the RDS authorities, or set verify.tls: require to encrypt without checking`;
  }
  return undefined;
}
