import { describe, expect, it } from 'vitest';
import { duration } from '../../../src/index';
import { emit, expectGolden, weftMesh } from './helpers';

describe('weft target: resilience', () => {
  it('maps circuit breakers to outlier detection and connection pools (Istio semantics)', () => {
    const mesh = weftMesh();
    const t = mesh.team('shop');
    const both = t.service('both', {
      port: 8080,
      versions: { v1: { image: 'x/b:1' } },
      resilience: {
        circuitBreaker: {
          consecutive5xx: 7,
          consecutiveGatewayErrors: 3,
          interval: duration.seconds(5),
          baseEjection: duration.seconds(20),
          maxEjectionPercent: 50,
          maxConnections: 100,
          maxPendingRequests: 10,
          maxRequests: 200,
          maxRequestsPerConnection: 20,
        },
      },
    });
    const gateway = t.service('gateway-only', { port: 8080, versions: { v1: { image: 'x/g:1' } }, resilience: { circuitBreaker: { consecutiveGatewayErrors: 4 } } });
    const limits = t.service('limits-only', { port: 8080, versions: { v1: { image: 'x/l:1' } }, resilience: { circuitBreaker: { maxConnections: 5 } } });
    t.service('client', { port: 8080, versions: { v1: { image: 'x/c:1' } }, calls: [both, gateway, limits] });
    const e = emit(mesh);
    const w = 'shop/client-v1';

    expect(e.service(w, 'both')).toMatchObject({
      outlierDetection: { consecutive5xxErrors: 7, consecutiveGatewayErrors: 3, intervalMs: 5000, baseEjectionTimeMs: 20000, maxEjectionPercent: 50 },
      connectionPool: { maxConnections: 100, maxPendingRequests: 10, maxRequests: 200, maxRequestsPerConnection: 20 },
    });
    // Istio copies only the fields that are set; Envoy's consecutive_5xx default (5) stays active.
    expect(e.service(w, 'gateway-only').outlierDetection).toEqual({
      consecutive5xxErrors: 5,
      consecutiveGatewayErrors: 4,
      intervalMs: 10000,
      baseEjectionTimeMs: 30000,
      maxEjectionPercent: 10,
    });
    expect(e.service(w, 'gateway-only')).not.toHaveProperty('connectionPool');
    // Connection limits alone never start ejecting hosts.
    expect(e.service(w, 'limits-only')).not.toHaveProperty('outlierDetection');
    expect(e.service(w, 'limits-only').connectionPool).toEqual({ maxConnections: 5 });
    // Outlier detection works per pod (the subsets' endpoints come from DNS): nothing to report.
    expect(e.service(w, 'both').subsets[0]!.discovery).toMatchObject({ type: 'dns', port: 15006 });
    expectGolden('circuit-breaker', e);
  });

  it('maps every load-balancer policy, consistent hashing on header, cookie, source IP and query', () => {
    const mesh = weftMesh();
    const t = mesh.team('shop');
    const v = { v1: { image: 'x/s:1' } };
    const services = [
      t.service('rr', { port: 8080, versions: v, resilience: { loadBalancer: { policy: 'round-robin' } } }),
      t.service('lr', { port: 8080, versions: v, resilience: { loadBalancer: { policy: 'least-request' } } }),
      t.service('rnd', { port: 8080, versions: v, resilience: { loadBalancer: { policy: 'random' } } }),
      t.service('by-header', { port: 8080, versions: v, resilience: { loadBalancer: { policy: 'consistent-hash', header: 'x-user' } } }),
      t.service('by-cookie', { port: 8080, versions: v, resilience: { loadBalancer: { policy: 'consistent-hash', cookie: { name: 'sid', ttl: duration.hours(1), path: '/' } } } }),
      t.service('by-cookie-session', { port: 8080, versions: v, resilience: { loadBalancer: { policy: 'consistent-hash', cookie: { name: 'sid' } } } }),
      t.service('by-ip', { port: 8080, versions: v, resilience: { loadBalancer: { policy: 'consistent-hash', sourceIp: true } } }),
      t.service('by-query', { port: 8080, versions: v, resilience: { loadBalancer: { policy: 'consistent-hash', query: 'tenant', ringSize: 4096 } } }),
      t.service('unset', { port: 8080, versions: v }),
    ];
    t.service('client', { port: 8080, versions: v, calls: services });
    const e = emit(mesh);
    const lb = (name: string) => e.service('shop/client-v1', name).loadBalancer;
    expect(lb('rr')).toEqual({ type: 'round-robin' });
    expect(lb('lr')).toEqual({ type: 'least-request' });
    expect(lb('rnd')).toEqual({ type: 'random' });
    expect(lb('by-header')).toEqual({ type: 'consistent-hash', hashOn: { header: 'x-user' }, algorithm: 'ring-hash' });
    expect(lb('by-cookie')).toEqual({ type: 'consistent-hash', hashOn: { cookie: { name: 'sid', ttlMs: 3600000, path: '/' } }, algorithm: 'ring-hash' });
    // No ttl: a session cookie, which the proxy generates (as Envoy does) for a ttl of 0.
    expect(lb('by-cookie-session')).toEqual({ type: 'consistent-hash', hashOn: { cookie: { name: 'sid', ttlMs: 0 } }, algorithm: 'ring-hash' });
    expect(lb('by-ip')).toEqual({ type: 'consistent-hash', hashOn: { sourceIp: true }, algorithm: 'ring-hash' });
    expect(lb('by-query')).toEqual({ type: 'consistent-hash', hashOn: { queryParam: 'tenant' }, algorithm: 'ring-hash', minimumRingSize: 4096 });
    expect(lb('unset')).toBeUndefined();
    // Load balancing is per pod (DNS discovery of the headless per-version Service): no WEFT645 any more.
    expect(e.diagnostics.map((d) => d.code)).not.toContain('WEFT645');
    expectGolden('load-balancer', e);
  });

  it('puts the service rate limit on the inbound listener and route limits on the caller\'s routes', () => {
    const mesh = weftMesh();
    const t = mesh.team('shop');
    const api = t.service('api', { ports: [{ port: 80, targetPort: 8080 }], versions: { v1: { image: 'x/api:1' } }, resilience: { rateLimit: { requests: 100, per: duration.seconds(1), burst: 150 } } });
    api.route('search', { match: [{ path: { prefix: '/search' } }, { path: { prefix: '/find' } }], to: api, rateLimit: { requests: 5, per: '1m' } });
    api.route('default', { to: api });
    const plain = t.service('plain', { port: 8080, versions: { v1: { image: 'x/p:1' } }, resilience: { rateLimit: { requests: 10 } } });
    t.service('client', { port: 8080, versions: { v1: { image: 'x/c:1' } }, calls: [api, plain] });
    const e = emit(mesh);

    expect(e.config('shop/api-v1').listeners.inbound).toEqual({ host: '0.0.0.0', port: 15006, app: { host: '127.0.0.1', port: 8080 }, rateLimit: { maxTokens: 150, tokensPerFill: 100, fillIntervalMs: 1000 } });
    expect(e.config('shop/plain-v1').listeners.inbound!.rateLimit).toEqual({ maxTokens: 10, tokensPerFill: 10, fillIntervalMs: 1000 });
    expect(e.config('shop/client-v1').listeners.inbound).not.toHaveProperty('rateLimit');
    for (const name of ['api.shop/search#1', 'api.shop/search#2']) expect(e.route('shop/client-v1', name).rateLimit).toEqual({ maxTokens: 5, tokensPerFill: 5, fillIntervalMs: 60000 });
    expect(e.route('shop/client-v1', 'api.shop/default')).not.toHaveProperty('rateLimit');
    const info = e.diagnostics.filter((d) => d.code === 'WEFT648');
    expect(info).toHaveLength(1);
    expect(info[0]).toMatchObject({ severity: 'info' });
    expect(info[0]!.message).toContain('each of the route\'s 2 match clauses');
    expectGolden('rate-limit', e);
  });

  it('keeps gRPC retry classes, drops classes the proxy lacks with a warning naming class and route, and caps attempts', () => {
    const mesh = weftMesh();
    const t = mesh.team('shop');
    const api = t.service('api', { port: 8080, versions: { v1: { image: 'x/api:1' } }, resilience: { retries: { attempts: 2, on: ['unavailable', 'cancelled'] } } });
    api.route('mixed', { match: { path: { prefix: '/m' } }, to: api, retries: { attempts: 12, on: ['5xx', 'reset-before-request', 'deadline-exceeded', 'retriable-4xx'] } });
    api.route('default', { to: api });
    t.service('client', { port: 8080, versions: { v1: { image: 'x/c:1' } }, calls: [api] });
    const e = emit(mesh);

    // gRPC status classes are the proxy's too (retried from a trailers-only response's grpc-status).
    expect(e.route('shop/client-v1', 'api.shop/mixed').retries).toEqual({ attempts: 10, retryOn: ['5xx', 'deadline-exceeded', 'retriable-4xx'] });
    expect(e.route('shop/client-v1', 'api.shop/default').retries).toMatchObject({ attempts: 2, retryOn: ['unavailable', 'cancelled'] });
    const w641 = e.diagnostics.filter((d) => d.code === 'WEFT641').map((d) => d.message);
    expect(w641).toEqual([expect.stringMatching(/^route "mixed" of service "api" retries on "reset-before-request"/)]);
    expect(e.diagnostics.filter((d) => d.code === 'WEFT642')).toHaveLength(1);
    expectGolden('retries', e);
  });
});
