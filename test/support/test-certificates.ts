import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Certificates made at test time with openssl, for FHIR endpoints behind TLS (harness/fhir/endpoint.ts): a CA, a
 * server certificate it issued to `epj.example` only (so a client must send that server name), a client
 * certificate it issued, and a second CA that issued nothing the server holds. Files, with their PEM contents.
 */
export interface TestCertificates {
  dir: string;
  files: { ca: string; serverCert: string; serverKey: string; clientCert: string; clientKey: string; otherCa: string; otherKey: string };
  pem: { ca: Buffer; serverCert: Buffer; serverKey: Buffer };
  /** the name the server certificate is issued to */
  serverName: string;
  remove(): void;
}

const SERVER_NAME = 'epj.example';

export function makeTestCertificates(): TestCertificates {
  const dir = mkdtempSync(path.join(tmpdir(), 'epj-chaos-certs-'));
  const f = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const selfSignedCa = (key: string, cert: string, cn: string) =>
    openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${cn}`);
  const issue = (name: string, cn: string, extensions: string) => {
    writeFileSync(f(`${name}.ext`), extensions);
    openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f(`${name}-key.pem`), '-out', f(`${name}.csr`), '-subj', `/CN=${cn}`);
    openssl('x509', '-req', '-in', f(`${name}.csr`), '-CA', f('ca.pem'), '-CAkey', f('ca-key.pem'), '-CAcreateserial', '-out', f(`${name}.pem`), '-days', '2', '-extfile', f(`${name}.ext`));
  };
  selfSignedCa('ca-key.pem', 'ca.pem', 'epj-chaos test CA');
  selfSignedCa('other-ca-key.pem', 'other-ca.pem', 'another test CA');
  issue('server', SERVER_NAME, `subjectAltName=DNS:${SERVER_NAME}\nextendedKeyUsage=serverAuth\n`);
  issue('client', 'epj-chaos harness', 'extendedKeyUsage=clientAuth\n');
  const files = {
    ca: f('ca.pem'),
    serverCert: f('server.pem'),
    serverKey: f('server-key.pem'),
    clientCert: f('client.pem'),
    clientKey: f('client-key.pem'),
    otherCa: f('other-ca.pem'),
    otherKey: f('other-ca-key.pem'),
  };
  return {
    dir,
    files,
    pem: { ca: readFileSync(files.ca), serverCert: readFileSync(files.serverCert), serverKey: readFileSync(files.serverKey) },
    serverName: SERVER_NAME,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
