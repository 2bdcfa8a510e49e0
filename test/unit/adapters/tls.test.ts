import { describe, expect, it } from 'vitest';
import { certificateRefusal, tlsOptions } from '../../../lib/adapters/db/tls.js';
import type { DatabaseConnection } from '../../../lib/core/fingerprint/types.js';

const base: DatabaseConnection = {
  engine: 'postgres',
  host: 'db.example',
  port: 5432,
  user: 'u',
  database: 'd',
};

describe('tlsOptions', () => {
  it('checks the name as well as the authority with verify-full, on MySQL too', () => {
    expect(tlsOptions({ ...base, ssl: 'verify-full', ca: ['pem'] })).toEqual({
      rejectUnauthorized: true,
      ca: ['pem'],
    });
    // mysql2 skips the name check unless told (pg always makes it).
    expect(tlsOptions({ ...base, engine: 'mysql', ssl: 'verify-full' })).toEqual({
      rejectUnauthorized: true,
      verifyIdentity: true,
    });
  });

  it('encrypts without checking with require, and asks for nothing without ssl', () => {
    expect(tlsOptions({ ...base, engine: 'mysql', ssl: 'require' })).toEqual({ rejectUnauthorized: false });
    expect(tlsOptions(base)).toBeUndefined();
  });
});

describe('certificateRefusal', () => {
  it('names the host and the names the certificate is for', () => {
    const error = Object.assign(new Error("Hostname/IP does not match certificate's altnames"), {
      code: 'HANDSHAKE_SSL_ERROR',
      reason: 'Host: db.example. is not in the cert altnames',
      cert: { subjectaltname: 'DNS:other.example' },
    });
    expect(certificateRefusal(error, 'db.example')).toMatch(
      /^the server's certificate is not for db\.example \(it is for DNS:other\.example\)/,
    );
  });

  it('says the authority is not trusted, by code or by OpenSSL message', () => {
    const byCode = Object.assign(new Error('self-signed certificate in certificate chain'), {
      code: 'SELF_SIGNED_CERT_IN_CHAIN',
    });
    const byMessage = Object.assign(new Error('unable to get local issuer certificate'), {
      code: 'HANDSHAKE_SSL_ERROR',
    });
    for (const error of [byCode, byMessage]) {
      expect(certificateRefusal(error, 'db.example')).toMatch(
        /^the server's certificate is not signed by an authority verify-full trusts/,
      );
    }
  });

  it('leaves other errors to the caller', () => {
    expect(
      certificateRefusal(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'h'),
    ).toBe(undefined);
  });
});
