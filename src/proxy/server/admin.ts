/**
 * The admin listener (Envoy's admin interface, trimmed to what operators and the verifier use):
 * - GET /ready        200 `ready` while serving; 503 `draining` during graceful drain, so the
 *                     kubelet stops sending traffic before the listeners close.
 * - GET /config_dump  the active config as loaded (defaults applied), its sha256 hash, when it
 *                     was loaded and the reload counters — proof of which config serves.
 * - GET /metrics      Prometheus text: Istio standard metrics plus weft_proxy_* internals.
 * - GET /clusters     endpoints per service with in-flight counts and outlier state.
 *
 * Served on `node:net` with the data path's strict request-head parser (../http1/), not
 * `node:http`: nothing else in the proxy needs Node's HTTP stack, and loading it costs 1 MB of
 * RSS on Node 20 and 1.4 MB on Node 24 (docs/performance.md#proxy-memory). The endpoints take no
 * request body; a request that has one is answered and its connection closed (its bytes are never
 * read as a next request). Keep-alive and pipelining are served in order, one request at a time.
 * @see https://www.envoyproxy.io/docs/envoy/latest/operations/admin
 */
import { createServer, type Server, type Socket } from 'node:net';
import { parseRequestHead } from '../http1/request-head';
import { findHeadEnd, HeadError } from '../http1/syntax';
import { reasonPhrase } from './http1/reason';
import { listenOn } from './listen';

export interface AdminSource {
  ready(): boolean;
  configDump(): unknown;
  metrics(): Promise<string>;
  clusters(): unknown;
}

interface AdminReply {
  status: number;
  type: string;
  body: string;
}

/** A request head larger than this is refused (431), as the data path's default limit. */
const MAX_HEAD_BYTES = 60 * 1024;
/** Envoy's default `max_headers_count`. */
const MAX_FIELDS = 100;
/** A connection silent this long (a slow head, or an idle keep-alive) is closed. */
const IDLE_TIMEOUT_MS = 10_000;

const text = (status: number, body: string): AdminReply => ({ status, type: 'text/plain', body });
const jsonReply = (value: unknown): AdminReply => ({ status: 200, type: 'application/json', body: JSON.stringify(value, null, 2) + '\n' });

export class AdminServer {
  readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly source: AdminSource) {
    this.server = createServer({ noDelay: true }, (socket) => this.serve(socket));
  }

  /** The answer to one request (method and target as received). */
  private async answer(method: string, target: string): Promise<AdminReply> {
    if (method !== 'GET' && method !== 'HEAD') return text(405, 'method not allowed\n');
    const query = target.indexOf('?');
    switch (query === -1 ? target : target.slice(0, query)) {
      case '/ready':
        return this.source.ready() ? text(200, 'ready\n') : text(503, 'draining\n');
      case '/config_dump':
        return jsonReply(this.source.configDump());
      case '/clusters':
        return jsonReply(this.source.clusters());
      case '/metrics':
        try {
          return { status: 200, type: 'text/plain; version=0.0.4; charset=utf-8', body: await this.source.metrics() };
        } catch (error) {
          return text(500, `metrics unavailable: ${(error as Error).message}\n`);
        }
      default:
        return text(404, 'not found: try /ready, /config_dump, /metrics, /clusters\n');
    }
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setTimeout(IDLE_TIMEOUT_MS, () => socket.destroy());
    let buffered: Buffer = Buffer.alloc(0);
    let busy = false;
    const next = (): void => {
      // Not writable: a reply that closes the connection was sent; what follows it is not read.
      if (busy || !socket.writable) return;
      let start = 0;
      // Empty lines before a request line are ignored (RFC 9112 §2.2).
      while (buffered.length >= start + 2 && buffered[start] === 13 && buffered[start + 1] === 10) start += 2;
      if (start === buffered.length) return;
      const end = findHeadEnd(buffered, start, buffered.length);
      if (end instanceof HeadError) return this.write(socket, text(end.status, `${end.reason}\n`), false, true);
      if (end < 0) {
        if (buffered.length > MAX_HEAD_BYTES) this.write(socket, text(431, 'request head too large\n'), false, true);
        return;
      }
      const head = parseRequestHead(buffered.toString('latin1', start, end), { maxFields: MAX_FIELDS });
      buffered = buffered.subarray(end);
      if (head instanceof HeadError) return this.write(socket, text(head.status, `${head.reason}\n`), false, true);
      const close = head.chunked || head.contentLength > 0 || head.close || (head.minor === 0 && !head.keepAlive);
      busy = true;
      void this.answer(head.method, head.target).then((reply) => {
        busy = false;
        this.write(socket, reply, head.method === 'HEAD', close);
        if (!close) next();
      });
    };
    socket.on('data', (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      next();
    });
  }

  private write(socket: Socket, reply: AdminReply, headOnly: boolean, close: boolean): void {
    if (!socket.writable) return;
    const head = `HTTP/1.1 ${reply.status} ${reasonPhrase(reply.status)}\r\ncontent-type: ${reply.type}\r\ncontent-length: ${Buffer.byteLength(reply.body)}\r\n${close ? 'connection: close\r\n' : ''}\r\n`;
    const message = headOnly ? head : head + reply.body;
    if (close) socket.end(message);
    else socket.write(message);
  }

  listen(host: string, port: number): Promise<number> {
    return listenOn(this.server, 'admin', host, port);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
  }
}
