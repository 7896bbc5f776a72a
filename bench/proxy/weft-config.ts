/**
 * The "realistic" Weft config of the benchmark: every hot-path feature really on for the
 * benchmarked request, which matches the last of ten routes (so all ten are evaluated): a
 * weighted 80/20 split between two subsets, retries with per-try and overall timeouts, outlier
 * detection, request and response header edits, CORS (evaluated; the request has no Origin),
 * a local rate limit that never trips, fault injection evaluated at 0% abort and 0 ms delay,
 * a mirror at 1%, Istio metrics, JSON access logs to a file, and tracing at 100%.
 *
 * `without` switches one feature off, for the per-feature cost table (run.ts --features).
 */
import type { ProxyConfigInput } from '../../src/proxy/config/schema';

export const FEATURES = ['routes', 'split', 'retries', 'timeouts', 'outlier', 'headers', 'cors', 'rateLimit', 'fault', 'mirror', 'metrics', 'accessLog', 'tracing'] as const;
export type Feature = (typeof FEATURES)[number];

export function benchWeftConfig(port: number, admin: number, upstreamPort: number, accessLogPath: string, without: Feature | null = null): ProxyConfigInput {
  const on = (f: Feature): boolean => f !== without;
  const fwd = (subset?: string) => ({ type: 'forward' as const, destinations: [{ service: 'app', ...(subset ? { subset } : {}) }] });
  const others = [
    { name: 'users', hosts: ['*'], match: { path: { prefix: '/api/users' } }, action: fwd('v1') },
    { name: 'jason', hosts: ['*'], match: { headers: { 'end-user': { exact: 'jason' } } }, action: fwd('v2') },
    { name: 'static', hosts: ['*'], match: { path: { prefix: '/static/' } }, action: { type: 'directResponse' as const, status: 200, body: 'static' } },
    { name: 'items', hosts: ['*'], match: { path: { regex: '/items/[0-9]+' } }, action: fwd('v1') },
    { name: 'orders', hosts: ['*'], match: { path: { prefix: '/orders' }, methods: ['POST'] }, retries: { attempts: 1, retryNonIdempotent: true }, action: fwd('v1') },
    { name: 'variant', hosts: ['*'], match: { query: { variant: { exact: 'b' } } }, action: fwd('v2') },
    { name: 'legacy', hosts: ['*'], match: { path: { prefix: '/old/' } }, action: { type: 'redirect' as const, prefixRewrite: '/new/' } },
    { name: 'cors', hosts: ['*'], match: { path: { prefix: '/cors' } }, cors: { allowOrigins: [{ exact: 'https://shop.example' }] }, action: fwd('v1') },
    { name: 'other-host', hosts: ['other.local'], action: fwd('v2') },
  ];
  return {
    version: 1,
    workload: { service: 'bench-client', namespace: 'bench', version: 'v1', instance: 'bench-client-0' },
    listeners: { outbound: { host: '127.0.0.1', port }, admin: { host: '127.0.0.1', port: admin } },
    services: [
      {
        name: 'app',
        namespace: 'bench',
        subsets: [
          { name: 'v1', endpoints: [{ address: '127.0.0.1', port: upstreamPort }] },
          { name: 'v2', endpoints: [{ address: '127.0.0.1', port: upstreamPort }] },
        ],
        loadBalancer: { type: 'round-robin' },
        ...(on('outlier') ? { outlierDetection: { consecutive5xxErrors: 5, intervalMs: 10_000, baseEjectionTimeMs: 30_000, maxEjectionPercent: 50 } } : {}),
        connectionPool: { maxConnections: 1024, maxPendingRequests: 1024, connectTimeoutMs: 1000, idleTimeoutMs: 60_000 },
      },
      { name: 'shadow', namespace: 'bench', subsets: [{ name: 'v1', endpoints: [{ address: '127.0.0.1', port: upstreamPort }] }] },
    ],
    routes: [
      ...(on('routes') ? others : []),
      {
        name: 'default',
        hosts: ['*'],
        ...(on('headers') ? { headers: { request: { set: { 'x-weft-route': 'default' } }, response: { remove: ['server'], set: { 'x-served-by': 'weft' } } } } : {}),
        ...(on('cors') ? { cors: { allowOrigins: [{ exact: 'https://shop.example' }], allowMethods: ['GET', 'POST'] } } : {}),
        ...(on('rateLimit') ? { rateLimit: { maxTokens: 1_000_000_000, tokensPerFill: 1_000_000_000, fillIntervalMs: 1000 } } : {}),
        ...(on('fault') ? { fault: { delay: { fixedDelayMs: 0, percent: 0 }, abort: { httpStatus: 503, percent: 0 } } } : {}),
        ...(on('mirror') ? { mirror: { service: 'shadow', percent: 1 } } : {}),
        ...(on('timeouts') ? { timeoutMs: 5000 } : {}),
        ...(on('retries') ? { retries: { attempts: 2, ...(on('timeouts') ? { perTryTimeoutMs: 2000 } : {}), retryOn: ['5xx', 'connect-failure', 'reset'] } } : {}),
        action: on('split')
          ? { type: 'forward', destinations: [{ service: 'app', subset: 'v1', weight: 80 }, { service: 'app', subset: 'v2', weight: 20 }] }
          : { type: 'forward', destinations: [{ service: 'app', subset: 'v1' }] },
      },
    ],
    observability: { metrics: on('metrics'), accessLog: on('accessLog') ? { path: accessLogPath } : false, tracing: { samplingPercent: on('tracing') ? 100 : 0 } },
  } as ProxyConfigInput;
}

/**
 * Plain HTTP/1.1 forwarding (bench/proxy/memory.ts's `plain` config): one outbound listener, one
 * route to one upstream, no metrics, access log or tracing — what the proxy costs before any of
 * its features.
 */
export function plainWeftConfig(port: number, admin: number, upstreamPort: number): ProxyConfigInput {
  return {
    version: 1,
    workload: { service: 'bench-client', namespace: 'bench', version: 'v1', instance: 'bench-client-0' },
    listeners: { outbound: { host: '127.0.0.1', port }, admin: { host: '127.0.0.1', port: admin } },
    services: [{ name: 'app', namespace: 'bench', subsets: [{ name: 'v1', endpoints: [{ address: '127.0.0.1', port: upstreamPort }] }] }],
    routes: [{ name: 'default', hosts: ['*'], action: { type: 'forward', destinations: [{ service: 'app' }] } }],
    observability: { metrics: false, accessLog: false, tracing: { samplingPercent: 0 } },
  } as ProxyConfigInput;
}
