/**
 * HTTP/2 and gRPC through the proxy over real sockets: a real @grpc/grpc-js server and client,
 * h2c with prior knowledge on both listeners, HTTP/2 upstreams; trailers (trailing metadata)
 * passed through, a retried UNAVAILABLE, grpc-timeout honoured by the proxy (DEADLINE_EXCEEDED),
 * RESOURCE_EXHAUSTED on the rate limit, node:http2 clients to an HTTP/1.1 upstream, and a
 * bounded h2load run (nghttp2-client).
 */
import { execFile } from 'node:child_process';
import { connect as h2connect } from 'node:http2';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricsText, requestsTotal, send, startProxy, type TestProxy } from '../helpers/proxy';
import { startUpstream, type Upstream } from '../helpers/upstream';

type Reply = { text: string; attempt: number };
type EchoClient = grpc.Client & { Say(req: object, md: grpc.Metadata, opts: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r?: Reply) => void): grpc.ClientUnaryCall };

const definition = protoLoader.loadSync(join(__dirname, 'fixtures/echo.proto'), { keepCase: false, defaults: true });
const proto = grpc.loadPackageDefinition(definition) as unknown as { weft: { test: { Echo: grpc.ServiceClientConstructor } } };
const attempts = new Map<string, number>();
let server: grpc.Server;
let grpcPort: number;
let http1: Upstream;
const proxies: TestProxy[] = [];

beforeAll(async () => {
  server = new grpc.Server();
  server.addService(proto.weft.test.Echo.service, {
    Say: (call: grpc.ServerUnaryCall<{ id: string; text: string; failTimes: number; delayMs: number }, Reply>, cb: grpc.sendUnaryData<Reply>) => {
      const { id, text, failTimes, delayMs } = call.request;
      const n = (attempts.get(id) ?? 0) + 1;
      attempts.set(id, n);
      const trailer = new grpc.Metadata();
      trailer.set('x-served-attempt', String(n));
      const answer = () => {
        if (n <= failTimes) return cb({ code: grpc.status.UNAVAILABLE, details: `attempt ${n} refused` }, null, trailer);
        cb(null, { text: `echo ${text}`, attempt: n }, trailer);
      };
      if (delayMs > 0) setTimeout(answer, delayMs);
      else answer();
    },
  });
  grpcPort = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  http1 = await startUpstream('h1');
});
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  server.forceShutdown();
  await http1.close();
});

async function proxy(input: Record<string, unknown>): Promise<TestProxy> {
  const p = await startProxy(input as never);
  proxies.push(p);
  return p;
}

function client(port: number, authority?: string): EchoClient {
  return new proto.weft.test.Echo(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), authority ? { 'grpc.default_authority': authority, 'grpc.enable_retries': 0 } : { 'grpc.enable_retries': 0 }) as unknown as EchoClient;
}

function say(c: EchoClient, req: object, deadlineMs = 10_000): Promise<{ error: grpc.ServiceError | null; reply?: Reply; trailers?: grpc.Metadata }> {
  return new Promise((resolve) => {
    let trailers: grpc.Metadata | undefined;
    const call = c.Say(req, new grpc.Metadata(), { deadline: Date.now() + deadlineMs }, (error, reply) => setImmediate(() => resolve({ error, reply, trailers })));
    call.on('status', (s: grpc.StatusObject) => (trailers = s.metadata));
  });
}

