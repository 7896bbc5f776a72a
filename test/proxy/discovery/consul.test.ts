/**
 * Consul catalog discovery with blocking queries, against a Consul-API-compatible server on
 * loopback (Consul itself is not installable here). The registry is taken down for 10 s while
 * requests keep flowing: none fails, because the last good endpoints keep serving. When it is
 * back, a newly registered instance starts receiving traffic.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsulSource } from '../../../src/proxy/discovery/consul';
import type { DiscoveredEndpoint } from '../../../src/proxy/discovery/source';
import { metricsText, send, startProxy, type TestProxy } from '../helpers/proxy';
import { startUpstream, type Upstream } from '../helpers/upstream';
import { TestConsul } from './helpers/consul-server';

let consul: TestConsul;
let a: Upstream, b: Upstream, c: Upstream;

beforeAll(async () => {
  [consul, a, b, c] = await Promise.all([TestConsul.start(), startUpstream('a'), startUpstream('b'), startUpstream('c')]);
});
afterAll(async () => {
  await consul.stop();
  await Promise.all([a.close(), b.close(), c.close()]);
});

async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('ConsulSource', () => {
  it('uses blocking queries: one long-poll per change, passing instances with the tag only', async () => {
    consul.register({ id: 'p1', service: 'payments', address: '10.0.0.1', port: 8080, tags: ['v1'], passing: true });
    consul.register({ id: 'p2', service: 'payments', address: '10.0.0.2', port: 8080, tags: ['v1'], passing: false });
    consul.register({ id: 'p3', service: 'payments', address: '10.0.0.3', port: 8080, tags: ['v2'], passing: true });
    const seen: DiscoveredEndpoint[][] = [];
    const src = new ConsulSource({ address: consul.address, service: 'payments', tag: 'v1', waitMs: 60_000, retryMs: 100, maxBackoffMs: 1_000 });
    try {
      const before = consul.requests;
      src.start((e) => seen.push(e));
      await waitFor(() => seen.length === 1);
      expect(seen[0]).toEqual([{ address: '10.0.0.1', port: 8080, weight: 1 }]);
      // The second request is parked by the server (blocking query) until the catalog changes.
      await waitFor(() => consul.requests >= before + 2);
      await new Promise((r) => setTimeout(r, 300));
      expect(consul.requests).toBe(before + 2);
      consul.register({ id: 'p4', service: 'payments', address: '10.0.0.4', port: 8080, tags: ['v1'], passing: true });
      await waitFor(() => seen.length === 2);
      expect(seen[1]!.map((e) => e.address).sort()).toEqual(['10.0.0.1', '10.0.0.4']);
    } finally {
      src.stop();
    }
  });
});

describe('Consul discovery in the proxy through a registry outage', () => {
  let proxy: TestProxy;
  afterAll(async () => {
    await proxy?.close();
  });

  it('serves from the last good endpoints for 10 s with 0 failed requests, then routes to a new instance', { timeout: 60_000 }, async () => {
    consul.register({ id: 'a', service: 'ledger', address: '127.0.0.1', port: a.port, tags: ['v1'], passing: true });
    consul.register({ id: 'b', service: 'ledger', address: '127.0.0.1', port: b.port, tags: ['v1'], passing: true });
    proxy = await startProxy({
      listeners: { outbound: { port: 0 }, admin: { port: 0 } },
      discovery: { consul: { address: consul.address, waitMs: 5_000, retryMs: 200, maxBackoffMs: 1_000 } },
      services: [{ name: 'ledger', namespace: 'bank', subsets: [{ name: 'v1', discovery: { type: 'consul', service: 'ledger', tag: 'v1' } }] }],
    } as never);
    await waitFor(async () => (await send(proxy.outbound, 'ledger', '/warm')).status === 200);

    let sent = 0;
    let failed = 0;
    let running = true;
    const worker = async (): Promise<void> => {
      // Bounded: at most 20 000 requests per worker, and stops when the test says so.
      for (let i = 0; running && i < 20_000; i++) {
        const r = await send(proxy.outbound, 'ledger', `/during?i=${i}`);
        sent++;
        if (r.status !== 200) failed++;
        await new Promise((res) => setTimeout(res, 5));
      }
    };
    const load = Promise.all([worker(), worker(), worker()]);
    await consul.stop();
    const outageStart = Date.now();
    await waitFor(async () => /weft_proxy_discovery_failures_total\{source="consul:ledger#v1"\} [1-9]/.test(await metricsText(proxy.admin)));
    await new Promise((r) => setTimeout(r, Math.max(0, 10_000 - (Date.now() - outageStart))));
    const duringOutage = sent;
    await consul.restart();
    consul.register({ id: 'c', service: 'ledger', address: '127.0.0.1', port: c.port, tags: ['v1'], passing: true });
    await waitFor(() => c.received.length > 0);
    running = false;
    await load;
    expect(duringOutage).toBeGreaterThan(50);
    expect(failed).toBe(0);
    expect(a.received.length).toBeGreaterThan(0);
    expect(b.received.length).toBeGreaterThan(0);
  });
});
