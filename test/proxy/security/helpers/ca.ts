/**
 * A throwaway certificate authority for tests: the local mesh's LocalCa (src/local/ca.ts, on
 * @peculiar/x509 + WebCrypto), so tests and `weft up` issue certificates the same way. Workload
 * certificates carry SPIFFE URI SANs, gateway server certificates DNS SANs; writeCertDir puts a
 * set in cert-manager's Secret layout (tls.crt, tls.key, ca.crt) in a temp directory.
 */
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalCa, type IssuedPem } from '../../../../src/local/ca';

export type Issued = IssuedPem;

export class TestCa {
  private constructor(private readonly ca: LocalCa) {}

  get pem(): string {
    return this.ca.pem;
  }

  static async create(name = 'weft-test-ca'): Promise<TestCa> {
    return new TestCa(await LocalCa.create(name));
  }

  /** A workload certificate with the given URI SAN(s). `expired` puts notAfter in the past. */
  issue(uris: string[], opts: { expired?: boolean } = {}): Promise<Issued> {
    return this.ca.issuePem({ uris }, opts);
  }

  /** A server certificate for DNS names (a gateway's hosts). */
  issueServer(dnsNames: string[], opts: { expired?: boolean } = {}): Promise<Issued> {
    return this.ca.issuePem({ dnsNames }, opts);
  }
}

/** Writes an issued set as tls.crt/tls.key/ca.crt; later writes replace atomically (rename), as kubelet's symlink swap does. */
export function writeCertDir(issued: Issued, dir = mkdtempSync(join(tmpdir(), 'weft-certs-'))): { dir: string; certFile: string; keyFile: string; caFile: string } {
  const files = { certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key'), caFile: join(dir, 'ca.crt') };
  for (const [file, text] of [
    [files.keyFile, issued.key],
    [files.certFile, issued.cert],
    [files.caFile, issued.ca],
  ] as const) {
    writeFileSync(`${file}.tmp`, text);
    renameSync(`${file}.tmp`, file);
  }
  return { dir, ...files };
}

export const spiffe = (ns: string, sa: string, td = 'cluster.local') => `spiffe://${td}/ns/${ns}/sa/${sa}`;
