import { describe, expect, it } from 'vitest';
import { Mesh, duration } from '../../../src/index';
import { emit, expectGolden, expectValid, find } from './helpers';

function mesh() {
  const m = new Mesh('shop', { environments: { prod: { mesh: 'istio' } } });
  const t = m.team('storefront');
  const reviews = t.service('reviews', {
    port: 9080,
    versions: { v1: { image: 'x/r:1' }, v2: { image: 'x/r:2' } },
    resilience: {
      timeout: duration.seconds(2),
      retries: { attempts: 3, perTryTimeout: duration.millis(500), on: ['gateway-error', 'connect-failure'], statusCodes: [429], backoff: { base: '50ms', max: '300ms' } },
    },
  });
  const shadow = t.service('reviews-shadow', { port: 9080, versions: { v1: { image: 'x/s:1' } } });
  reviews.route('faulty', {
    match: { headers: { 'x-chaos': 'on' } },
    to: reviews.version('v2'),
    fault: { delay: { fixed: '1500ms', percent: 10 }, abort: { status: 503, percent: 5.5 } },
    timeout: '3s',
    retries: { attempts: 2, on: ['5xx'], retryNonIdempotent: true },
  });
  reviews.route('legacy', { match: { path: { prefix: '/v0/' } }, redirect: { uri: '/v1/', status: 308 } });
  reviews.route('ping', { match: { path: { exact: '/ping' }, methods: ['GET'] }, directResponse: { status: 200, body: 'pong' } });
  reviews.route('api', {
    match: [{ path: { prefix: '/api/' }, methods: ['GET', 'POST'] }, { query: { debug: { regex: 'yes|true' } } }],
    to: reviews.version('v1'),
    rewrite: { uri: '/', authority: 'reviews.internal' },
    headers: { request: { set: { 'x-from': 'weft' }, remove: ['cookie'] }, response: { add: { 'x-served-by': 'reviews' } } },
    cors: { allowOrigins: ['https://shop.example.com', { regex: 'https://.*\\.example\\.com' }], allowMethods: ['GET', 'POST'], allowHeaders: ['content-type'], exposeHeaders: ['x-trace'], maxAge: '1h', allowCredentials: true },
    mirror: { to: shadow, percent: 25 },
  });
  return m;
}

describe('istio resilience on routes', () => {
  it('writes timeout, retries, fault, mirror, rewrite, redirect, directResponse, headers and CORS', () => {
    const { manifests, diagnostics } = emit(mesh());
    expect(diagnostics.map((d) => d.code)).toEqual(['WEFT600']); // backoff.max 300ms ≠ 10 × 50ms, reported once at the service
    expect(diagnostics[0]!.severity).toBe('warning');
    expect(diagnostics[0]!.message).toMatch(/^service "reviews": retries.backoff.max 0.300s/);
    const vs = find(manifests, 'VirtualService', 'reviews');
    expectValid([vs]);
    expectGolden('route-resilience', [vs]);
    const byName = Object.fromEntries(vs.spec.http.map((r: { name: string }) => [r.name, r]));
    expect(byName.faulty.fault).toEqual({ delay: { fixedDelay: '1.500s', percentage: { value: 10 } }, abort: { httpStatus: 503, percentage: { value: 5.5 } } });
    expect(byName.faulty.timeout).toBe('3s');
    expect(byName.faulty.retries).toEqual({ attempts: 2, retryOn: '5xx' });
    expect(byName.legacy.redirect).toEqual({ uri: '/v1/', redirectCode: 308 });
    expect(byName.ping.directResponse).toEqual({ status: 200, body: { string: 'pong' } });
    expect(byName.api.mirror).toEqual({ host: 'reviews-shadow.storefront.svc.cluster.local' });
    expect(byName.api.mirrorPercentage).toEqual({ value: 25 });
    // The service's retries: status codes join retryOn; backoff is the base interval.
    expect(byName.api.retries).toEqual({ attempts: 3, perTryTimeout: '0.500s', retryOn: 'gateway-error,connect-failure,retriable-status-codes,429', backoff: '0.050s' });
    expect(byName.api.timeout).toBe('2s');
  });

  it('retries non-idempotent methods only on failures before the request is sent, unless declared', () => {
    const { manifests } = emit(mesh());
    const vs = find(manifests, 'VirtualService', 'reviews');
    const names = vs.spec.http.map((r: { name: string }) => r.name);
    expect(names).toEqual(['faulty', 'legacy', 'ping', 'api', 'api-non-idempotent', 'default', 'default-non-idempotent']);
    const api = vs.spec.http[3];
    const apiPost = vs.spec.http[4];
    expect(api.match).toEqual([
      { uri: { prefix: '/api/' }, method: { exact: 'GET' } },
      // The route has a CORS policy: the browser's preflight reaches it too (issue 8 §2).
      { uri: { prefix: '/api/' }, method: { exact: 'OPTIONS' }, headers: { origin: { regex: '.+' }, 'access-control-request-method': { regex: '.+' } } },
      { queryParams: { debug: { regex: 'yes|true' } }, method: { regex: 'GET|HEAD|OPTIONS|TRACE|PUT|DELETE' } },
    ]);
    expect(apiPost.match).toEqual([{ uri: { prefix: '/api/' }, method: { exact: 'POST' } }, { queryParams: { debug: { regex: 'yes|true' } } }]);
    expect(apiPost.retries).toEqual({ attempts: 3, perTryTimeout: '0.500s', retryOn: 'connect-failure', backoff: '0.050s' });
    expect(vs.spec.http[0].retries).toEqual({ attempts: 2, retryOn: '5xx' }); // retryNonIdempotent: no split
  });

  it('keeps Istio\'s default retries where none are declared (no retries field), and on: [] means none', () => {
    const m = new Mesh('m', { environments: { prod: { mesh: 'istio' } } });
    const t = m.team('a');
    t.service('plain', { port: 80, versions: { v1: { image: 'i' } } });
    t.service('empty', { port: 80, versions: { v1: { image: 'i' } }, resilience: { retries: { attempts: 3, on: [] } } });
    const { manifests } = emit(m);
    expect(find(manifests, 'VirtualService', 'plain').spec.http[0]).not.toHaveProperty('retries');
    expect(find(manifests, 'VirtualService', 'empty').spec.http[0].retries).toEqual({ attempts: 0 });
  });

  it('reports what a redirect route cannot carry instead of dropping it', () => {
    const m = new Mesh('m', { environments: { prod: { mesh: 'istio' } } });
    const s = m.team('a').service('s', { port: 80, versions: { v1: { image: 'i' } } });
    s.route('moved', { redirect: { authority: 'new.example.com' }, timeout: '1s', fault: { abort: { status: 500 } } });
    s.route('nowhere', { match: { path: { exact: '/x' } }, redirect: {} });
    const { diagnostics } = emit(m);
    expect(diagnostics.map((d) => [d.code, d.message.split(':')[0]])).toEqual([
      ['WEFT600', 'route "moved"'],
      ['WEFT600', 'route "moved"'],
      ['WEFT600', 'route "nowhere"'],
    ]);
    expect(diagnostics.map((d) => d.message).join('\n')).toMatch(/timeout cannot be expressed[\s\S]*fault cannot be expressed[\s\S]*changes nothing/);
  });
});
