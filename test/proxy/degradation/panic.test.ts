import { afterEach, describe, expect, it } from 'vitest';
import { send, startProxy, type TestProxy } from '../helpers/proxy';
import { startUpstream, type Upstream } from '../helpers/upstream';

/**
 * Panic mode (Envoy's healthy_panic_threshold, Istio's minHealthPercent) in the weft proxy, over
 * real sockets: below the threshold of healthy hosts, a subset balances over all of its hosts,
 * ejected ones included; with the threshold at 0 (the default) ejected hosts get nothing.
 */
let proxy: TestProxy | undefined;
let upstreams: Upstream[] = [];
afterEach(async () => {
  await proxy?.close();
  await Promise.all(upstreams.map((u) => u.close()));
  proxy = undefined;
  upstreams = [];
});

async function mesh(statuses: number[], minHealthPercent?: number) {
  upstreams = await Promise.all(statuses.map((_, i) => startUpstream(`u${i}`)));
  upstreams.forEach((u, i) => (u.defaultStatus = statuses[i]!));
  proxy = await startProxy({
    listeners: { outbound: { port: 0 }, admin: { port: 0 } },
    services: [
      {
        name: 'svc',
        namespace: 'shop',
        subsets: [{ name: 'v1', endpoints: upstreams.map((u) => ({ address: '127.0.0.1', port: u.port })) }],
        // One 5xx ejects, for a minute: ejections stay in place for the whole test.
        outlierDetection: { consecutive5xxErrors: 1, intervalMs: 60_000, baseEjectionTimeMs: 60_000, maxEjectionPercent: 100, ...(minHealthPercent !== undefined ? { minHealthPercent } : {}) },
      },
    ],
  });
  return proxy;
}

const ejected = async (p: TestProxy) => JSON.parse((await send(p.admin, 'x', '/clusters')).body)[0].endpoints.filter((e: { ejected: boolean }) => e.ejected).length;

describe('panic mode (minHealthPercent)', () => {
  it('off (0): once the failing host is ejected, it receives nothing', async () => {
    const p = await mesh([500, 200]);
    for (let i = 0; i < 4; i++) await send(p.outbound, 'svc', '/');
    expect(await ejected(p)).toBe(1);
    const before = upstreams[0]!.count();
    for (let i = 0; i < 10; i++) expect((await send(p.outbound, 'svc', '/')).status).toBe(200);
    expect(upstreams[0]!.count()).toBe(before);
  });

  it('on: with 1 of 2 hosts healthy (50% < 60%), the ejected host is still balanced to', async () => {
    const p = await mesh([500, 200], 60);
    for (let i = 0; i < 4; i++) await send(p.outbound, 'svc', '/');
    expect(await ejected(p)).toBe(1);
    const before = upstreams[0]!.count();
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await send(p.outbound, 'svc', '/')).status);
    // Round robin over both hosts: half of the requests reach the ejected one.
    expect(upstreams[0]!.count() - before).toBe(5);
    expect(statuses.filter((s) => s === 500)).toHaveLength(5);
  });

  it('on, above the threshold: 2 of 3 healthy (66.7% ≥ 60%) keeps the ejected host out', async () => {
    const p = await mesh([500, 200, 200], 60);
    for (let i = 0; i < 6; i++) await send(p.outbound, 'svc', '/');
    expect(await ejected(p)).toBe(1);
    const before = upstreams[0]!.count();
    for (let i = 0; i < 10; i++) expect((await send(p.outbound, 'svc', '/')).status).toBe(200);
    expect(upstreams[0]!.count()).toBe(before);
  });

  it('every host ejected: without panic the proxy answers UH, with panic the hosts answer', async () => {
    const off = await mesh([503, 503]);
    for (let i = 0; i < 4; i++) await send(off.outbound, 'svc', '/');
    expect(await ejected(off)).toBe(2);
    const uh = await send(off.outbound, 'svc', '/');
    expect(uh.status).toBe(503);
    expect(uh.body).toBe('no healthy upstream');
    await off.close();
    await Promise.all(upstreams.map((u) => u.close()));
    proxy = undefined;

    const on = await mesh([503, 503], 50);
    for (let i = 0; i < 4; i++) await send(on.outbound, 'svc', '/');
    expect(await ejected(on)).toBe(2);
    const counts = upstreams.map((u) => u.count());
    for (let i = 0; i < 4; i++) expect((await send(on.outbound, 'svc', '/')).body).not.toBe('no healthy upstream');
    expect(upstreams.map((u, i) => u.count() - counts[i]!)).toEqual([2, 2]);
  });
});
