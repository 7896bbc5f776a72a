/**
 * A TCP-only service with two versions, a 20/80 route, a circuit breaker and a connection limit,
 * compiled by the weft target and run in real proxies on 127.0.0.1: the caller's local bind port
 * picks a version per connection by weight (checked with an exact binomial test), carries the
 * bytes over mTLS to the version's inbound TCP listener (deny-by-default authorization from the
 * compiled policies) and its application, and closes connections over the limit at once (UO).
 * The applications are TCP servers that greet with their version, then echo.
 */
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { Reporter } from '../../../src/diagnostics/reporter';
import { codeRegistry } from '../../../src/synth/registry';
import { emitContext } from '../../../src/synth/emit-context';
import { parseProxyConfig, hashConfig } from '../../../src/proxy/config/load';
import type { ProxyConfigInput } from '../../../src/proxy/config/schema';
import { MemoryLogger } from '../../../src/proxy/log';
import { WeftProxy } from '../../../src/proxy/proxy';
import { buildProxyConfig } from '../../../src/targets/weft/config';
import { binomialTestPValue } from '../../../src/verify/stats/binomial';
import { Mesh } from '../../../src/index';
import { emit, modelOf } from './helpers';
import { metricsText } from '../../proxy/helpers/proxy';
import { spiffe, TestCa, writeCertDir } from '../../proxy/security/helpers/ca';

function shop() {
  const mesh = new Mesh('shop', { environments: { dev: { mesh: 'weft' } }, security: { mtls: 'strict', authorization: 'deny-by-default' } });
  const t = mesh.team('shop');
  const db = t.service('db', {
    ports: [{ port: 5432, protocol: 'tcp' }],
    versions: { v1: { image: 'x/db:1' }, v2: { image: 'x/db:2' } },
    resilience: { circuitBreaker: { consecutive5xx: 2, interval: '10s', baseEjection: '30s', maxConnections: 3 } },
  });
  db.route('canary', { to: [db.version('v1').weight(20), db.version('v2').weight(80)] });
  t.service('app', { port: 8080, versions: { v1: { image: 'x/app:1' } }, calls: [db] });
  return mesh;
}

async function start(config: ProxyConfigInput): Promise<WeftProxy> {
  const text = JSON.stringify(config);
  return WeftProxy.start({ config: { config: parseProxyConfig(config), hash: hashConfig(text), text }, logger: new MemoryLogger() });
}

/** Connects, reads the greeting line ('' when closed without one), sends `payload` and reads it back. */
function converse(port: number, payload = 'ping', keepOpen = false): Promise<{ greeting: string; echoed: string; socket: Socket }> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let data = '';
    let greeting = '';
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      resolve({ greeting, echoed: data, socket });
    };
    socket.setTimeout(15_000, () => socket.destroy());
    socket.on('data', (d: Buffer) => {
      data += d.toString();
      if (!greeting && data.includes('\n')) {
        greeting = data.slice(0, data.indexOf('\n'));
        data = data.slice(greeting.length + 1);
        socket.write(payload);
      }
      if (greeting && data.length >= payload.length) {
        if (keepOpen) finish();
        else socket.end();
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', finish);
  });
}

