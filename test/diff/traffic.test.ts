import { describe, expect, it } from 'vitest';
import { Mesh, duration } from '../../src/index';
import type { MeshModel } from '../../src/model/mesh';
import { modelForEnvironment } from '../../src/model/query';
import { authorizationChanges, routingChanges } from '../../src/diff/traffic/compare';
import { trafficLine } from '../../src/diff/render';

interface Knobs {
  weights?: [number, number];
  apiPath?: string;
  apiTimeout?: number;
  userCallsOrder?: boolean;
  openAdmin?: boolean;
  openReports?: boolean;
  withV2?: boolean;
  abortPercent?: number;
  catchAllFirst?: boolean;
  productBreaker?: number;
  orderLimit?: number;
}

/** A small commerce mesh; each test changes one knob on purpose and reads the lines printed. */
function commerce(k: Knobs = {}): MeshModel {
  const m = new Mesh('shop', { environments: { prod: { mesh: 'istio' } } });
  const t = m.team('commerce');
  const withV2 = k.withV2 ?? true;
  const product = t.service('product-service', {
    port: 8080,
    versions: { v1: { image: 'p:1' } },
    resilience: k.productBreaker ? { circuitBreaker: { consecutive5xx: k.productBreaker, interval: duration.seconds(10), baseEjection: duration.seconds(30) } } : {},
  });
  const order = t.service('order-service', {
    port: 8080,
    versions: withV2 ? { v1: { image: 'o:1' }, v2: { image: 'o:2' } } : { v1: { image: 'o:1' } },
    calls: [product],
    resilience: { retries: { attempts: 2, perTryTimeout: duration.seconds(1), on: ['5xx'] }, ...(k.orderLimit ? { rateLimit: { requests: k.orderLimit, per: '1s' } } : {}) },
  });
  t.service('user-service', { port: 8080, versions: { v1: { image: 'u:1' } }, calls: k.userCallsOrder === false ? [] : [order] });
  if (k.catchAllFirst) order.route('everything', { to: order.version('v1') });
  order.route('chaos', { match: { headers: { 'x-chaos': { exact: 'on' } } }, to: order.version('v1'), fault: { abort: { status: 503, percent: k.abortPercent ?? 10 } } });
  const [w1, w2] = k.weights ?? [90, 10];
  order.route('api', {
    match: { path: { prefix: k.apiPath ?? '/orders' }, methods: ['GET', 'POST'] },
    to: withV2 ? [order.version('v1').weight(w1), order.version('v2').weight(w2)] : order.version('v1'),
    timeout: duration.seconds(k.apiTimeout ?? 4),
  });
  order.route('default', { to: order.version('v1') });
  if (k.openReports) order.allow('reports', { from: { namespaces: ['ops'] }, to: { methods: ['GET'], paths: ['/reports*'] } });
  if (k.openAdmin) order.allow('admin-tools', { from: { namespaces: ['ops'] }, to: { paths: ['/admin*'] } });
  order.deny('no-admin', { from: { ipBlocks: ['0.0.0.0/0'] }, to: { paths: ['/admin*'] } });
  const built = m.toModel();
  if (!built.model) throw new Error(JSON.stringify(built.diagnostics));
  return modelForEnvironment(built.model, built.model.environments[0]!);
}

const lines = (before: MeshModel, after: MeshModel) => [...routingChanges(before, after), ...authorizationChanges(before, after)].map(trafficLine);

