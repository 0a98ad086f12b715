// A throw-away certificate authority for TLS tests, made with openssl: a CA,
// a server certificate it signs for `host`, and an unrelated self-signed one.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface TestCertificates {
  dir: string
  /** Path of the CA certificate (for NODE_EXTRA_CA_CERTS). */
  caPem: string
  server: { key: Buffer; cert: Buffer }
  selfSigned: { key: Buffer; cert: Buffer }
  remove(): void
}

export function makeTestCertificates(host: string): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'nf-tls-'))
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' })
  }
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  openssl(
    'req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2',
    '-subj', '/CN=Northflank action test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign'
  ) // prettier-ignore
  openssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', `/CN=${host}`)
  writeFileSync(
    join(dir, 'ext.cnf'),
    `subjectAltName=DNS:${host},DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`
  )
  openssl(
    'x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key',
    '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf'
  ) // prettier-ignore
  openssl(
    'req', '-x509', ...ec, '-keyout', 'self.key', '-out', 'self.pem', '-days', '2',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'
  ) // prettier-ignore
  const read = (f: string): Buffer => readFileSync(join(dir, f))
  return {
    dir,
    caPem: join(dir, 'ca.pem'),
    server: { key: read('server.key'), cert: read('server.pem') },
    selfSigned: { key: read('self.key'), cert: read('self.pem') },
    remove: () => rmSync(dir, { recursive: true, force: true })
  }
}
