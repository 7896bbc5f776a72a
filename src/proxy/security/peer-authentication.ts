/**
 * The inbound transport of a workload with Istio's PeerAuthentication modes:
 * - STRICT: every connection must complete a TLS handshake with a client certificate that
 *   chains to the mesh CA, is within its validity, and carries a SPIFFE id of the trust domain;
 *   anything else — plaintext included — is closed before a byte reaches the HTTP parser.
 * - PERMISSIVE: the first byte tells TLS (a handshake record, 0x16) from plaintext; TLS
 *   connections are held to the STRICT rules, plaintext ones pass without identity.
 * - DISABLE: plaintext only; nothing is inspected.
 * The accepted socket (the TLSSocket for mTLS) is handed to the HTTP server with the verified
 * principal, which is the only source of the caller's identity: `x-weft-peer` is trusted only on
 * a verified connection and removed on others.
 * @see https://istio.io/latest/docs/reference/config/security/peer_authentication/
 */
import type { Socket } from 'node:net';
import type { Server, TLSSocket } from 'node:tls';
import { tlsModule } from '../builtins-on-demand';
import type { CertificateMaterial, CertificateWatcher } from './certificate-files';
import { principalOf, spiffeIdOf } from './spiffe';

export type MtlsMode = 'STRICT' | 'PERMISSIVE' | 'DISABLE';

export interface PeerAuthStats {
  /** Connections accepted with a verified peer certificate. */
  mtls: number;
  plaintext: number;
  /** Connections closed: plaintext under STRICT, failed handshakes, foreign or missing SPIFFE ids. */
  rejected: number;
}

/** The verified principal of a connection handed to the HTTP server ('' = plaintext). */
const principals = new WeakMap<object, string>();

export function connectionPrincipal(socket: object | null | undefined): string {
  return (socket && principals.get(socket)) ?? '';
}

const TLS_HANDSHAKE = 0x16;

export class PeerAuthenticator {
  readonly stats: PeerAuthStats = { mtls: 0, plaintext: 0, rejected: 0 };
  /** Node's TLS server does the handshake and the chain/validity check (rejectUnauthorized); it never listens itself. */
  private readonly tlsServer: Server | null = null;
  private material: CertificateMaterial | null = null;

  constructor(
    private readonly mode: MtlsMode,
    private readonly certificates: CertificateWatcher | null,
    private readonly trustDomain: string,
    private readonly deliver: (socket: Socket) => void,
    /** How long a connection may take to send its first byte / finish its handshake. */
    private readonly handshakeTimeoutMs = 10_000,
    /** Offer h2 by ALPN (the listener serves HTTP/2). */
    http2 = false,
  ) {
    if (mode === 'DISABLE' || certificates === null) return;
    this.material = certificates.material;
    this.tlsServer = tlsModule().createServer({
      cert: this.material.cert,
      key: this.material.key,
      ca: this.material.ca,
      minVersion: 'TLSv1.2',
      requestCert: true,
      rejectUnauthorized: true,
      handshakeTimeout: handshakeTimeoutMs,
      ALPNProtocols: http2 ? ['h2', 'http/1.1'] : ['http/1.1'],
    });
    this.tlsServer.on('tlsClientError', (_error, socket) => {
      this.stats.rejected++;
      socket.destroy();
    });
    this.tlsServer.on('secureConnection', (tls: TLSSocket) => {
      const id = spiffeIdOf(tls.getPeerCertificate());
      if (!tls.authorized || id === null || id.trustDomain !== this.trustDomain.toLowerCase()) {
        this.stats.rejected++;
        tls.destroy();
        return;
      }
      tls.on('error', () => tls.destroy());
      principals.set(tls, principalOf(id));
      this.stats.mtls++;
      this.deliver(tls as unknown as Socket);
    });
  }

  accept(socket: Socket): void {
    if (this.tlsServer === null) {
      this.stats.plaintext++;
      this.deliver(socket);
      return;
    }
    if (this.mode === 'STRICT') {
      this.handshake(socket);
      return;
    }
    socket.setTimeout(this.handshakeTimeoutMs, () => socket.destroy());
    socket.once('data', (chunk: Buffer) => {
      socket.pause();
      socket.unshift(chunk);
      socket.setTimeout(0);
      if (chunk[0] === TLS_HANDSHAKE) this.handshake(socket);
      else {
        this.stats.plaintext++;
        this.deliver(socket);
        socket.resume();
      }
    });
    socket.once('error', () => socket.destroy());
  }

  private handshake(raw: Socket): void {
    // A rotated certificate applies from the next handshake on; open connections keep theirs.
    const current = this.certificates!.material;
    if (current !== this.material) {
      this.material = current;
      this.tlsServer!.setSecureContext({ cert: current.cert, key: current.key, ca: current.ca, minVersion: 'TLSv1.2' });
    }
    this.tlsServer!.emit('connection', raw);
  }
}
