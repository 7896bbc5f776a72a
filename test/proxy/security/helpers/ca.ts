/**
 * A throwaway certificate authority for tests, built with @peculiar/x509 on WebCrypto: a
 * self-signed CA and workload certificates with SPIFFE URI SANs, written in cert-manager's
 * Secret layout (tls.crt, tls.key, ca.crt) into a temp directory.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

type KeyPair = webcrypto.CryptoKeyPair;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 86_400_000;
let serial = 1;

export interface Issued {
  cert: string;
  key: string;
  ca: string;
}

function pemKey(der: ArrayBuffer): string {
  return `-----BEGIN PRIVATE KEY-----\n${Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').trim()}\n-----END PRIVATE KEY-----\n`;
}

export class TestCa {
  private constructor(
    private readonly keys: KeyPair,
    readonly cert: x509.X509Certificate,
  ) {}

  get pem(): string {
    return this.cert.toString('pem') + '\n';
  }

  static async create(name = 'weft-test-ca'): Promise<TestCa> {
    const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as KeyPair;
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: (serial++).toString(16).padStart(2, '0'),
      name: `CN=${name}`,
      notBefore: new Date(Date.now() - DAY),
      notAfter: new Date(Date.now() + 30 * DAY),
      keys,
      signingAlgorithm: ALG,
      extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)],
    });
    return new TestCa(keys, cert);
  }

  /** A workload certificate with the given URI SAN(s). `expired` puts notAfter in the past. */
  async issue(uris: string[], opts: { expired?: boolean } = {}): Promise<Issued> {
    const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as KeyPair;
    const notAfter = opts.expired ? new Date(Date.now() - DAY) : new Date(Date.now() + DAY);
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: (serial++).toString(16).padStart(2, '0'),
      subject: 'O=weft-test',
      issuer: this.cert.subject,
      notBefore: new Date(Date.now() - 2 * DAY),
      notAfter,
      signingKey: this.keys.privateKey,
      publicKey: keys.publicKey,
      signingAlgorithm: ALG,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
        new x509.SubjectAlternativeNameExtension(uris.map((value) => ({ type: 'url' as const, value }))),
      ],
    });
    return { cert: cert.toString('pem') + '\n', key: pemKey(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)), ca: this.pem };
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
