/**
 * The local mesh's throwaway certificate authority: a self-signed CA created for one run and
 * one workload certificate per instance with its SPIFFE identity as URI SAN
 * (spiffe://<trust domain>/ns/<namespace>/sa/<service account>), written in cert-manager's
 * Secret layout (tls.crt, tls.key, ca.crt) — what the weft target's Certificate resources make
 * cert-manager write in a cluster. ECDSA P-256 on WebCrypto via @peculiar/x509.
 * @see https://cert-manager.io/docs/usage/certificate/
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 86_400_000;

export interface CertificateFiles {
  certFile: string;
  keyFile: string;
  caFile: string;
}

function pemKey(der: ArrayBuffer): string {
  return `-----BEGIN PRIVATE KEY-----\n${Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').trim()}\n-----END PRIVATE KEY-----\n`;
}

/** A certificate, its key and the CA that issued it, as PEM text. */
export interface IssuedPem {
  cert: string;
  key: string;
  ca: string;
}

/** Subject alternative names of a certificate: SPIFFE ids (URI) for workloads, DNS names for gateway servers. */
export interface SubjectAltNames {
  uris?: string[];
  dnsNames?: string[];
}

export class LocalCa {
  private serial = 2;

  private constructor(
    private readonly keys: webcrypto.CryptoKeyPair,
    private readonly cert: x509.X509Certificate,
  ) {}

  static async create(name = 'weft local mesh CA (throwaway)'): Promise<LocalCa> {
    const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: '01',
      name: `CN=${name}`,
      notBefore: new Date(Date.now() - DAY),
      notAfter: new Date(Date.now() + 7 * DAY),
      keys,
      signingAlgorithm: ALG,
      extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)],
    });
    return new LocalCa(keys, cert);
  }

  get pem(): string {
    return `${this.cert.toString('pem')}\n`;
  }

  /** Issues a workload certificate for `uri` into `dir` (tls.crt, tls.key, ca.crt). */
  async issue(uri: string, dir: string): Promise<CertificateFiles> {
    return this.issueFiles({ uris: [uri] }, dir);
  }

  /**
   * Issues a certificate for `sans` into `dir` in the layout of a `kubernetes.io/tls` Secret
   * (tls.crt, tls.key, ca.crt): a gateway server's certificate for its hosts, or a client's.
   */
  async issueFiles(sans: SubjectAltNames, dir: string): Promise<CertificateFiles> {
    const issued = await this.issuePem(sans);
    mkdirSync(dir, { recursive: true });
    const files = { certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key'), caFile: join(dir, 'ca.crt') };
    writeFileSync(files.keyFile, issued.key, { mode: 0o600 });
    writeFileSync(files.certFile, issued.cert);
    writeFileSync(files.caFile, issued.ca);
    return files;
  }

  /**
   * A certificate for `sans`, usable for server and client auth, valid 7 days (`expired`: ended a
   * day ago — tests of rejection).
   */
  async issuePem(sans: SubjectAltNames, opts: { expired?: boolean } = {}): Promise<IssuedPem> {
    const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const names = [...(sans.uris ?? []).map((value) => ({ type: 'url' as const, value })), ...(sans.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value }))];
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: (this.serial++).toString(16).padStart(2, '0'),
      subject: 'O=weft-local',
      issuer: this.cert.subject,
      notBefore: new Date(Date.now() - 2 * DAY),
      notAfter: new Date(Date.now() + (opts.expired ? -DAY : 7 * DAY)),
      signingKey: this.keys.privateKey,
      publicKey: keys.publicKey,
      signingAlgorithm: ALG,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
        new x509.SubjectAlternativeNameExtension(names),
      ],
    });
    return { cert: `${cert.toString('pem')}\n`, key: pemKey(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)), ca: this.pem };
  }
}
