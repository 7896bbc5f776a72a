/**
 * The HTTP/1.1 server shared by the inbound and outbound listeners: turns each request into an
 * Exchange, resolves its route (through the `resolve` hook of the listener kind) and runs the
 * route's chain. Counts requests in flight for graceful drain. Malformed client traffic is
 * answered by Node's parser path with a 4xx and the connection closed; the listener carries on.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { DownstreamClosedError, ListenError } from '../errors';
import { Exchange } from '../exchange';
import type { CompiledRoute } from '../routing/route';
import type { ListenerRuntime, Runtime } from '../runtime';
import { applyTracing } from '../tracing';

export interface ListenerHooks {
  /** Adjust the request before routing (metadata headers). */
  prepare(ex: Exchange, rt: Runtime): void;
  /** The route for this request, or null for 404 NR. */
  resolve(ex: Exchange, rt: Runtime): CompiledRoute | null;
}

const NO_ROUTE = Buffer.from('no route');

export class HttpListener implements ListenerRuntime {
  readonly server: Server;
  inflight = 0;
  draining = false;
  clientErrors = 0;
  private drainWaiters: Array<() => void> = [];

  constructor(
    readonly kind: 'inbound' | 'outbound',
    private readonly runtime: () => Runtime,
    private readonly hooks: ListenerHooks,
  ) {
    this.server = createServer(
      {
        // Keep client connections open well beyond typical client pools (Envoy's idle timeout is 1h).
        keepAliveTimeout: 65_000,
        headersTimeout: 60_000,
        requestTimeout: 0,
      },
      this.handle,
    );
    this.server.on('clientError', this.onClientError);
    // CONNECT tunnels (TCP through the proxy) arrive in part 2; refuse them cleanly for now.
    this.server.on('connect', (_req: IncomingMessage, socket: Socket) => {
      this.clientErrors++;
      socket.end('HTTP/1.1 405 Method Not Allowed\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    });
  }

  private readonly onClientError = (error: NodeJS.ErrnoException, socket: Socket): void => {
    this.clientErrors++;
    if (!socket.writable || (socket as Socket & { _httpMessage?: unknown })._httpMessage) {
      socket.destroy();
      return;
    }
    const code = error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${code}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  };

  private readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    const rt = this.runtime();
    let ex: Exchange;
    try {
      ex = new Exchange(req, res, this, rt);
    } catch {
      // An unparseable absolute-form target: the request line is malformed.
      this.clientErrors++;
      res.writeHead(400, { 'content-length': '0', connection: 'close' }).end();
      return;
    }
    this.inflight++;
    res.once('close', () => {
      if (!res.writableFinished) ex.downstreamClosed(new DownstreamClosedError());
    });
    applyTracing(ex, rt.config.observability.tracing.samplingPercent);
    this.hooks.prepare(ex, rt);
    const route = this.hooks.resolve(ex, rt);
    if (route === null) {
      ex.addFlag('NR');
      ex.onConnect(() => {});
      ex.onHeaders(404, ['content-type', 'text/plain', 'content-length', String(NO_ROUTE.length)], () => {});
      ex.onData(NO_ROUTE);
      ex.onComplete();
      return;
    }
    ex.route = route;
    route.dispatch(ex, ex);
  };

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
    return new Promise((resolve, reject) => {
      const onError = (e: Error): void => reject(new ListenError(this.kind, `${host}:${port}`, e));
      this.server.once('error', onError);
      this.server.listen({ host, port }, () => {
        this.server.off('error', onError);
        const addr = this.server.address();
        resolve(typeof addr === 'object' && addr ? addr.port : port);
      });
    });
  }

  /**
   * Graceful drain: stop accepting, close idle keep-alive connections, answer requests still
   * running with `connection: close`, and resolve when none is left or the budget is spent
   * (then the remaining connections are closed).
   */
  async drain(timeoutMs: number): Promise<void> {
    this.draining = true;
    const closed = new Promise<void>((r) => this.server.close(() => r()));
    this.server.closeIdleConnections();
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
    this.server.closeAllConnections();
    await closed;
  }
}
