/**
 * The inbound listening socket when mTLS is on (STRICT or PERMISSIVE): a plain TCP server whose
 * connections go through the PeerAuthenticator before the HTTP server sees them. The HTTP server
 * is the inbound listener's own; it receives each accepted connection (the TLSSocket for mTLS)
 * as if it had accepted it itself, so the data path is the same for both transports.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import type { MtlsConfig } from '../config/security-schema';
import { listenOn } from '../server/listen';
import type { CertificateWatcher } from './certificate-files';
import { PeerAuthenticator } from './peer-authentication';

export class SecureInbound {
  readonly server: Server;
  readonly auth: PeerAuthenticator;
  private readonly sockets = new Set<Socket>();

  /** `label`: the listener's name in bind errors. */
  constructor(mtls: MtlsConfig, certificates: CertificateWatcher, http: Pick<HttpServer, 'emit'>, http2 = false, private readonly label = 'inbound') {
    this.auth = new PeerAuthenticator(mtls.mode, certificates, mtls.trustDomain, (socket) => http.emit('connection', socket), 10_000, http2);
    this.server = createServer({ noDelay: true }, (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      this.auth.accept(socket);
    });
  }

  listen(host: string, port: number): Promise<number> {
    return listenOn(this.server, this.label, host, port);
  }

  /** Stops accepting; `force` also closes connections the HTTP server has not finished with. */
  close(force: boolean): Promise<void> {
    const closed = new Promise<void>((r) => this.server.close(() => r()));
    if (force) for (const s of this.sockets) s.destroy();
    return closed;
  }
}
