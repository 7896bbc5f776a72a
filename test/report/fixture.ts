import type { AssertionResult, CheckResult, Declaration, Evidence, VerifyReport } from '../../src/verify/report';

/**
 * A verify report of the example mesh, shaped by the contract in src/verify/report.ts (the type
 * checks it), with every section of the page populated: two splits (one failing), a fault rate,
 * retries, a timeout, authorization and JWT checks, and a behaviour that could not be verified.
 */
const at = (path: string, line: number): Declaration => ({ path, file: 'mesh.config.ts', line, column: 1 });
const ev = (e: Partial<Evidence>): Evidence => ({ requests: 0, counts: {}, sampleRequestIds: [], ...e });
const ok = (name: string, expected: string, observed: string, evidence: Evidence, status: AssertionResult['status'] = 'passed'): AssertionResult => ({ name, status, expected, observed, evidence });

function proportion(outcome: string, successes: number, trials: number, expected: number, interval: [number, number], pValue: number, threshold: number) {
  return { outcome, successes, trials, expected, observed: successes / trials, interval, confidence: 0.95, pValue, threshold };
}

const checks: CheckResult[] = [
  {
    id: 'split:shop/storefront/springboot-app/route:canary',
    kind: 'split',
    title: 'springboot-app route canary splits 20/80 between v1 and v2',
    declaration: at('shop/storefront/springboot-app/route:canary', 81),
    status: 'passed',
    assertions: [
      ok('share of v1', '20%', '21.0% (168/800)', ev({ requests: 800, counts: { v1: 168, v2: 632 }, proportion: proportion('version v1', 168, 800, 0.2, [0.1824, 0.2397], 0.4748, 0.0125), sampleRequestIds: ['req-000001'] })),
      ok('share of v2', '80%', '79.0% (632/800)', ev({ requests: 800, counts: { v1: 168, v2: 632 }, proportion: proportion('version v2', 632, 800, 0.8, [0.7603, 0.8176], 0.4748, 0.0167) })),
    ],
    durationMs: 4210,
  },
  {
    id: 'split:shop/commerce/order-service/route:api',
    kind: 'split',
    title: 'order-service route api splits 90/10 between v1 and v2',
    declaration: at('shop/commerce/order-service/route:api', 151),
    status: 'failed',
    assertions: [
      ok('share of v1', '90%', '50.2% (251/500)', ev({ requests: 500, counts: { v1: 251, v2: 249 }, proportion: proportion('version v1', 251, 500, 0.9, [0.4573, 0.5467], 1.2e-90, 0.01), sampleRequestIds: ['req-000311', 'req-000312'] }), 'failed'),
      ok('share of v2', '10%', '49.8% (249/500)', ev({ requests: 500, counts: { v1: 251, v2: 249 }, proportion: proportion('version v2', 249, 500, 0.1, [0.4533, 0.5427], 1.2e-90, 0.01) }), 'failed'),
    ],
    durationMs: 3120,
  },
  {
    id: 'fault:shop/commerce/order-service/route:chaos',
    kind: 'fault',
    title: 'order-service route chaos aborts 10% with 503 and delays 50% by 200 ms',
    declaration: at('shop/commerce/order-service/route:chaos', 145),
    status: 'passed',
    assertions: [
      ok('abort rate', '10% 503 (flag FI)', '9.4% (47/500)', ev({ requests: 500, counts: { '503 FI': 47, '200': 453 }, proportion: proportion('aborted (503, flag FI)', 47, 500, 0.1, [0.0698, 0.1231], 0.7121, 0.025) })),
      ok('delay', '≥ 200 ms for about half', 'median 201 ms', {
        ...ev({ requests: 500, counts: { delayed: 246, immediate: 254 }, latencyMs: { min: 1.2, median: 201.4, max: 236.8 } }),
        // The page's optional histogram field (src/report/sections/latency.ts).
        latencyHistogramMs: { boundsMs: [5, 10, 25, 50, 100, 250], counts: [241, 11, 2, 0, 0, 246, 0] },
      } as Evidence),
    ],
    durationMs: 2890,
  },
  {
    id: 'retries:shop/storefront/springboot-app',
    kind: 'retries',
    title: 'springboot-app retries 3 times on 5xx, reset, connect-failure',
    declaration: at('shop/storefront/springboot-app', 53),
    status: 'passed',
    assertions: [
      ok('retry-on 5xx: 3 retries of status 503', '4 attempts', '4 attempts (40/40)', ev({ requests: 40, counts: { 'attempts 4': 40 } })),
      ok('status 404 is not retried', '1 attempt', '1 attempt (40/40)', ev({ requests: 40, counts: { 'attempts 1': 40 } })),
      ok('per-try timeout 500 ms causes a retry (2..4 tries fit in 2000 ms)', '2..4 attempts', '2..4 attempts', ev({ requests: 20, counts: { 'attempts 2': 1, 'attempts 3': 4, 'attempts 4': 15 }, latencyMs: { min: 1503, median: 2001, max: 2012 } })),
    ],
    durationMs: 9400,
  },
  {
    id: 'timeout:shop/commerce/order-service/route:api',
    kind: 'timeout',
    title: 'order-service route api times out after 4 s',
    declaration: at('shop/commerce/order-service/route:api', 151),
    status: 'passed',
    assertions: [ok('504 after the timeout', '504 after 2000..2150 ms', '504 after 2004 ms (median)', ev({ requests: 10, counts: { '504': 10 }, latencyMs: { min: 2001, median: 2004, max: 2031 } }))],
    durationMs: 6100,
  },
  {
    id: 'authorization:shop/commerce/order-service/authz:customers',
    kind: 'authorization',
    title: 'order-service allows POST /orders* with scope orders:write',
    declaration: at('shop/commerce/order-service/authz:customers', 171),
    status: 'passed',
    assertions: [
      ok('user-service POST /orders (scope orders:write)', 'allow', 'allow', ev({ requests: 3, counts: { '200': 3 } })),
      ok('user-service POST /orders (no token)', 'deny', 'deny', ev({ requests: 3, counts: { '403': 3 } })),
      ok('golang-app-gateway GET /orders', 'deny', 'deny', ev({ requests: 3, counts: { '403': 3 } })),
    ],
    durationMs: 310,
  },
  {
    id: 'authorization:shop/commerce/trade-service/authz:from-order-namespace',
    kind: 'authorization',
    title: 'trade-service allows POST from namespace commerce',
    declaration: at('shop/commerce/trade-service/authz:from-order-namespace', 190),
    status: 'passed',
    assertions: [
      ok('order-service POST /', 'allow', 'allow', ev({ requests: 3, counts: { '200': 3 } })),
      ok('golang-app-gateway GET /orders', 'deny', 'deny', ev({ requests: 3, counts: { '403': 3 } })),
    ],
    durationMs: 190,
  },
  {
    id: 'authorization:shop/storefront/springboot-app',
    kind: 'authorization',
    title: 'springboot-app is deny-by-default: only declared callers',
    declaration: at('shop/storefront/springboot-app', 53),
    status: 'passed',
    assertions: [
      ok('golang-app-gateway GET /orders', 'allow', 'allow', ev({ requests: 3, counts: { '200': 3 } })),
      ok('order-service POST /', 'deny', 'deny', ev({ requests: 3, counts: { '403': 3 } })),
    ],
    durationMs: 150,
  },
  {
    id: 'circuit-breaker:shop/storefront/springboot-app',
    kind: 'circuit-breaker',
    title: 'springboot-app ejects a version after 5 consecutive 5xx',
    declaration: at('shop/storefront/springboot-app', 53),
    status: 'skipped',
    skipReason: 'the local mesh runs one instance per version; ejection needs two',
    assertions: [],
    durationMs: 0,
  },
];

export const FIXTURE_REPORT: VerifyReport = {
  schemaVersion: 1,
  mesh: 'shop',
  environment: 'dev',
  mode: 'local',
  dist: 'dist',
  seed: 42,
  startedAt: '2026-11-30T04:00:00.000Z',
  durationMs: 41_370,
  statistics: { familyAlpha: 0.01, statisticalChecks: 7, detectableDeviation: 0.05, power: 0.9 },
  summary: { checks: checks.length, passed: checks.filter((c) => c.status === 'passed').length, failed: checks.filter((c) => c.status === 'failed').length, skipped: checks.filter((c) => c.status === 'skipped').length, probes: 3343, notVerified: 1 },
  checks,
  notVerified: [{ kind: 'mtls', declaration: at('shop', 14), reason: 'the weft proxy does not terminate mTLS in this release (WEFT640)' }],
};
