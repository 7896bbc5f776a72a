/**
 * The keep-alive HTTP/1.1 connection pool of one upstream endpoint, on raw sockets (no undici on
 * the data path). One request per connection at a time, like Envoy's HTTP/1.1 pool; idle
 * connections are reused last-in-first-out, so the warmest socket serves next and surplus
 * sockets age out after `idleTimeoutMs`. Concurrency is bounded by the service's circuit breaker
 * (pipeline/attempt.ts), not here.
 *
 * `maxRequestsPerConnection: N` (Istio; Envoy max_requests_per_connection) allows exactly N
 * requests on a connection: the Nth goes out with `connection: close` and the connection is not
 * reused, so 1 disables keep-alive.
 */
import { connect as netConnect, type Socket } from 'node:net';
import type { ConnectionPoolConfig } from '../config/schema';
import { UpstreamConnectTimeoutError, UpstreamPoolClosedError } from '../errors';
import { NOTHING_TO_ABORT, type Handler } from '../pipeline/types';
import type { Connector } from '../security/upstream-connector';
import { UPSTREAM_READ_BUFFER, UpstreamConnection, type UpstreamRequest } from './http1-upstream';
import { monotonicMs } from '../clock';

export type { UpstreamRequest } from './http1-upstream';

export class Http1Pool {
  private readonly idle: UpstreamConnection[] = [];
  /**
   * Connections serving a request. Each knows its slot (`poolSlot`), so that leaving is a swap
   * with the last one: a Set going between zero and one entries on every request re-allocated
   * its table on each delete (V8 shrinks an ordered hash table that empties out) — 121 bytes per
   * request in the proxy's allocation profile.
   */
  private readonly busy: UpstreamConnection[] = [];
  private closing: (() => void) | null = null;
  /**
   * One timer per pool for idle expiry, armed for the longest-idle connection (`idle[0]`: reuse
   * is LIFO from the end, so the list stays in parking order). It replaces a socket timeout per
   * connection, which Node refreshes (a timer-list re-insert) on every read and write of every
   * request; this one is re-armed about once per idle timeout.
   */
  private idleTimer: NodeJS.Timeout | null = null;
  private closed = false;
  /** Connections opened over the pool's life (tests, /clusters). */
  opened = 0;

  constructor(
    private readonly host: string,
    private readonly port: number,
    readonly label: string,
    private readonly options: ConnectionPoolConfig,
    private readonly connector?: Connector,
  ) {}

  get size(): number {
    return this.idle.length + this.busy.length;
  }

  /** Sends one request; the handler sees onConnect at once, then exactly one of onComplete/onError. */
  dispatch(req: UpstreamRequest, handler: Handler): void {
    if (this.closed) {
      handler.onConnect(NOTHING_TO_ABORT);
      handler.onError(new UpstreamPoolClosedError(this.label));
      return;
    }
    let conn: UpstreamConnection | undefined;
    while ((conn = this.idle.pop()) !== undefined && !conn.reusable) conn.destroy();
    if (conn === undefined) conn = this.open();
    conn.poolSlot = this.busy.length;
    this.busy.push(conn);
    const max = this.options.maxRequestsPerConnection;
    conn.send(req, handler, max !== undefined && conn.requests + 1 >= max);
  }

  private open(): UpstreamConnection {
    this.opened++;
    const conn = new UpstreamConnection(this.label, this.release);
    const ms = this.options.connectTimeoutMs;
    if (this.connector) {
      this.connector({ hostname: this.host, port: this.port }, (error, socket) => conn.connected(error, socket));
      return conn;
    }
    // Reads go straight into the shared upstream read buffer (cluster/http1-upstream.ts).
    const socket: Socket = netConnect({ host: this.host, port: this.port, noDelay: true, onread: { buffer: UPSTREAM_READ_BUFFER, callback: conn.onRead } });
    const timer = setTimeout(() => socket.destroy(new UpstreamConnectTimeoutError(this.label, ms)), ms);
    const settle = (error: Error | null): void => {
      clearTimeout(timer);
      socket.off('connect', onConnect);
      socket.off('error', onError);
      conn.connected(error, error ? null : socket, true);
    };
    const onConnect = (): void => settle(null);
    const onError = (e: Error): void => settle(e);
    socket.once('connect', onConnect);
    socket.once('error', onError);
    return conn;
  }

  /** Called by a connection when its exchange ended; `keep` = it may serve another request. */
  private readonly release = (conn: UpstreamConnection, keep: boolean): void => {
    this.leaveBusy(conn);
    if (keep && !this.closed) {
      conn.parkedAt = monotonicMs();
      conn.park(this.evict);
      this.idle.push(conn);
      if (this.idleTimer === null) this.armIdleTimer(this.options.idleTimeoutMs);
    } else conn.destroy();
    if (this.closing && this.busy.length === 0) this.closing();
  };

  private leaveBusy(conn: UpstreamConnection): void {
    const slot = conn.poolSlot;
    if (slot < 0) return;
    conn.poolSlot = -1;
    const last = this.busy.pop()!;
    if (last !== conn) {
      this.busy[slot] = last;
      last.poolSlot = slot;
    }
  }

  private armIdleTimer(ms: number): void {
    this.idleTimer = setTimeout(this.expireIdle, Math.max(1, Math.ceil(ms)));
    this.idleTimer.unref();
  }

  /** Closes the connections idle for `idleTimeoutMs` or longer, then re-arms for the next one. */
  private readonly expireIdle = (): void => {
    this.idleTimer = null;
    const now = monotonicMs();
    const ms = this.options.idleTimeoutMs;
    let expired = 0;
    while (expired < this.idle.length && now - this.idle[expired]!.parkedAt >= ms) expired++;
    for (const c of this.idle.splice(0, expired)) c.destroy();
    if (this.idle.length > 0 && !this.closed) this.armIdleTimer(this.idle[0]!.parkedAt + ms - now);
  };

  private readonly evict = (conn: UpstreamConnection): void => {
    const i = this.idle.indexOf(conn);
    if (i !== -1) this.idle.splice(i, 1);
    conn.destroy();
  };

  /** Graceful: idle connections close now, busy ones after their request. */
  close(): Promise<void> {
    this.closed = true;
    this.stopIdleTimer();
    for (const c of this.idle.splice(0)) c.destroy();
    if (this.busy.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.closing = resolve;
    });
  }

  /** Immediate: every connection is destroyed; requests in flight fail with a reset. */
  destroy(): Promise<void> {
    this.closed = true;
    this.stopIdleTimer();
    for (const c of this.idle.splice(0)) c.destroy();
    for (const c of this.busy.splice(0)) {
      c.poolSlot = -1;
      c.destroy();
    }
    this.closing?.();
    return Promise.resolve();
  }

  private stopIdleTimer(): void {
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }
}
