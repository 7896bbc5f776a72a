/**
 * An HTTP/2 upstream that ends a request without a response head, over real sockets: a
 * node:http2 server that refuses the stream (RST_STREAM REFUSED_STREAM), resets it
 * (INTERNAL_ERROR, or NO_ERROR), or drops the connection under it (closed, or GOAWAY with an error). The proxy answers 503 UC with
 * Envoy's reset reason in the reply text — for gRPC in `grpc-message` of an UNAVAILABLE — and a
 * lost connection is a reset, not a connect failure: retry-on `connect-failure` does not repeat
 * a request the upstream may have processed, retry-on `reset` does; retry-on `refused-stream`
 * repeats exactly the refused ones.
 * @see https://github.com/envoyproxy/envoy/blob/main/source/common/http/utility.cc (resetReasonToString)
 */
import { connect as h2connect, createServer, type Http2Server, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxy, type TestProxy } from '../helpers/proxy';

const arrivals = new Map<string, number>();
let upstream: Http2Server;
let port: number;
const proxies: TestProxy[] = [];

/** What the upstream does with a request, by path. */
function misbehave(stream: ServerHttp2Stream, path: string): void {
  stream.on('error', () => undefined);
  if (path.startsWith('/refuse')) stream.close(0x7);
  else if (path.startsWith('/internal')) stream.close(0x2);
  else if (path.startsWith('/no-error')) stream.close(0x0);
  else if (path.startsWith('/drop')) stream.session!.destroy();
  else if (path.startsWith('/goaway')) stream.session!.destroy(new Error('upstream gives up'), 0x2);
  else stream.respond({ ':status': 200 }, { endStream: true });
}

beforeAll(async () => {
  upstream = createServer();
  upstream.on('session', (s) => s.on('error', () => undefined));
  upstream.on('stream', (stream, headers) => {
    const path = String(headers[':path']);
    arrivals.set(path, (arrivals.get(path) ?? 0) + 1);
    misbehave(stream, path);
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  port = (upstream.address() as AddressInfo).port;
});
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  await new Promise((resolve) => upstream.close(resolve));
});

async function outbound(retryOn?: string[]): Promise<TestProxy> {
  const p = await startProxy({
    workload: { service: 'web', namespace: 'shop', version: 'v1' },
    listeners: { outbound: { port: 0, http2: true }, admin: { port: 0 } },
    services: [{ name: 'up', namespace: 'shop', protocol: 'http2', hosts: ['up'], subsets: [{ name: 'v1', endpoints: [{ address: '127.0.0.1', port }] }] }],
    routes: [{ name: 'up', hosts: ['up'], ...(retryOn ? { retries: { attempts: 2, retryOn, backoff: { baseMs: 1 } } } : {}), action: { type: 'forward', destinations: [{ service: 'up' }] } }],
  } as never);
  proxies.push(p);
  return p;
}

interface Answer {
  status: number;
  headers: Record<string, unknown>;
  body: string;
}

/** One request over h2c with prior knowledge; a gRPC call when `grpc`. */
function request(proxyPort: number, path: string, grpc = false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const session = h2connect(`http://127.0.0.1:${proxyPort}`);
    session.on('error', reject);
    const headers = { ':method': grpc ? 'POST' : 'PUT', ':path': path, ':authority': 'up', ...(grpc ? { 'content-type': 'application/grpc', te: 'trailers' } : {}) };
    const req = session.request(headers);
    req.end(Buffer.alloc(5));
    let head: Record<string, unknown> = {};
    const chunks: Buffer[] = [];
    req.on('response', (h) => (head = h));
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', reject);
    req.on('close', () => {
      session.close();
      resolve({ status: Number(head[':status']), headers: head, body: Buffer.concat(chunks).toString('utf8') });
    });
  });
}

const REPLY = 'upstream connect error or disconnect/reset before headers. reset reason: ';

describe('an HTTP/2 upstream that ends a request before its response head', () => {
  let plain: TestProxy;
  beforeAll(async () => {
    plain = await outbound();
  });

  it.each([
    ['/refuse', 'remote refused stream reset'],
    ['/internal', 'remote reset'],
    ['/no-error', 'remote reset'],
    ['/drop', 'connection termination'],
    ['/goaway', 'connection termination'],
  ])('%s: 503 UC naming the reset reason (%s)', async (path, reason) => {
    const r = await request(plain.outbound, path);
    expect(r.status).toBe(503);
    expect(r.headers['x-weft-response-flags']).toBe('UC');
    expect(r.body).toBe(`${REPLY}${reason}`);
  });

  it('answers a gRPC call UNAVAILABLE with the reply text in grpc-message, as Envoy does', async () => {
    const r = await request(plain.outbound, '/refuse-grpc', true);
    expect(r.status).toBe(200);
    expect(r.headers['grpc-status']).toBe('14');
    expect(decodeURIComponent(String(r.headers['grpc-message']))).toBe(`${REPLY}remote refused stream reset`);
    expect(r.headers['x-weft-response-flags']).toBe('UC');
  });

  it('retries a refused stream on refused-stream, also a POST (the upstream did not process it), and no other reset', async () => {
    const onRefused = await outbound(['refused-stream']);
    const refused = await request(onRefused.outbound, '/refuse-retried', true);
    expect(refused.headers['grpc-status']).toBe('14');
    expect(refused.headers['x-weft-response-flags']).toBe('UC,URX');
    expect(arrivals.get('/refuse-retried')).toBe(3);
    const reset = await request(onRefused.outbound, '/internal-not-retried', true);
    expect(reset.headers['x-weft-response-flags']).toBe('UC');
    expect(arrivals.get('/internal-not-retried')).toBe(1);
  });

  it.each([
    ['connect-failure', 'UC', 1],
    ['reset', 'UC,URX', 3],
  ])('a lost connection under a sent request, with retry-on %s: flags %s after %i attempt(s)', async (retryOn, flags, attempts) => {
    // connect-failure must not repeat a request the upstream may have processed; reset does.
    const p = await outbound([retryOn]);
    for (const path of [`/drop-${retryOn}`, `/goaway-${retryOn}`]) {
      const r = await request(p.outbound, path);
      expect(r.status).toBe(503);
      expect(r.headers['x-weft-response-flags']).toBe(flags);
      expect(arrivals.get(path)).toBe(attempts);
    }
  });
});
