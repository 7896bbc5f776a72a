/**
 * The "realistic" Weft config of the benchmark: 10 routes (the benchmarked request matches the
 * last one, so all ten are evaluated), a weighted 80/20 split between two subsets, retries with
 * per-try and overall timeouts, outlier detection, request header rewriting, Istio metrics,
 * JSON access logs to a file, and trace propagation — every hot-path feature switched on.
 */
import type { ProxyConfigInput } from '../../src/proxy/config/schema';

export function benchWeftConfig(port: number, admin: number, upstreamPort: number, accessLogPath: string): ProxyConfigInput {
  const fwd = (subset?: string) => ({ type: 'forward' as const, destinations: [{ service: 'app', ...(subset ? { subset } : {}) }] });
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
        outlierDetection: { consecutive5xxErrors: 5, intervalMs: 10_000, baseEjectionTimeMs: 30_000, maxEjectionPercent: 50 },
        connectionPool: { maxConnections: 1024, maxPendingRequests: 1024, connectTimeoutMs: 1000, idleTimeoutMs: 60_000 },
      },
    ],
    routes: [
      { name: 'users', hosts: ['*'], match: { path: { prefix: '/api/users' } }, action: fwd('v1') },
      { name: 'jason', hosts: ['*'], match: { headers: { 'end-user': { exact: 'jason' } } }, action: fwd('v2') },
      { name: 'static', hosts: ['*'], match: { path: { prefix: '/static/' } }, action: { type: 'directResponse', status: 200, body: 'static' } },
      { name: 'items', hosts: ['*'], match: { path: { regex: '/items/[0-9]+' } }, action: fwd('v1') },
      { name: 'orders', hosts: ['*'], match: { path: { prefix: '/orders' }, methods: ['POST'] }, retries: { attempts: 1, retryNonIdempotent: true }, action: fwd('v1') },
      { name: 'variant', hosts: ['*'], match: { query: { variant: { exact: 'b' } } }, action: fwd('v2') },
      { name: 'legacy', hosts: ['*'], match: { path: { prefix: '/old/' } }, action: { type: 'redirect', prefixRewrite: '/new/' } },
      { name: 'cors', hosts: ['*'], match: { path: { prefix: '/cors' } }, cors: { allowOrigins: [{ exact: 'https://shop.example' }] }, action: fwd('v1') },
      { name: 'other-host', hosts: ['other.local'], action: fwd('v2') },
      {
        name: 'default',
        hosts: ['*'],
        headers: { request: { set: { 'x-weft-route': 'default' } }, response: { remove: ['server'] } },
        timeoutMs: 5000,
        retries: { attempts: 2, perTryTimeoutMs: 2000, retryOn: ['5xx', 'connect-failure', 'reset'] },
        action: { type: 'forward', destinations: [{ service: 'app', subset: 'v1', weight: 80 }, { service: 'app', subset: 'v2', weight: 20 }] },
      },
    ],
    observability: { metrics: true, accessLog: { path: accessLogPath }, tracing: { samplingPercent: 1 } },
  };
}
