/**
 * The workload's certificate material, read from the files cert-manager (or csi-driver / a
 * mounted Secret) maintains — `tls.crt`, `tls.key`, `ca.crt` — and re-read when they change.
 * Kubernetes updates a Secret volume by swapping a `..data` symlink, which inotify-based
 * watchers miss, so the files are polled (stat + content compare) every `pollIntervalMs`. A
 * changed set is parsed into a new SecureContext before it replaces the old one: a torn write
 * (new cert, old key) fails to parse and the previous context keeps serving until the next poll.
 * Connections already open keep their session; new handshakes use the new context — that is
 * how a rotation happens without failing an in-flight request.
 * @see https://cert-manager.io/docs/usage/certificate/#target-secret
 */
import { readFileSync, statSync } from 'node:fs';
import type { SecureContext } from 'node:tls';
import type { X509Certificate } from 'node:crypto';
import type { CertificateFiles } from '../config/security-schema';
import { CertificateLoadError } from './errors';
import { spiffeIdOf, type SpiffeId } from './spiffe';
import { cryptoModule, tlsModule } from '../builtins-on-demand';

export interface CertificateMaterial {
  cert: string;
  key: string;
  ca: string;
  /** Identity of this workload (from its own certificate), null when it carries no SPIFFE id. */
  identity: SpiffeId | null;
  notAfter: Date;
  context: SecureContext;
}

function read(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new CertificateLoadError(file, error);
  }
}

/** The files of a certificate; `caFile` is optional for a server that verifies no client certificate (a gateway's SIMPLE TLS). */
export type CertificateFileSet = Pick<CertificateFiles, 'certFile' | 'keyFile' | 'pollIntervalMs'> & { caFile?: string | undefined };

export function loadCertificateMaterial(files: Omit<CertificateFileSet, 'pollIntervalMs'>): CertificateMaterial {
  const cert = read(files.certFile);
  const key = read(files.keyFile);
  const ca = files.caFile === undefined ? '' : read(files.caFile);
  let context: SecureContext;
  let leaf: X509Certificate;
  try {
    leaf = new (cryptoModule().X509Certificate)(cert);
  } catch (error) {
    throw new CertificateLoadError(files.certFile, error);
  }
  try {
    // createSecureContext checks that the key matches the certificate.
    context = tlsModule().createSecureContext({ cert, key, ...(ca ? { ca } : {}), minVersion: 'TLSv1.2' });
  } catch (error) {
    throw new CertificateLoadError(files.keyFile, error);
  }
  return { cert, key, ca, identity: spiffeIdOf({ subjectaltname: leaf.subjectAltName ?? '' }), notAfter: new Date(leaf.validTo), context };
}

function fingerprint(files: CertificateFileSet): string {
  return [files.certFile, files.keyFile, files.caFile]
    .map((f) => {
      if (f === undefined) return 'none';
      try {
        const s = statSync(f);
        return `${s.mtimeMs}:${s.size}:${s.ino}`;
      } catch {
        return 'missing';
      }
    })
    .join('|');
}

export interface CertificateWatcherEvents {
  onRotate?(material: CertificateMaterial): void;
  onError?(error: CertificateLoadError): void;
}

export class CertificateWatcher {
  private current: CertificateMaterial;
  private stamp: string;
  private timer: NodeJS.Timeout | null = null;
  rotations = 0;
  failures = 0;

  /** Throws CertificateLoadError when the first load fails: the proxy must not start without identity. */
  constructor(
    private readonly files: CertificateFileSet,
    private readonly events: CertificateWatcherEvents = {},
  ) {
    this.stamp = fingerprint(files);
    this.current = loadCertificateMaterial(files);
  }

  get material(): CertificateMaterial {
    return this.current;
  }

  start(): this {
    this.timer = setInterval(() => this.poll(), this.files.pollIntervalMs);
    this.timer.unref();
    return this;
  }

  /** Checks the files once (the timer calls this; tests may too). */
  poll(): boolean {
    const stamp = fingerprint(this.files);
    if (stamp === this.stamp) return false;
    try {
      const next = loadCertificateMaterial(this.files);
      const changed = next.cert !== this.current.cert || next.key !== this.current.key || next.ca !== this.current.ca;
      this.stamp = stamp;
      if (!changed) return false;
      this.current = next;
      this.rotations++;
      this.events.onRotate?.(next);
      return true;
    } catch (error) {
      // Keep the stamp unchanged so that the next poll retries (a half-written rotation).
      this.failures++;
      this.events.onError?.(error as CertificateLoadError);
      return false;
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
