/**
 * The HTTP/1.1 listener shared by the inbound and outbound sides: a node:net server whose
 * connections run the proxy's own codec (http1/connection.ts) — no node:http server on the data
 * path. Each request becomes an Exchange and an Http1ResponseWriter and runs through
 * `serveExchange`. Counts requests in flight for graceful drain. Malformed client traffic is
 * answered by the codec with 400/405/408/431/501/505 and the connection closed; the listener
 * carries on.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { listenOn } from './listen';
import type { Exchange } from '../exchange';
import type { ListenerKind, ListenerRuntime, Runtime } from '../runtime';
import type { ProxyConfig } from '../config/schema';
import { Http1Connection, type Http1Host } from './http1/connection';
import type { ListenerHooks } from './serve';
import { Http2Front } from './h2/front';
import { detectHttp2 } from './h2/sniff';
import { openTunnel } from './connect/tunnel';
import type { TcpProxy } from './tcp/tcp-proxy';
import { DeadlineList } from '../pipeline/deadline-list';

export class HttpListener implements ListenerRuntime, Http1Host {
  readonly server: Server;
  inflight = 0;
  draining = false;
  clientErrors = 0;
  private readonly connections = new Set<Http1Connection>();
  private drainWaiters: Array<() => void> = [];

  /** Listener name in metrics and bind errors: the kind, or `gateway:<server>`. */
  readonly label: string;
  private readonly acceptsHttp2: (config: ProxyConfig) => boolean;

  constructor(
    readonly kind: ListenerKind,
    private readonly current: () => Runtime,
    readonly hooks: ListenerHooks,
    /** A gateway server's own name and HTTP/2 setting (gateway listeners only). */
    gateway?: { name: string; http2: boolean },
    /** A further inbound listener's name (listeners.inboundPorts); absent for the first one. */
    inboundPort?: string,
  ) {
    this.label = gateway ? `gateway:${gateway.name}` : inboundPort !== undefined ? `inbound:${inboundPort}` : kind;
    this.acceptsHttp2 = gateway
      ? () => gateway.http2
      : inboundPort !== undefined
        ? (c) => c.listeners.inboundPorts.find((p) => p.name === inboundPort)?.http2 ?? false
        : (c) => (kind === 'inbound' ? c.listeners.inbound?.http2 : c.listeners.outbound?.http2) ?? false;
    // allowHalfOpen: a client may send its requests and then FIN (shutdown(SHUT_WR)); the
    // responses still go out, then the connection closes (connection.ts onEnd).
    this.server = createServer({ noDelay: true, allowHalfOpen: true }, this.accept);
  }

  private readonly accept = (socket: Socket): void => {
    if (this.draining) {
      socket.destroy();
      return;
    }
    const config = this.current().config;
    if (this.acceptsHttp2(config)) this.sniff(socket, config.http.requestHeadersTimeoutMs);
    else this.serveHttp1(socket);
  };

  /** TCP routes reachable through CONNECT on this listener (outbound only; set by the proxy). */
  tcpTunnels?: (name: string) => TcpProxy | undefined;
  /** Undeclared authorities tunnelled as asked (outbound with `passthrough`; set by the proxy). */
  passthrough?: (socket: Socket, authority: string) => void;

  /** CONNECT on the outbound listener (server/connect/tunnel.ts); other listeners answer 405. */
  tunnelFor(authority: string): ((socket: Socket) => void) | null | undefined {
    return this.kind === 'outbound' ? openTunnel(this, this.current(), authority) : undefined;
  }

  /** A CONNECT tunnel's socket, served as a new connection: HTTP/2 with prior knowledge (gRPC) or HTTP/1.1. */
  acceptTunneled(socket: Socket): void {
    if (this.draining) return void socket.destroy();
    this.sniff(socket, this.current().config.http.requestHeadersTimeoutMs);
    socket.resume();
  }

  private sniff(socket: Socket, timeoutMs: number): void {
    // HTTP/2 with prior knowledge or by ALPN goes to the HTTP/2 codec (server/h2/front.ts).
    detectHttp2(socket, timeoutMs, (isH2) => {
      // HTTP/2 takes the socket over (and reads the bytes put back); HTTP/1.1 reads in JS again.
      if (isH2) (this.h2 ??= new Http2Front(this)).accept(socket);
      else {
        this.serveHttp1(socket);
        socket.resume();
      }
    });
  }

  /** HTTP/2 streams of this listener (created on the first HTTP/2 connection). */
  private h2: Http2Front | null = null;

  private serveHttp1(socket: Socket): void {
    // Codec limits are read per connection: a reload applies to new connections.
    this.connections.add(new Http1Connection(socket, this, this.current().config.http));
  }

  // ---- Http1Host ----

  runtime(): Runtime {
    return this.current();
  }

  clientError(): void {
    this.clientErrors++;
  }

  inflightStarted(): void {
    this.inflight++;
  }

  /** Idle connections by idle timeout (one list per duration; a reload may change it for new connections). */
  private readonly idleLists = new Map<number, DeadlineList>();

  idleDeadlines(ms: number): DeadlineList {
    let list = this.idleLists.get(ms);
    if (list === undefined) this.idleLists.set(ms, (list = new DeadlineList(ms)));
    return list;
  }

  connectionClosed(c: Http1Connection): void {
    this.connections.delete(c);
  }

  finish(ex: Exchange): void {
    this.inflight--;
    ex.runtime.observe(ex);
    if (this.inflight === 0 && this.drainWaiters.length > 0) {
      const w = this.drainWaiters;
      this.drainWaiters = [];
      for (const f of w) f();
    }
  }

  listen(host: string, port: number): Promise<number> {
    return listenOn(this.server, this.label, host, port);
  }

  /**
   * Graceful drain: stop accepting, close idle keep-alive connections, answer requests still
   * running with `connection: close`, and resolve when none is left or the budget is spent
   * (then the remaining connections are closed).
   */
  async drain(timeoutMs: number): Promise<void> {
    this.draining = true;
    const closed = new Promise<void>((r) => this.server.close(() => r()));
    for (const c of this.connections) if (c.idle) c.close();
    if (this.inflight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        timer.unref();
        this.drainWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    for (const c of this.connections) c.close();
    if (timeoutMs === 0) this.h2?.destroy();
    else this.h2?.close();
    await closed;
  }
}
