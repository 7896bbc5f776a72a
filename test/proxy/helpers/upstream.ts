/**
 * Real upstream servers on 127.0.0.1 for proxy tests. Behaviour is controlled per request by
 * query parameters, like the echo workload:
 *   status=N      answer with status N
 *   delay=MS      wait before answering
 *   reset=1       destroy the socket without answering (connection reset)
 *   killmid=1     send headers and part of the body, then destroy the socket
 *   malformed=1   answer with bytes that are not HTTP
 *   size=N        body of N bytes
 * The JSON body says who served the request and what arrived. Attempts are counted per
 * x-request-id so that tests can see retries on the server side.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { freePorts } from '../../../src/local/ports';

export interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface Upstream {
  name: string;
  port: number;
  server: Server;
  received: Received[];
  attempts: Map<string, number>;
  /** Answer every request with this status (unless the query says otherwise). */
  defaultStatus: number;
  /** Delay every answer by this many ms (unless the query says otherwise). */
  defaultDelay: number;
  close(): Promise<void>;
  count(): number;
}

export async function startUpstream(name: string, opts: { port?: number } = {}): Promise<Upstream> {
  const sockets = new Set<Socket>();
  const up: Upstream = {
    name,
    port: 0,
    server: undefined as unknown as Server,
    received: [],
    attempts: new Map(),
    defaultStatus: 200,
    defaultDelay: 0,
    count: () => up.received.length,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        up.server.close(() => resolve());
      }),
  };
  up.server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const q = url.searchParams;
      const body = Buffer.concat(chunks).toString();
      up.received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const rid = String(req.headers['x-request-id'] ?? '');
      const attempt = (up.attempts.get(rid) ?? 0) + 1;
      up.attempts.set(rid, attempt);
      const answer = (): void => {
        if (q.get('reset') === '1') return void req.socket.destroy();
        if (q.get('malformed') === '1') {
          req.socket.end('HTTP/1.1 abc this is not http\r\n\r\n');
          return;
        }
        // fail-until=N: fail with `status` until attempt N (server-side view of retries).
        const failUntil = Number(q.get('fail-until') ?? 0);
        const status = q.has('status') && (failUntil === 0 || attempt < failUntil) ? Number(q.get('status')) : up.defaultStatus;
        if (q.get('killmid') === '1') {
          res.writeHead(200, { 'content-length': '1000' });
          res.write('partial');
          setTimeout(() => req.socket.destroy(), 20);
          return;
        }
        const size = q.get('size');
        const payload = size
          ? 'x'.repeat(Number(size))
          : JSON.stringify({ upstream: name, method: req.method, url: req.url, headers: req.headers, body, attempt });
        res.writeHead(status, { 'content-type': 'application/json', 'x-upstream': name, 'x-attempt': String(attempt) });
        res.end(payload);
      };
      const delay = Number(q.get('delay') ?? up.defaultDelay);
      if (delay > 0) setTimeout(answer, delay);
      else answer();
    });
  });
  up.server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => up.server.listen(opts.port ?? 0, '127.0.0.1', () => r()));
  up.port = (up.server.address() as AddressInfo).port;
  return up;
}

/**
 * A port on 127.0.0.1 with nothing listening (connect failures). Picked below the ephemeral
 * range (src/local/ports.ts): a port released there is not soon another process's `listen(0)`
 * or the local end of a connection, which would answer or reset instead of refusing.
 */
export async function closedPort(): Promise<number> {
  const [port] = await freePorts(1);
  return port!;
}
