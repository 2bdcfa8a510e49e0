import type { DatabaseConnection } from '../../core/fingerprint/types.js';

/**
 * pg's and mysql2's `ssl`: encrypted, and with `verify-full` the certificate checked against `ca`
 * and the host name. mysql2 checks the name only when told to (`verifyIdentity`); pg always does.
 */
export function tlsOptions(
  connection: DatabaseConnection,
): { rejectUnauthorized: boolean; ca?: string[]; verifyIdentity?: boolean } | undefined {
  if (!connection.ssl) return undefined;
  if (connection.ssl === 'require') return { rejectUnauthorized: false };
  return {
    rejectUnauthorized: true,
    ...(connection.ca ? { ca: connection.ca } : {}),
    ...(connection.engine === 'mysql' ? { verifyIdentity: true } : {}),
  };
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
const UNTRUSTED_MESSAGE =
  /^(unable to get (local )?issuer certificate|unable to verify the first certificate|self[- ]signed certificate|certificate not trusted)/i;

/**
 * Why `verify-full` refused the server's certificate, in words an operator can act on, or
 * undefined when the error is not a certificate check.
 */
export function certificateRefusal(error: unknown, host: string): string | undefined {
  const { code, cert, reason, message } = (error ?? {}) as {
    code?: string;
    cert?: { subjectaltname?: string };
    reason?: string;
    message?: string;
  };
  // mysql2 replaces the TLS error's code with HANDSHAKE_SSL_ERROR, so the name check is known by
  // the certificate Node attaches, and the chain check by OpenSSL's message.
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || (cert && reason)) {
    const names = cert?.subjectaltname ? ` (it is for ${cert.subjectaltname})` : '';
    return `the server's certificate is not for ${host}${names}; connect to the name the certificate carries (the endpoint RDS reports)`;
  }
  if ((code && UNTRUSTED.has(code)) || UNTRUSTED_MESSAGE.test(message ?? '')) {
    return `the server's certificate is not signed by an authority verify-full trusts (${message}); for RDS the instance's region must be among the RDS authorities, or set verify.tls: require to encrypt without checking`;
  }
  return undefined;
}
