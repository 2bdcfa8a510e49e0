import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A server certificate and its key, as files and the certificate as PEM. */
export interface ServerCertificate {
  certFile: string;
  keyFile: string;
  pem: string;
}

/** A throwaway authority, the certificates a TLS test serves, and the PEM of each authority. */
export interface TestCertificates {
  dir: string;
  /** The authority the test hands to `verify-full`, as PEM and as a file. */
  ca: string;
  caFile: string;
  /** Another authority, which signed `otherCa` and nothing the test trusts. */
  otherAuthority: string;
  /** For 127.0.0.1 and localhost, signed by `ca`. */
  right: ServerCertificate;
  /** Signed by `ca`, but for a name that is not the server's. */
  wrongName: ServerCertificate;
  /** For 127.0.0.1 and localhost, signed by the other authority. */
  otherCa: ServerCertificate;
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: 'pipe' });
}

function authority(dir: string, name: string): { cert: string; key: string } {
  const [cert, key] = [join(dir, `${name}.crt`), join(dir, `${name}.key`)];
  openssl([
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-days', '1', '-subj', `/CN=Lifeboat test ${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    '-keyout', key, '-out', cert,
  ]); // prettier-ignore
  return { cert, key };
}

function serverCertificate(
  dir: string,
  name: string,
  signer: { cert: string; key: string },
  altNames: string,
): ServerCertificate {
  const file = (extension: string) => join(dir, `${name}.${extension}`);
  const [certFile, keyFile, csr, ext] = [file('crt'), file('key'), file('csr'), file('ext')];
  openssl([
    'req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-subj', `/CN=${name}`, '-keyout', keyFile, '-out', csr,
  ]); // prettier-ignore
  writeFileSync(ext, `subjectAltName=${altNames}\nextendedKeyUsage=serverAuth\n`);
  openssl([
    'x509', '-req', '-in', csr, '-CA', signer.cert, '-CAkey', signer.key, '-CAcreateserial',
    '-days', '1', '-extfile', ext, '-out', certFile,
  ]); // prettier-ignore
  return { certFile, keyFile, pem: readFileSync(certFile, 'utf8') };
}

/** Generates with `openssl` into `dir`: a test CA, another CA, and the three server certificates. */
export function makeTestCertificates(dir: string): TestCertificates {
  const ca = authority(dir, 'ca');
  const other = authority(dir, 'other-ca');
  const local = 'IP:127.0.0.1,DNS:localhost';
  return {
    dir,
    ca: readFileSync(ca.cert, 'utf8'),
    caFile: ca.cert,
    otherAuthority: readFileSync(other.cert, 'utf8'),
    right: serverCertificate(dir, 'right', ca, local),
    wrongName: serverCertificate(dir, 'wrong-name', ca, 'DNS:db.elsewhere.invalid'),
    otherCa: serverCertificate(dir, 'other-ca-server', other, local),
  };
}
