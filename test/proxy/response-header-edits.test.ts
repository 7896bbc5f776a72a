/**
 * Where a route's response header edits apply (pipeline/headers.ts): to what the route itself
 * answers with — the upstream's response (with and without retries, with a route timeout), a
 * direct response, a redirect — and to nothing else: not to the discarded responses of retried
 * attempts (the retry decision reads the upstream's own head), not to the answers of the steps
 * before them (rate limit) and not to the proxy's failure replies. The edits are applied by the
 * route's terminal, not by a decorating handler; these pin that nothing moved with it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, send, startProxy, type TestProxy } from './helpers/proxy';
import { startUpstream, type Upstream } from './helpers/upstream';

let up: Upstream;
let p: TestProxy;

const edits = { set: { 'x-served-by': 'weft', 'x-attempt': 'hidden' }, add: { 'x-extra': '1' }, remove: ['x-upstream'] };
const fwd = { type: 'forward' as const, destinations: [{ service: 'svc' }] };

beforeAll(async () => {
  up = await startUpstream('up');
  p = await startProxy({
    listeners: { outbound: { port: 0 }, admin: { port: 0 } },
    services: [{ name: 'svc', namespace: 'shop', subsets: [{ name: 'all', endpoints: [{ address: '127.0.0.1', port: up.port }] }] }],
    routes: [
      { name: 'plain', hosts: ['plain'], headers: { response: edits }, action: fwd },
      { name: 'retried', hosts: ['retried'], headers: { response: edits }, retries: { attempts: 2, retryOn: ['5xx'], backoff: { baseMs: 1 } }, action: fwd },
      { name: 'timed', hosts: ['timed'], headers: { response: edits }, timeoutMs: 60_000, action: fwd },
      { name: 'cut', hosts: ['cut'], headers: { response: edits }, timeoutMs: 100, action: fwd },
      { name: 'direct', hosts: ['direct'], headers: { response: edits }, action: { type: 'directResponse', status: 418, body: 'tea', headers: { 'x-upstream': 'none' } } },
      { name: 'moved', hosts: ['moved'], headers: { response: edits }, action: { type: 'redirect', authority: 'elsewhere.example', status: 301 } },
      { name: 'limited', hosts: ['limited'], headers: { response: edits }, rateLimit: { maxTokens: 1, tokensPerFill: 1, fillIntervalMs: 3_600_000 }, action: fwd },
    ],
  });
});

afterAll(async () => {
  await p.close();
  await up.close();
});

const edited = (h: Record<string, string | string[] | undefined>): void => {
  expect(h['x-served-by']).toBe('weft');
  expect(h['x-attempt']).toBe('hidden');
  expect(h['x-extra']).toBe('1');
  expect(h['x-upstream']).toBeUndefined();
};
const unedited = (h: Record<string, string | string[] | undefined>): void => {
  expect(h['x-served-by']).toBeUndefined();
  expect(h['x-extra']).toBeUndefined();
};

describe('response header edits', () => {
  it('apply to the upstream response, with and without a route timeout', async () => {
    for (const host of ['plain', 'timed']) {
      const r = await send(p.outbound, host, '/');
      expect(r.status).toBe(200);
      edited(r.headers);
      expect(json(r).upstream).toBe('up');
    }
  });

  it('apply once, to the response a retrying route forwards, after the retry decision', async () => {
    // The first two attempts answer 503 (retried and discarded), the third 200.
    const r = await send(p.outbound, 'retried', '/?status=503&fail-until=3');
    expect(r.status).toBe(200);
    edited(r.headers);
    expect(json(r).attempt).toBe(3);
    expect(r.headers['x-extra']).toBe('1'); // one value: added once, not per attempt
    // Retries exhausted: the last 503 is forwarded, edited, with URX.
    const gaveUp = await send(p.outbound, 'retried', '/?status=503');
    expect(gaveUp.status).toBe(503);
    edited(gaveUp.headers);
    expect(gaveUp.headers['x-weft-response-flags']).toBe('URX');
  });

  it('apply to a direct response and a redirect, with content-length intact', async () => {
    const d = await send(p.outbound, 'direct', '/');
    expect(d.status).toBe(418);
    expect(d.body).toBe('tea');
    expect(d.headers['content-length']).toBe('3');
    edited(d.headers);
    const m = await send(p.outbound, 'moved', '/a?b=1');
    expect(m.status).toBe(301);
    expect(m.headers.location).toBe('http://elsewhere.example/a?b=1');
    edited(m.headers);
  });

  it('do not apply to the proxy failure replies or to answers of the steps before them', async () => {
    const timedOut = await send(p.outbound, 'cut', '/?delay=2000');
    expect(timedOut.status).toBe(504);
    expect(timedOut.headers['x-weft-response-flags']).toBe('UT');
    unedited(timedOut.headers);
    const first = await send(p.outbound, 'limited', '/');
    expect(first.status).toBe(200);
    edited(first.headers);
    const limited = await send(p.outbound, 'limited', '/');
    expect(limited.status).toBe(429);
    unedited(limited.headers);
  });
});
