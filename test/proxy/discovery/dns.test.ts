/**
 * DNS discovery against a real DNS server on loopback (UDP, RFC 1035 wire format): TTL-driven
 * re-resolution, last good endpoints through resolver failures, and per-pod load balancing in
 * the proxy from a name with several A records (a headless Service).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DnsSource } from '../../../src/proxy/discovery/dns';
import type { DiscoveredEndpoint } from '../../../src/proxy/discovery/source';
import { send, startProxy } from '../helpers/proxy';
import { startDns, type TestDns } from './helpers/dns-server';

let dns: TestDns;

beforeAll(async () => {
  dns = await startDns();
});
afterAll(async () => {
  await dns.close();
});

async function waitFor(cond: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('DnsSource', () => {
  it('re-resolves when the TTL runs out and reports changed records', async () => {
    dns.records.set('reviews-v1.shop.svc.cluster.local', { addresses: ['10.0.0.1', '10.0.0.2'], ttl: 1 });
    const seen: DiscoveredEndpoint[][] = [];
    const src = new DnsSource({ host: 'reviews-v1.shop.svc.cluster.local', port: 9080, minRefreshMs: 100, maxRefreshMs: 60_000, timeoutMs: 500, servers: [`127.0.0.1:${dns.port}`] });
    try {
      src.start((e) => seen.push(e));
      await waitFor(() => seen.length >= 1);
      expect(seen[0]!.map((e) => `${e.address}:${e.port}`).sort()).toEqual(['10.0.0.1:9080', '10.0.0.2:9080']);
      dns.records.set('reviews-v1.shop.svc.cluster.local', { addresses: ['10.0.0.3'], ttl: 1 });
      // The next lookup happens after the 1 s TTL, not before the 100 ms floor and not after the 60 s cap.
      await waitFor(() => seen.some((s) => s.length === 1 && s[0]!.address === '10.0.0.3'));
    } finally {
      src.stop();
    }
  });

  it('keeps the last good answer through NXDOMAIN and an unreachable resolver, with back-off', async () => {
    dns.records.set('ratings.shop.svc.cluster.local', { addresses: ['10.0.1.1'], ttl: 0 });
    const seen: DiscoveredEndpoint[][] = [];
    const src = new DnsSource({ host: 'ratings.shop.svc.cluster.local', port: 80, minRefreshMs: 50, maxRefreshMs: 400, timeoutMs: 200, servers: [`127.0.0.1:${dns.port}`] });
    try {
      src.start((e) => seen.push(e));
      await waitFor(() => seen.length >= 1);
      dns.records.delete('ratings.shop.svc.cluster.local');
      await waitFor(() => src.stats.failures >= 2);
      dns.down = true;
      const failures = src.stats.failures;
      await waitFor(() => src.stats.failures >= failures + 2);
      // Failures never report an (empty) set: the last good one stays in force.
      expect(seen.every((s) => s.length === 1 && s[0]!.address === '10.0.1.1')).toBe(true);
      expect(src.stats.lastError).toMatch(/discovery failed/);
      dns.down = false;
      dns.records.set('ratings.shop.svc.cluster.local', { addresses: ['10.0.1.2'], ttl: 0 });
      await waitFor(() => seen.some((s) => s[0]!.address === '10.0.1.2'));
    } finally {
      src.stop();
      dns.down = false;
    }
  });
});

describe('per-pod endpoints from DNS in the proxy', () => {
  const servers: Server[] = [];
  afterAll(() => Promise.all(servers.map((s) => new Promise((r) => s.close(r)))));

  async function pod(name: string, host: string, port: number): Promise<number> {
    const s = createServer((_req, res) => res.end(name));
    servers.push(s);
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, host, () => resolve());
    });
    return (s.address() as AddressInfo).port;
  }

  it('balances across the pods of a headless Service and follows a scale-up', async () => {
    const port = await pod('pod-a', '127.0.0.1', 0);
    await pod('pod-b', '127.0.0.2', port);
    await pod('pod-c', '127.0.0.3', port);
    dns.records.set('reviews-v2.shop.svc.cluster.local', { addresses: ['127.0.0.1', '127.0.0.2'], ttl: 1 });
    const proxy = await startProxy({
      listeners: { outbound: { port: 0 }, admin: { port: 0 } },
      discovery: { dnsServers: [`127.0.0.1:${dns.port}`] },
      services: [{ name: 'reviews', namespace: 'shop', subsets: [{ name: 'v2', discovery: { type: 'dns', host: 'reviews-v2.shop.svc.cluster.local', port, minRefreshMs: 100 } }] }],
    } as never);
    try {
      const counts = new Map<string, number>();
      const sample = async (n: number) => {
        counts.clear();
        for (let i = 0; i < n; i++) {
          const r = await send(proxy.outbound, 'reviews', '/');
          counts.set(r.body, (counts.get(r.body) ?? 0) + 1);
        }
      };
      await waitFor(() => proxy.proxy.clusters() !== null && JSON.stringify(proxy.proxy.clusters()).includes('127.0.0.2'));
      await sample(40);
      // Round robin over two pods: exactly half each.
      expect(counts.get('pod-a')).toBe(20);
      expect(counts.get('pod-b')).toBe(20);
      dns.records.set('reviews-v2.shop.svc.cluster.local', { addresses: ['127.0.0.1', '127.0.0.2', '127.0.0.3'], ttl: 1 });
      await waitFor(() => JSON.stringify(proxy.proxy.clusters()).includes('127.0.0.3'));
      await sample(30);
      expect([counts.get('pod-a'), counts.get('pod-b'), counts.get('pod-c')]).toEqual([10, 10, 10]);
    } finally {
      await proxy.close();
    }
  });
});
