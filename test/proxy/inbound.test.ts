import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, metricsText, requestsTotal, send, startProxy, type TestProxy } from './helpers/proxy';
import { startUpstream, type Upstream } from './helpers/upstream';

let app: Upstream, big: Upstream;
let limited: TestProxy, faulty: TestProxy, bodies: TestProxy;

beforeAll(async () => {
  [app, big] = await Promise.all([startUpstream('app'), startUpstream('big')]);
  limited = await startProxy({
    listeners: { inbound: { host: '127.0.0.1', port: 0, app: { port: app.port }, rateLimit: { maxTokens: 2, tokensPerFill: 1, fillIntervalMs: 60_000 }, timeoutMs: 3000 }, admin: { port: 0 } },
  });
  faulty = await startProxy({
    listeners: { inbound: { host: '127.0.0.1', port: 0, app: { port: app.port }, fault: { abort: { httpStatus: 500, percent: 100 } } }, admin: { port: 0 } },
  });
  bodies = await startProxy({
    listeners: { outbound: { port: 0 }, admin: { port: 0 } },
    limits: { maxRequestBodyBufferBytes: 64 * 1024 },
    services: [{ name: 'big', namespace: 'shop', subsets: [{ name: 'v1', endpoints: [{ address: '127.0.0.1', port: big.port }] }] }],
    routes: [{ name: 'r', hosts: ['big'], retries: { attempts: 2, retryNonIdempotent: true, backoff: { baseMs: 1 } }, action: { type: 'forward', destinations: [{ service: 'big' }] } }],
  });
});
afterAll(async () => {
  await Promise.all([limited.close(), faulty.close(), bodies.close()]);
  await Promise.all([app.close(), big.close()]);
});

describe('inbound listener', () => {
  it('forwards to the application with the per-service rate limit (429 RL) and timeout (504 UT)', async () => {
    // A timeout far above a loaded machine's response time, and a delay far above the timeout.
    expect((await send(limited.inbound, 'reviews', '/a?delay=20000')).status).toBe(504);
    const r = await send(limited.inbound, 'reviews', '/b');
    expect(r.status).toBe(200);
    expect(json(r).url).toBe('/b');
    const third = await send(limited.inbound, 'reviews', '/c');
    expect(third.status).toBe(429);
    expect(third.headers['x-weft-response-flags']).toBe('RL');
    const m = await metricsText(limited.admin);
    expect(requestsTotal(m, 'reporter="destination"', 'source_workload="unknown"', 'destination_workload="productpage-v1"', 'response_code="429"', 'response_flags="RL"')).toBe(1);
  });

  it('injects faults in front of the application', async () => {
    const before = app.count();
    const r = await send(faulty.inbound, 'reviews', '/');
    expect([r.status, r.headers['x-weft-response-flags'], r.body]).toEqual([500, 'FI', 'fault filter abort']);
    expect(app.count()).toBe(before);
  });
});

describe('request bodies', () => {
  it('buffers small bodies (replayable) and streams large ones intact without retrying them', async () => {
    const small = 'x'.repeat(1000);
    const s = await send(bodies.outbound, 'big', '/?status=503&fail-until=2', { method: 'POST', body: small });
    expect(s.status).toBe(200);
    expect(json(s).body).toBe(small);
    const large = Buffer.alloc(300 * 1024, 'abcdefgh');
    const l = await send(bodies.outbound, 'big', '/?status=503&fail-until=2', { method: 'PUT', body: large });
    expect(l.status).toBe(503); // larger than the 64 KiB buffer: streamed, so not retried
    expect(big.received.at(-1)!.body.length).toBe(large.length);
    expect(big.received.at(-1)!.body).toBe(large.toString());
    const ok = await send(bodies.outbound, 'big', '/', { method: 'PUT', body: large });
    expect(ok.status).toBe(200);
    expect(json(ok).body.length).toBe(large.length);
  });
});
