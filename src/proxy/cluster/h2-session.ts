/**
 * The HTTP/2 connection to one upstream endpoint (h2c, or h2 over mTLS with ALPN h2): one
 * multiplexed session, opened on first use, replaced when it closes, errs or receives GOAWAY —
 * requests already on the old session finish there. Envoy's HTTP/2 pool behaves alike (one
 * connection per host while streams are available).
 */
import type { ClientHttp2Session } from 'node:http2';
import type { ConnectionOptions } from 'node:tls';
import { http2Module, tlsModule } from '../builtins-on-demand';

export class H2Session {
  private session: ClientHttp2Session | null = null;
  private closed = false;

  constructor(
    private readonly host: string,
    private readonly port: number,
    /** TLS options for mTLS (identity, secure naming), read per connection so rotations apply; absent = h2c. */
    private readonly tls?: () => ConnectionOptions,
  ) {}

  /** The live session, connecting if needed. */
  get(): ClientHttp2Session {
    const s = this.session;
    if (s && !s.closed && !s.destroyed) return s;
    if (this.closed) throw new Error('endpoint closed');
    const bracketed = this.host.includes(':') ? `[${this.host}]` : this.host;
    const tls = this.tls;
    const session = tls
      ? http2Module().connect(`https://${bracketed}:${this.port}`, { createConnection: () => tlsModule().connect({ host: this.host, port: this.port, ...tls(), ALPNProtocols: ['h2'] }) })
      : http2Module().connect(`http://${bracketed}:${this.port}`);
    session.on('error', () => session.destroy());
    const forget = (): void => {
      if (this.session === session) this.session = null;
    };
    session.on('goaway', forget);
    session.on('close', forget);
    this.session = session;
    return session;
  }

  close(): void {
    this.closed = true;
    this.session?.close();
  }

  destroy(): void {
    this.closed = true;
    this.session?.destroy();
  }
}
