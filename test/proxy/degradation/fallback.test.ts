/**
 * Fallbacks over real sockets: every reason (circuit-open by pool overflow, rate-limited,
 * timeout, 5xx, connect-failure), the documented header, the per-reason metric, a fallback
 * destination, and reasons not declared passing through unchanged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, metricsText, send, sleep, startProxy, type TestProxy } from '../helpers/proxy';
import { closedPort, startUpstream, type Upstream } from '../helpers/upstream';

let a: Upstream, b: Upstream, slow: Upstream;
let p: TestProxy;
const BUSY = '系统繁忙，稍后再试';
const ALL = ['circuit-open', 'rate-limited', 'timeout', '5xx', 'connect-failure'];
const fallback = { on: ALL, response: { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8', 'x-cache': 'static' }, body: BUSY } };
const fwd = (service: string) => ({ type: 'forward' as const, destinations: [{ service }] });
const svc = (name: string, port: number, extra: Record<string, unknown> = {}) => ({ name, namespace: 'shop', subsets: [{ name: 'v1', endpoints: [{ address: '127.0.0.1', port }] }], ...extra });

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !cond(); i++) await sleep(25);
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  [a, b, slow] = await Promise.all([startUpstream('a'), startUpstream('b'), startUpstream('slow')]);
  const dead = await closedPort();
  p = await startProxy({
    listeners: { outbound: { port: 0 }, admin: { port: 0 } },
    services: [svc('a', a.port), svc('b', b.port), svc('dead', dead), svc('slow', slow.port, { connectionPool: { maxConnections: 1, maxPendingRequests: 0 } })] as any,
    routes: [
      { name: 'r5xx', hosts: ['r5xx'], fallback, action: fwd('a') },
      { name: 'timeout', hosts: ['timeout'], timeoutMs: 100, fallback, action: fwd('a') },
      { name: 'connect', hosts: ['connect'], fallback, action: fwd('dead') },
      { name: 'limited', hosts: ['limited'], rateLimit: { maxTokens: 1, tokensPerFill: 1, fillIntervalMs: 600_000 }, fallback, action: fwd('a') },
      { name: 'overflow', hosts: ['overflow'], fallback, action: fwd('slow') },
      { name: 'only-timeout', hosts: ['only-timeout'], fallback: { on: ['timeout'], response: { status: 200, body: 'x' } }, action: fwd('a') },
      { name: 'to-b', hosts: ['to-b'], fallback: { on: ['5xx'], to: { service: 'b' } }, action: fwd('a') },
    ] as any,
  });
});

afterAll(async () => {
  await p.close();
  await Promise.all([a, b, slow].map((u) => u.close()));
});

function expectFallback(r: Awaited<ReturnType<typeof send>>, reason: string): void {
  expect(r.status).toBe(200);
  expect(r.body).toBe(BUSY);
  expect(r.headers['x-weft-fallback']).toBe(reason);
  expect(r.headers['x-cache']).toBe('static');
}

describe('fallback responses', () => {
  it('5xx: the upstream answer is replaced', async () => {
    expectFallback(await send(p.outbound, 'r5xx', '/?status=503'), '5xx');
    const ok = await send(p.outbound, 'r5xx', '/');
    expect(ok.status).toBe(200);
    expect(ok.headers['x-weft-fallback']).toBeUndefined();
    expect(json(ok).upstream).toBe('a');
  });

  it('timeout: the route timeout is answered by the fallback', async () => {
    expectFallback(await send(p.outbound, 'timeout', '/?delay=1500'), 'timeout');
  });

  it('connect-failure: nothing listens', async () => {
    expectFallback(await send(p.outbound, 'connect', '/'), 'connect-failure');
  });

  it('rate-limited: the request without a token', async () => {
    expect((await send(p.outbound, 'limited', '/')).headers['x-weft-fallback']).toBeUndefined();
    expectFallback(await send(p.outbound, 'limited', '/'), 'rate-limited');
  });

  it('circuit-open: connection-pool overflow (UO)', async () => {
    const first = send(p.outbound, 'overflow', '/?delay=800');
    await until(() => slow.count() >= 1, 'the first request to reach the slow upstream');
    expectFallback(await send(p.outbound, 'overflow', '/'), 'circuit-open');
    expect((await first).status).toBe(200);
    expect(slow.count()).toBe(1);
  });

  it('reasons that are not declared pass through unchanged', async () => {
    const r = await send(p.outbound, 'only-timeout', '/?status=500');
    expect(r.status).toBe(500);
    expect(r.headers['x-weft-fallback']).toBeUndefined();
  });

  it('to: another service answers, marked with the reason', async () => {
    const before = b.count();
    const r = await send(p.outbound, 'to-b', '/?status=500', { method: 'POST', body: 'payload' });
    expect(r.headers['x-weft-fallback']).toBe('5xx');
    expect(json(r).upstream).toBe('b');
    expect(json(r).body).toBe('payload');
    expect(b.count()).toBe(before + 1);
  });

  it('counts fallbacks per reason', async () => {
    const m = await metricsText(p.admin);
    for (const reason of ALL) expect(m).toMatch(new RegExp(`^weft_proxy_fallbacks_total\\{reason="${reason}"\\} [1-9]`, 'm'));
    expect(m).toContain('# TYPE weft_proxy_fallbacks_total counter');
  });
});