describe('weft diff, traffic view', () => {
  it('prints nothing when nothing changes', () => {
    expect(lines(commerce(), commerce())).toEqual([]);
  });

  it('a weight: the destination weights per version of the request class', () => {
    expect(lines(commerce(), commerce({ weights: [80, 20] }))).toEqual([
      '  order-service.commerce GET,POST /orders*: weights order-service v1 90% → 80%, v2 10% → 20%',
    ]);
  });

  it('a match: requests of the old class now fall through to another route, the new class is taken by "api"', () => {
    expect(lines(commerce(), commerce({ apiPath: '/v2/orders' }))).toEqual([
      '  order-service.commerce GET,POST /orders*: route "api" → "default"',
      '  order-service.commerce GET,POST /orders*: timeout 4s → none',
      '  order-service.commerce GET,POST /orders*: weights order-service v1 90% → 100%, v2 10% → 0%',
      '  order-service.commerce GET,POST /v2/orders*: route "default" → "api"',
      '  order-service.commerce GET,POST /v2/orders*: timeout none → 4s',
      '  order-service.commerce GET,POST /v2/orders*: weights order-service v1 100% → 90%, v2 0% → 10%',
    ]);
  });

  it('a timeout', () => {
    expect(lines(commerce(), commerce({ apiTimeout: 2 }))).toEqual(['  order-service.commerce GET,POST /orders*: timeout 4s → 2s']);
  });

  it('an authorization rule: a removed call denies, an allow rule that opens access is risky', () => {
    expect(lines(commerce(), commerce({ userCallsOrder: false }))).toEqual([
      '  user-service.commerce → order-service.commerce GET /: allowed → denied',
      '  user-service.commerce → order-service.commerce GET /orders: allowed → denied',
      '  user-service.commerce → order-service.commerce POST /orders: allowed → denied',
    ]);
    // The deny rule for /admin* from any address still wins over the new allow rule.
    expect(lines(commerce(), commerce({ openAdmin: true }))).toEqual([]);
    expect(lines(commerce(), commerce({ openReports: true }))).toEqual([
      '! any workload in ops → order-service.commerce GET /reports: denied → allowed  [risky: opens authorization]',
    ]);
  });

  it('a removed version: its share moves, and removing a version that took traffic is flagged', () => {
    expect(lines(commerce(), commerce({ withV2: false }))).toEqual([
      '! order-service.commerce GET,POST /orders*: weights order-service v1 90% → 100%, v2 10% → 0%  [risky: removes order-service version v2, which received traffic]',
    ]);
  });

  it('the envelope: a rate limit on the service applies to every class; a breaker shows on the classes routed to its service', () => {
    expect(lines(commerce(), commerce({ orderLimit: 100 }))).toEqual([
      '  order-service.commerce * * x-chaos=on: rate limit none → 100/1s burst 100',
      '  order-service.commerce GET,POST /orders*: rate limit none → 100/1s burst 100',
      '  order-service.commerce any request: rate limit none → 100/1s burst 100',
    ]);
    expect(lines(commerce({ productBreaker: 5 }), commerce({ productBreaker: 3 }))).toEqual([
      '  product-service.commerce any request: circuit breaker product-service: eject after 5×5xx, interval 10s, ejection 30s, max 10% → product-service: eject after 3×5xx, interval 10s, ejection 30s, max 10%',
    ]);
  });

  it('a fault percentage raised is risky; a route shadowed by a new catch-all is risky', () => {
    expect(lines(commerce(), commerce({ abortPercent: 50 }))).toEqual([
      '! order-service.commerce * * x-chaos=on: fault abort 503 to 10% → abort 503 to 50%  [risky: raises a fault percentage]',
    ]);
    expect(lines(commerce(), commerce({ catchAllFirst: true }))).toEqual([
      '  order-service.commerce * * x-chaos=on: route "chaos" → "everything"',
      '  order-service.commerce * * x-chaos=on: fault abort 503 to 10% → none',
      '  order-service.commerce GET,POST /orders*: route "api" → "everything"',
      '  order-service.commerce GET,POST /orders*: timeout 4s → none',
      '  order-service.commerce GET,POST /orders*: weights order-service v1 90% → 100%, v2 10% → 0%',
      '  order-service.commerce any request: route "default" → "everything"',
      '! order-service.commerce: route "chaos" becomes unreachable (shadowed by "everything")  [risky: a declared route no longer receives traffic]',
      '! order-service.commerce: route "api" becomes unreachable (shadowed by "everything")  [risky: a declared route no longer receives traffic]',
      '! order-service.commerce: route "default" becomes unreachable (shadowed by "everything")  [risky: a declared route no longer receives traffic]',
    ]);
  });
});