describe('gRPC through the proxy', () => {
  let inbound: TestProxy;
  beforeAll(async () => {
    inbound = await proxy({
      workload: { service: 'echo', namespace: 'shop', version: 'v1' },
      listeners: { inbound: { host: '127.0.0.1', port: 0, http2: true, app: { port: grpcPort, protocol: 'http2' }, rateLimit: { maxTokens: 1000, fillIntervalMs: 60_000 } }, admin: { port: 0 } },
    });
  });

  it('passes a unary call and its trailing metadata through the inbound listener (h2c both sides)', async () => {
    const c = client(inbound.inbound);
    try {
      const r = await say(c, { id: 'pass', text: 'hi' });
      expect(r.error).toBeNull();
      expect(r.reply).toEqual({ text: 'echo hi', attempt: 1 });
      expect(r.trailers?.get('x-served-attempt')).toEqual(['1']);
      // A server-side error status travels back as it was sent (trailers-only response).
      const failed = await say(c, { id: 'fail-once', text: 'x', failTimes: 1 });
      expect(failed.error?.code).toBe(grpc.status.UNAVAILABLE);
      expect(failed.error?.details).toBe('attempt 1 refused');
      const m = await metricsText(inbound.admin);
      expect(requestsTotal(m, 'reporter="destination"', 'response_code="200"')).toBeGreaterThanOrEqual(2);
    } finally {
      c.close();
    }
  });

  it('retries UNAVAILABLE (retryOn unavailable) on the outbound side, over an HTTP/2 upstream', async () => {
    const out = await proxy({
      workload: { service: 'web', namespace: 'shop', version: 'v1' },
      listeners: { outbound: { port: 0, http2: true }, admin: { port: 0 } },
      services: [{ name: 'echo', namespace: 'shop', protocol: 'http2', hosts: ['echo'], subsets: [{ name: 'v1', endpoints: [{ address: '127.0.0.1', port: grpcPort }] }] }],
      routes: [{ name: 'echo', hosts: ['echo'], retries: { attempts: 2, retryOn: ['unavailable'], backoff: { baseMs: 1 } }, action: { type: 'forward', destinations: [{ service: 'echo' }] } }],
    });
    const c = client(out.outbound, 'echo');
    try {
      const r = await say(c, { id: 'retry-2', text: 'again', failTimes: 2 });
      expect(r.error).toBeNull();
      expect(r.reply).toEqual({ text: 'echo again', attempt: 3 });
      expect(attempts.get('retry-2')).toBe(3);
      // Exhausted: the last UNAVAILABLE reaches the client, after 1 + 2 attempts.
      const gaveUp = await say(c, { id: 'retry-5', text: 'x', failTimes: 5 });
      expect(gaveUp.error?.code).toBe(grpc.status.UNAVAILABLE);
      expect(attempts.get('retry-5')).toBe(3);
    } finally {
      c.close();
    }
  });

  it('honours grpc-timeout: DEADLINE_EXCEEDED from the proxy (UT), not a hung call', async () => {
    const session = h2connect(`http://127.0.0.1:${inbound.inbound}`);
    try {
      const body = Buffer.from(definition['weft.test.SayRequest'] ? encodeSay('slow', 2000) : []);
      const req = session.request({ ':method': 'POST', ':path': '/weft.test.Echo/Say', 'content-type': 'application/grpc', te: 'trailers', 'grpc-timeout': '200m' });
      req.end(frame(body));
      const headers = await new Promise<Record<string, unknown>>((resolve) => req.on('response', (h) => resolve(h as Record<string, unknown>)));
      expect(headers[':status']).toBe(200);
      expect(headers['grpc-status']).toBe('4');
      // The proxy answered (flag UT), not the server's own deadline handling.
      expect(headers['x-weft-response-flags']).toBe('UT');
      req.resume();
      await new Promise((r) => req.on('close', r));
    } finally {
      session.close();
    }
    // The grpc-js client's own deadline gives the same status.
    const c = client(inbound.inbound);
    try {
      expect((await say(c, { id: 'slow2', text: 'x', delayMs: 2000 }, 300)).error?.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    } finally {
      c.close();
    }
  });

  it('answers RESOURCE_EXHAUSTED when the rate limit trips', async () => {
    const limited = await proxy({
      workload: { service: 'echo', namespace: 'shop', version: 'v1' },
      listeners: { inbound: { host: '127.0.0.1', port: 0, http2: true, app: { port: grpcPort, protocol: 'http2' }, rateLimit: { maxTokens: 1, fillIntervalMs: 3_600_000 } }, admin: { port: 0 } },
    });
    const c = client(limited.inbound);
    try {
      expect((await say(c, { id: 'rl-1', text: 'x' })).error).toBeNull();
      const second = await say(c, { id: 'rl-2', text: 'x' });
      expect(second.error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
      // The local reply's text, as Envoy's grpc-message carries it.
      expect(second.error?.details).toBe('local_rate_limited');
      expect(attempts.has('rl-2')).toBe(false);
    } finally {
      c.close();
    }
  });
});

describe('HTTP/2 clients to an HTTP/1.1 upstream', () => {
  let out: TestProxy;
  beforeAll(async () => {
    out = await proxy({
      listeners: { outbound: { port: 0, http2: true }, admin: { port: 0 } },
      services: [{ name: 'web', namespace: 'shop', hosts: ['web'], subsets: [{ name: 'v1', endpoints: [{ address: '127.0.0.1', port: http1.port }] }] }],
    });
  });

  it('serves node:http2 requests with bodies and HTTP/1.1 clients on the same port', async () => {
    const session = h2connect(`http://127.0.0.1:${out.outbound}`);
    try {
      const results = await Promise.all(
        [1, 2, 3].map(
          (i) =>
            new Promise<{ status: number; body: string }>((resolve) => {
              const req = session.request({ ':method': 'POST', ':path': `/h2/${i}`, ':authority': 'web', 'content-type': 'text/plain' });
              req.end(`payload-${i}`);
              let status = 0;
              const chunks: Buffer[] = [];
              req.on('response', (h) => (status = Number(h[':status'])));
              req.on('data', (c: Buffer) => chunks.push(c));
              req.on('end', () => resolve({ status, body: Buffer.concat(chunks).toString() }));
            }),
        ),
      );
      for (const [i, r] of results.entries()) {
        expect(r.status).toBe(200);
        expect(JSON.parse(r.body)).toMatchObject({ url: `/h2/${i + 1}`, body: `payload-${i + 1}` });
      }
    } finally {
      session.close();
    }
    expect((await send(out.outbound, 'web', '/h1')).status).toBe(200);
  });

  it('survives a bounded h2load run with every request answered 200', async () => {
    const n = 2000;
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile('h2load', ['-n', String(n), '-c', '4', '-m', '8', '-H', ':authority: web', `http://127.0.0.1:${out.outbound}/load`], { timeout: 60_000 }, (e, so) => (e ? reject(e) : resolve(so))),
    );
    expect(stdout).toMatch(new RegExp(`requests: ${n} total, ${n} started, ${n} done, ${n} succeeded, 0 failed, 0 errored`));
    expect(stdout).toMatch(/status codes: 2000 2xx/);
  });
});

/** gRPC length-prefixed message framing (PROTOCOL-HTTP2.md): flag byte, 4-byte length, message. */
function frame(message: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(message.length, 1);
  return Buffer.concat([head, message]);
}

/** SayRequest{id, delay_ms} in protobuf wire format (field 1: string, field 4: varint). */
function encodeSay(id: string, delayMs: number): number[] {
  const idBytes = [...Buffer.from(id)];
  const varint: number[] = [];
  let v = delayMs;
  while (v > 127) {
    varint.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  varint.push(v);
  return [0x0a, idBytes.length, ...idBytes, 0x20, ...varint];
}