describe('a TCP service compiled by the weft target, in real proxies', () => {
  const stop: Array<() => Promise<unknown> | void> = [];
  afterAll(async () => {
    for (const s of stop.reverse()) await s();
  });

  it('compiles the route, ejection and connection limit into the caller\'s TCP path, with nothing reported', () => {
    const e = emit(shop());
    expect(e.diagnostics.filter((d) => d.code === 'WEFT670')).toEqual([]);
    expect(e.config('shop/app-v1').tcpListeners).toEqual([
      {
        name: 'shop/db:5432',
        host: '127.0.0.1',
        port: 5432,
        destinations: [
          { service: 'db', subset: 'v1', weight: 20 },
          { service: 'db', subset: 'v2', weight: 80 },
        ],
        maxConnections: 3,
      },
    ]);
    expect(e.service('shop/app-v1', 'db').outlierDetection).toEqual({ consecutive5xxErrors: 2, consecutiveGatewayErrors: 0, intervalMs: 10_000, baseEjectionTimeMs: 30_000, maxEjectionPercent: 10 });
  });

  it('takes the first route that applies to the caller, and names what has no TCP meaning', () => {
    const mesh = new Mesh('shop', { environments: { dev: { mesh: 'weft' } } });
    const t = mesh.team('shop');
    const versions = { v1: { image: 'x/q:1' }, v2: { image: 'x/q:2' } };
    const queue = t.service('queue', { ports: [{ port: 5672, protocol: 'tcp' }], versions, resilience: { timeout: '2s', loadBalancer: { policy: 'random' } } });
    const cache = t.service('cache', { ports: [{ port: 80, protocol: 'http' }, { port: 6379, protocol: 'tcp' }], versions, resilience: { loadBalancer: { policy: 'least-request' } } });
    const admin = t.service('admin', { port: 8080, versions: { v1: { image: 'x/a:1' } }, calls: [queue, cache] });
    t.service('shopper', { port: 8080, versions: { v1: { image: 'x/s:1' } }, calls: [queue, cache] });
    queue.route('http-only', { match: { path: { prefix: '/x' } }, to: queue.version('v2') });
    queue.route('admins', { match: { from: admin }, to: queue.version('v2') });
    queue.route('rest', { to: [queue.version('v1').weight(90), queue.version('v2').weight(10)] });
    cache.route('web', { match: { path: { prefix: '/web' } }, to: cache.version('v2') });
    cache.route('even', { to: [cache.version('v1').weight(50), cache.version('v2').weight(50)] });
    const e = emit(mesh);
    const destinations = (caller: string, name: string) => e.config(`shop/${caller}-v1`).tcpListeners!.find((l) => l.name === name)!.destinations;
    // sourceService resolved per caller, routes with HTTP conditions skipped on TCP ports.
    expect(destinations('admin', 'shop/queue:5672')).toEqual([{ service: 'queue', subset: 'v2', weight: 100 }]);
    expect(destinations('shopper', 'shop/queue:5672')).toEqual([
      { service: 'queue', subset: 'v1', weight: 90 },
      { service: 'queue', subset: 'v2', weight: 10 },
    ]);
    // A service with HTTP and TCP ports: the route without HTTP conditions holds on its TCP port too.
    expect(destinations('shopper', 'shop/cache:6379')).toEqual([
      { service: 'cache-6379', subset: 'v1', weight: 50 },
      { service: 'cache-6379', subset: 'v2', weight: 50 },
    ]);
    const w670 = e.diagnostics.filter((d) => d.code === 'WEFT670').map((d) => d.message);
    expect(w670).toEqual([
      expect.stringContaining('TCP service "queue" are not applied by the weft proxy, whose TCP path applies weighted routes to versions, outlier detection and connection limits but no HTTP policy: route "http-only" (path match), timeout, load balancer "random" (TCP connections go round robin)'),
      expect.stringContaining('these settings of service "cache" are not applied by the weft proxy, whose TCP path applies weighted routes to versions, outlier detection and connection limits but no HTTP policy: load balancer "least-request" on its TCP ports'),
    ]);
  });

  it('splits connections 20/80 across versions over mTLS and closes those over the limit', async () => {
    const model = modelOf(shop());
    const reporter = new Reporter(codeRegistry());
    const ctx = emitContext(model, model.environments[0]!, reporter.report);
    const db = ctx.model.services.find((s) => s.name === 'db')!;
    const app = ctx.model.services.find((s) => s.name === 'app')!;
    const ca = await TestCa.create();
    const files = async (sa: string) => {
      const d = writeCertDir(await ca.issue([spiffe('shop', sa)]));
      return { certFile: d.certFile, keyFile: d.keyFile, caFile: d.caFile };
    };
    const loopback = { inbound: { host: '127.0.0.1', port: 0 }, outbound: { host: '127.0.0.1', port: 0 }, admin: { host: '127.0.0.1', port: 0 } };

    const listenerOf = new Map<string, number>();
    for (const version of db.versions) {
      const server: Server = createServer((c) => {
        c.on('error', () => c.destroy());
        c.write(`${version.name}\n`);
        c.pipe(c);
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      stop.push(() => new Promise((r) => server.close(r)));
      const config = buildProxyConfig(ctx, db, version, reporter.report, { listeners: loopback, schema: null });
      const inbound = config.inboundTcpListeners![0]!;
      Object.assign(inbound, { host: '127.0.0.1', port: 0, app: { host: '127.0.0.1', port: (server.address() as AddressInfo).port } });
      config.security!.mtls!.files = await files('db');
      const proxy = await start(config);
      stop.push(() => proxy.close());
      listenerOf.set(version.name, proxy.ports.inboundTcp![inbound.name]!);
    }

    const callerConfig = buildProxyConfig(ctx, app, app.versions[0]!, reporter.report, { listeners: loopback, schema: null });
    for (const subset of callerConfig.services!.find((s) => s.name === 'db')!.subsets) {
      // Cluster DNS does not resolve here: each version's pod is its proxy on loopback.
      delete subset.discovery;
      subset.endpoints = [{ address: '127.0.0.1', port: listenerOf.get(subset.name)! }];
    }
    callerConfig.tcpListeners![0]!.port = 0;
    callerConfig.security!.mtls!.files = await files('app');
    const caller = await start(callerConfig);
    stop.push(() => caller.close());
    expect(reporter.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const bind = caller.ports.tcp!['shop/db:5432']!;

    const n = 300;
    let v1 = 0;
    let next = 0;
    const worker = async () => {
      while (next < n) {
        next++;
        const r = await converse(bind);
        expect(r.echoed).toBe('ping');
        if (r.greeting === 'v1') v1++;
        else expect(r.greeting).toBe('v2');
      }
    };
    // Two at a time: under the limit of 3.
    await Promise.all([worker(), worker()]);
    // p = 0.2: a correct split fails this once in 10 000 runs; a 50/50 split fails it always.
    expect(binomialTestPValue(v1, n, 0.2)).toBeGreaterThan(1e-4);
    expect(binomialTestPValue(n / 2, n, 0.2)).toBeLessThan(1e-4);

    // Wait until the proxy has closed every sampled connection (its count of open ones is back to 0).
    const closed = (text: string) => text.split('\n').filter((l) => l.startsWith('istio_tcp_connections_closed_total{') && l.includes('destination_service_name="db"')).reduce((s, l) => s + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
    for (let i = 0; i < 400 && closed(await metricsText(caller.ports.admin!)) < n; i++) await new Promise((r) => setTimeout(r, 25));
    expect(closed(await metricsText(caller.ports.admin!))).toBe(n);

    // The limit: three connections held open, the fourth is closed without reaching a version.
    const held = await Promise.all([converse(bind, 'a', true), converse(bind, 'b', true), converse(bind, 'c', true)]);
    expect(held.map((h) => h.echoed)).toEqual(['a', 'b', 'c']);
    const over = await converse(bind, 'd');
    expect(over.greeting).toBe('');
    for (const h of held) h.socket.destroy();
    const m = await metricsText(caller.ports.admin!);
    expect(m).toMatch(/istio_tcp_connections_closed_total\{[^}]*destination_service_name="db"[^}]*response_flags="UO"\} 1\b/);
  });
});
