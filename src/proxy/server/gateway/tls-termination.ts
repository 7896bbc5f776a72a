/**
 * TLS termination of a gateway server (Istio `ServerTLSSettings`): a plain TCP server whose
 * connections complete a TLS handshake with the server certificate before the HTTP listener
 * sees them, as SecureInbound does for mesh mTLS — the listener receives the TLSSocket as if it
 * had accepted it itself.
 * - SIMPLE: the server proves its certificate; clients present none.
 * - MUTUAL: the client must present a certificate that chains to the server's CA file and is
 *   within its validity; others fail the handshake (Envoy `require_client_certificate`).
 * The certificate files are polled (CertificateWatcher): a renewed Secret applies to the next
 * handshake; open connections keep their session.
 * @see https://istio.io/latest/docs/reference/config/networking/gateway/#ServerTLSSettings-TLSmode
 * @see https://istio.io/latest/docs/tasks/traffic-management/ingress/secure-ingress/
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Server as TlsServer, TLSSocket } from 'node:tls';
import { tlsModule } from '../../builtins-on-demand';
import type { GatewayServerConfig } from '../../config/gateway-schema';
import type { CertificateMaterial, CertificateWatcher } from '../../security/certificate-files';
import { listenOn } from '../listen';

export interface TlsTerminationStats {
  /** Handshakes completed. */
  accepted: number;
  /** Handshakes failed (no or untrusted client certificate under MUTUAL, protocol errors, timeouts). */
  rejected: number;
}

const HANDSHAKE_TIMEOUT_MS = 10_000;

export class TlsTermination {
  readonly server: Server;
  readonly stats: TlsTerminationStats = { accepted: 0, rejected: 0 };
  private readonly tls: TlsServer;
  private readonly sockets = new Set<Socket>();
  private material: CertificateMaterial;

  constructor(
    private readonly config: GatewayServerConfig & { tls: NonNullable<GatewayServerConfig['tls']> },
    private readonly certificates: CertificateWatcher,
    deliver: (socket: Socket) => void,
  ) {
    this.material = certificates.material;
    const mutual = config.tls.mode === 'MUTUAL';
    this.tls = tlsModule().createServer({
      ...this.contextOptions(this.material),
      requestCert: mutual,
      rejectUnauthorized: mutual,
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
      ALPNProtocols: config.http2 ? ['h2', 'http/1.1'] : ['http/1.1'],
    });
    this.tls.on('tlsClientError', (_error, socket) => {
      this.stats.rejected++;
      socket.destroy();
    });
    this.tls.on('secureConnection', (socket: TLSSocket) => {
      this.stats.accepted++;
      socket.on('error', () => socket.destroy());
      deliver(socket as unknown as Socket);
    });
    this.server = createServer({ noDelay: true }, (raw) => {
      this.sockets.add(raw);
      raw.once('close', () => this.sockets.delete(raw));
      raw.on('error', () => raw.destroy());
      this.handshake(raw);
    });
  }

  private contextOptions(m: CertificateMaterial): { cert: string; key: string; ca?: string; minVersion: 'TLSv1.2' } {
    return { cert: m.cert, key: m.key, ...(this.config.tls.mode === 'MUTUAL' ? { ca: m.ca } : {}), minVersion: 'TLSv1.2' };
  }

  private handshake(raw: Socket): void {
    const current = this.certificates.material;
    if (current !== this.material) {
      this.material = current;
      this.tls.setSecureContext(this.contextOptions(current));
    }
    this.tls.emit('connection', raw);
  }

  listen(): Promise<number> {
    return listenOn(this.server, `gateway:${this.config.name}`, this.config.host, this.config.port);
  }

  /** Stops accepting; `force` also closes the open connections. */
  close(force: boolean): Promise<void> {
    const closed = new Promise<void>((r) => this.server.close(() => r()));
    if (force) for (const s of this.sockets) s.destroy();
    return closed;
  }
}
