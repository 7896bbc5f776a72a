/**
 * One attempt's stages in one handler (src/proxy/pipeline/attempt.ts): per-try timeout, circuit
 * breaker, load balancing, outlier accounting, upstream. What the fusion could break and these
 * pin, over real sockets: a queued attempt is cancelled by its per-try timeout without ever
 * reaching the upstream and without leaking a breaker slot or a queue entry; overflows are the
 * proxy's own answers and never count against the host.
 */
import { Agent } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricsText, send, sleep, startProxy, type TestProxy } from './helpers/proxy';
import { startUpstream, type Upstream } from './helpers/upstream';

let up: Upstream;
let guarded: Upstream;
let p: TestProxy;

const fwd = (service: string) => ({ type: 'forward' as const, destinations: [{ service }] });

beforeAll(async () => {
  [up, guarded] = await Promise.all([startUpstream('one'), startUpstream('guarded')]);
  p = await startProxy({
    listeners: { outbound: { port: 0 }, admin: { port: 0 } },
    services: [
      { name: 'one', namespace: 'shop', subsets: [{ name: 'v1', endpoints: [{ address: '127.0.0.1', port: up.port }] }], connectionPool: { maxConnections: 1, maxPendingRequests: 4 } },
      {
        name: 'guarded',
        namespace: 'shop',
        subsets: [{ name: 'v1', endpoints: [{ address: '127.0.0.1', port: guarded.port }] }],
        connectionPool: { maxConnections: 1, maxPendingRequests: 0 },
        outlierDetection: { consecutive5xxErrors: 1, intervalMs: 60_000, baseEjectionTimeMs: 60_000, maxEjectionPercent: 100 },
      },
    ] as any,
    routes: [
      { name: 'hold', hosts: ['hold'], action: fwd('one') },
      { name: 'queued', hosts: ['queued'], retries: { attempts: 0, perTryTimeoutMs: 150 }, action: fwd('one') },
      { name: 'guarded', hosts: ['guarded'], action: fwd('guarded') },
    ],
  });
});

afterAll(async () => {
  await p.close();
  await Promise.all([up.close(), guarded.close()]);
});

async function until(what: string, cond: () => boolean): Promise<void> {
  // Up to 20 s: generous for a loaded machine; it returns as soon as the condition holds.
  for (let i = 0; i < 800 && !cond(); i++) await sleep(25);
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
}

describe('one attempt', () => {
  it('a queued attempt is cut by its per-try timeout (504 UT), never reaches the upstream, and gives its place back', async () => {
    // The only connection slot is held (its answer waits 800 ms), so the next attempt queues.
    const held = send(p.outbound, 'hold', '/?delay=800&held=1');
    await until('the held request upstream', () => up.received.some((r) => r.url === '/?delay=800&held=1'));
    const cut = await send(p.outbound, 'queued', '/?queued=1');
    expect(cut.status).toBe(504);
    expect(cut.headers['x-weft-response-flags']).toBe('UT');
    expect((await held).status).toBe(200);
    // The cancelled waiter left the queue, and the held slot came back exactly once: with one
    // connection slot, requests one after another keep succeeding.
    expect(await metricsText(p.admin)).toMatch(/weft_proxy_upstream_pending_requests\{service="one"\} 0/);
    for (let i = 0; i < 3; i++) expect((await send(p.outbound, 'hold', `/?after=${i}`)).status).toBe(200);
    expect((await send(p.outbound, 'queued', '/?queued=2')).status).toBe(200);
    expect(up.received.some((r) => r.url === '/?queued=1')).toBe(false);
  });

  it('overflows (503 UO) are the proxy’s own answers: the host is not ejected', async () => {
    // Held 3 s: the 4 overflowing requests arrive while it is held, even on a loaded machine.
    guarded.defaultDelay = 3000;
    const agent = new Agent({ keepAlive: true, maxSockets: 10 });
    const held = send(p.outbound, 'guarded', '/?held=1', { agent });
    await until('the held request upstream', () => guarded.received.some((r) => r.url === '/?held=1'));
    const overflowed = await Promise.all(Array.from({ length: 4 }, () => send(p.outbound, 'guarded', '/', { agent })));
    guarded.defaultDelay = 0;
    expect((await held).status).toBe(200);
    agent.destroy();
    for (const r of overflowed) {
      expect(r.status).toBe(503);
      expect(r.headers['x-weft-response-flags']).toBe('UO');
    }
    // consecutive5xxErrors: 1 would eject the only host on a single reported 5xx.
    expect(await metricsText(p.admin)).toMatch(/weft_proxy_upstream_ejections_total\{service="guarded"\} 0/);
    expect((await send(p.outbound, 'guarded', '/?after=1')).status).toBe(200);
  });
});
