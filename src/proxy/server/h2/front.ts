/**
 * HTTP/2 on a listener: h2c with prior knowledge (the connection preface `PRI * HTTP/2.0`), and
 * h2 negotiated by ALPN on an mTLS connection. Each stream becomes an Exchange served by the same
 * `serveExchange` as HTTP/1.1, with an Http2ResponseWriter at the end of the chain; the request
 * body is the stream itself (backpressure by flow control). `:authority` travels as `host`,
 * pseudo-headers are dropped from the forwarded headers, and gRPC's `te: trailers` is kept
 * (h2-upstream.ts sends it on).
 * @see https://www.rfc-editor.org/rfc/rfc9113#section-3.4
 */
import type { Http2Server, IncomingHttpHeaders, ServerHttp2Session, ServerHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { http2Module } from '../../builtins-on-demand';
import { DownstreamClosedError } from '../../errors';
import { Exchange } from '../../exchange';
import { connectionPrincipal } from '../../security/peer-authentication';
import type { Http1Host } from '../http1/connection';
import { serveExchange } from '../serve';
import { Http2ResponseWriter } from './response-writer';

/** The client connection preface of HTTP/2 (RFC 9113 §3.4). */
export const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

export class Http2Front {
  private readonly server: Http2Server;
  private readonly sessions = new Set<ServerHttp2Session>();
  private readonly principals = new WeakMap<ServerHttp2Session, string>();
  private accepting = '';

  constructor(private readonly host: Http1Host) {
    this.server = http2Module().createServer({ maxSessionMemory: 10 });
    this.server.on('session', (s) => {
      // 'session' fires inside accept()'s emit: the connection's verified identity is known here.
      this.principals.set(s, this.accepting);
      this.sessions.add(s);
      s.on('close', () => this.sessions.delete(s));
      s.on('error', () => s.destroy());
    });
    this.server.on('stream', this.onStream);
  }

  /** Serves one connection that speaks HTTP/2 (preface seen, or ALPN h2). */
  accept(socket: Socket | TLSSocket): void {
    // session.socket is a proxy object, not the socket itself: carry the principal over explicitly.
    this.accepting = connectionPrincipal(socket);
    this.server.emit('connection', socket);
    this.accepting = '';
  }

  private readonly onStream = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void => {
    const rt = this.host.runtime();
    const socket = stream.session?.socket;
    const raw: string[] = [];
    for (const [name, value] of Object.entries(headers)) {
      if (name.charCodeAt(0) === 58 /* : */) continue;
      if (Array.isArray(value)) for (const v of value) raw.push(name, v);
      else if (value !== undefined) raw.push(name, String(value));
    }
    raw.push('host', String(headers[':authority'] ?? ''));
    const te = headers.te;
    let ex: Exchange;
    try {
      ex = new Exchange(
        { method: String(headers[':method'] ?? 'GET'), target: String(headers[':path'] ?? '/'), protocol: 'HTTP/2', rawHeaders: raw, clientAddress: socket?.remoteAddress ?? '', principal: (stream.session && this.principals.get(stream.session as ServerHttp2Session)) ?? '' },
        this.host,
        rt,
      );
    } catch {
      this.host.clientError();
      stream.respond({ ':status': 400 }, { endStream: true });
      return;
    }
    if (te === 'trailers') ex.headers.push('te', 'trailers');
    // Every stream may carry a body: its end is END_STREAM, not a length.
    if (!stream.readableEnded && !(stream as { endAfterHeaders?: boolean }).endAfterHeaders) {
      ex.setBody(stream);
      if (ex.bodyLength === 0) ex.bodyLength = -1;
    }
    const writer = new Http2ResponseWriter(ex, stream);
    this.host.inflightStarted();
    stream.once('close', () => {
      if (stream.rstCode !== 0 || !stream.writableFinished) writer.downstreamClosed(new DownstreamClosedError());
    });
    stream.on('error', () => undefined);
    serveExchange(ex, writer, this.host.hooks, rt);
  };

  /** Graceful: GOAWAY to every session, then close them. */
  close(): void {
    for (const s of this.sessions) s.close();
  }

  destroy(): void {
    for (const s of this.sessions) s.destroy();
  }
}
