import { describe, expect, it } from 'vitest';
import { duration } from '../../../src/index';
import { emit, expectGolden, weftMesh } from './helpers';

const FQDN_HOSTS = (svc: string, ns: string, port: number, sameNamespace: boolean) =>
  [...(sameNamespace ? [svc] : []), `${svc}.${ns}`, `${svc}.${ns}.svc`, `${svc}.${ns}.svc.cluster.local`].flatMap((h) => [h, `${h}:${port}`]);

describe('weft target: routing', () => {
  it('compiles a weighted split and a header route into the caller\'s outbound routes', () => {
    const mesh = weftMesh();
    const t = mesh.team('storefront');
    const data = t.service('data', { port: 8080, versions: { v1: { image: 'x/data:1' } }, resilience: { timeout: duration.seconds(1) } });
    const app = t.service('app', { port: 8080, versions: { v1: { image: 'x/app:1' }, v2: { image: 'x/app:2', replicas: 3 } }, calls: [data] });
    app.route('jason', { match: { headers: { 'end-user': 'jason' } }, to: app.version('v2') });
    app.route('canary', { to: [app.version('v1').weight(20), app.version('v2').weight(80)] });
    t.service('web', { port: 80, versions: { v1: { image: 'x/web:1' } }, calls: [app] });
    const e = emit(mesh);

    const web = e.config('storefront/web-v1');
    expect(web.routes!.map((r) => r.name)).toEqual(['app.storefront/jason', 'app.storefront/canary']);
    expect(e.route('storefront/web-v1', 'app.storefront/jason')).toMatchObject({
      hosts: FQDN_HOSTS('app', 'storefront', 8080, true),
      match: { headers: { 'end-user': { exact: 'jason' } } },
      action: { type: 'forward', destinations: [{ service: 'app', subset: 'v2', weight: 100 }] },
    });
    expect(e.route('storefront/web-v1', 'app.storefront/canary').action).toEqual({
      type: 'forward',
      destinations: [
        { service: 'app', subset: 'v1', weight: 20 },
        { service: 'app', subset: 'v2', weight: 80 },
      ],
    });
    // canary matches everything: no catch-all is appended after it.
    expect(e.service('storefront/web-v1', 'app')).toMatchObject({
      namespace: 'storefront',
      hosts: FQDN_HOSTS('app', 'storefront', 8080, true),
      subsets: [
        // The headless per-version Service's pods, on their inbound listener; its name until DNS answers.
        { name: 'v1', endpoints: [{ address: 'app-v1.storefront.svc.cluster.local', port: 15006 }], discovery: { type: 'dns', host: 'app-v1.storefront.svc.cluster.local', port: 15006 } },
        { name: 'v2', endpoints: [{ address: 'app-v2.storefront.svc.cluster.local', port: 15006, weight: 3 }] },
      ],
    });
    // data declares no routes: an implicit catch-all carries its service-level timeout.
    expect(e.route('storefront/app-v1', 'data.storefront/(default)')).toEqual({
      name: 'data.storefront/(default)',
      hosts: FQDN_HOSTS('data', 'storefront', 8080, true),
      match: {},
      action: { type: 'forward', destinations: [{ service: 'data', weight: 100 }] },
      timeoutMs: 1000,
    });
    expect(e.service('storefront/app-v1', 'data').hosts).toEqual(FQDN_HOSTS('data', 'storefront', 8080, true));
    // A workload that calls nothing routes nothing.
    expect(e.config('storefront/data-v1')).toMatchObject({ services: [], routes: [] });
    expectGolden('split-header', e, { manifests: true });
  });

  it('applies route-level timeout, retries and fault over the service defaults, field by field', () => {
    const mesh = weftMesh();
    const t = mesh.team('shop');
    const api = t.service('api', {
      port: 8080,
      versions: { v1: { image: 'x/api:1' } },
      resilience: {
        timeout: duration.seconds(2),
        retries: { attempts: 3, perTryTimeout: duration.millis(500), on: ['5xx', 'connect-failure'] },
        fault: { delay: { fixed: duration.millis(100), percent: 5 } },
      },
    });
    api.route('slow', { match: { path: { prefix: '/reports' } }, to: api, timeout: duration.seconds(30) });
    api.route('no-retry', { match: { path: { prefix: '/pay' } }, to: api, retries: { attempts: 0 } });
    api.route('tuned', {
      match: { path: { prefix: '/search' } },
      to: api,
      retries: { attempts: 5, perTryTimeout: '200ms', on: ['gateway-error', 'retriable-status-codes'], statusCodes: [409], backoff: { base: '10ms', max: '100ms' }, retryNonIdempotent: true },
      fault: { abort: { status: 503, percent: 1 } },
    });
    api.route('moved', { match: { path: { exact: '/old' } }, redirect: { uri: '/new' } });
    api.route('default', { to: api });
    t.service('client', { port: 8080, versions: { v1: { image: 'x/c:1' } }, calls: [api] });
    const e = emit(mesh);
    const w = 'shop/client-v1';
    const defaults = { timeoutMs: 2000, retries: { attempts: 3, perTryTimeoutMs: 500, retryOn: ['5xx', 'connect-failure'] }, fault: { delay: { fixedDelayMs: 100, percent: 5 } } };

    expect(e.route(w, 'api.shop/slow')).toMatchObject({ ...defaults, timeoutMs: 30000 });
    const noRetry = e.route(w, 'api.shop/no-retry');
    expect(noRetry.retries).toBeUndefined(); // attempts: 0 overrides the service's 3 retries
    expect(noRetry).toMatchObject({ timeoutMs: 2000, fault: defaults.fault });
    expect(e.route(w, 'api.shop/tuned')).toMatchObject({
      timeoutMs: 2000,
      retries: { attempts: 5, perTryTimeoutMs: 200, retryOn: ['gateway-error', 'retriable-status-codes'], retriableStatusCodes: [409], backoff: { baseMs: 10, maxMs: 100 }, retryNonIdempotent: true },
      fault: { abort: { httpStatus: 503, percent: 1 } },
    });
    // A redirect takes no timeout or retries (the proxy rejects them there), but the fault applies.
    const moved = e.route(w, 'api.shop/moved');
    expect(moved).toEqual({
      name: 'api.shop/moved',
      hosts: FQDN_HOSTS('api', 'shop', 8080, true),
      match: { path: { exact: '/old' } },
      action: { type: 'redirect', path: '/new', status: 301 },
      fault: defaults.fault,
    });
    expect(e.route(w, 'api.shop/default')).toMatchObject(defaults);
    expect(e.diagnostics).toEqual([]);
    expectGolden('resilience-precedence', e);
  });

  it('maps redirect, direct response, rewrite, headers, CORS and mirror', () => {
    const mesh = weftMesh();
    const t = mesh.team('shop');
    const shadow = t.service('shadow', { port: 9000, versions: { v1: { image: 'x/s:1' } } });
    const api = t.service('api', { port: 8080, versions: { v1: { image: 'x/api:1' }, v2: { image: 'x/api:2' } } });
    api.route('legacy', { match: { path: { prefix: '/v0' } }, redirect: { uri: '/v1', authority: 'api.example.com', scheme: 'https', port: 8443, status: 308 } });
    api.route('ping', { match: { path: { exact: '/ping' }, methods: ['get', 'HEAD'] }, directResponse: { status: 200, body: 'pong' } });
    api.route('gone', { match: { path: { exact: '/gone' } }, directResponse: { status: 410 } });
    api.route('web', {
      match: { path: { prefix: '/web/' }, query: { lang: { regex: '[a-z]{2}' } } },
      rewrite: { uri: '/', authority: 'web.internal' },
      headers: { request: { set: { 'x-from': 'weft' }, add: { 'x-trace': '1' }, remove: ['cookie'] }, response: { set: { 'cache-control': 'no-store' } } },
      cors: { allowOrigins: ['https://a.example', { prefix: 'https://b.' }], allowMethods: ['GET'], allowHeaders: ['authorization'], exposeHeaders: ['x-id'], maxAge: duration.minutes(10), allowCredentials: true },
      mirror: { to: shadow, percent: 12.5 },
      to: api.version('v2'),
    });
    api.route('mirror-subset', { match: { path: { prefix: '/m' } }, mirror: { to: api.version('v1') }, to: api.version('v2') });
    api.route('default', { to: api.version('v1') });
    t.service('client', { port: 8080, versions: { v1: { image: 'x/c:1' } }, calls: [api] });
    const e = emit(mesh);
    const w = 'shop/client-v1';

    expect(e.route(w, 'api.shop/legacy').action).toEqual({ type: 'redirect', path: '/v1', authority: 'api.example.com', scheme: 'https', port: 8443, status: 308 });
    expect(e.route(w, 'api.shop/ping')).toMatchObject({ match: { path: { exact: '/ping' }, methods: ['GET', 'HEAD'] }, action: { type: 'directResponse', status: 200, body: 'pong' } });
    expect(e.route(w, 'api.shop/gone').action).toEqual({ type: 'directResponse', status: 410 });
    expect(e.route(w, 'api.shop/web')).toMatchObject({
      match: { path: { prefix: '/web/' }, query: { lang: { regex: '[a-z]{2}' } } },
      rewrite: { uri: '/', authority: 'web.internal' },
      headers: { request: { set: { 'x-from': 'weft' }, add: { 'x-trace': '1' }, remove: ['cookie'] }, response: { set: { 'cache-control': 'no-store' } } },
      cors: { allowOrigins: [{ exact: 'https://a.example' }, { prefix: 'https://b.' }], allowMethods: ['GET'], allowHeaders: ['authorization'], exposeHeaders: ['x-id'], maxAgeMs: 600000, allowCredentials: true },
      mirror: { service: 'shadow', percent: 12.5 },
    });
    expect(e.route(w, 'api.shop/mirror-subset').mirror).toEqual({ service: 'api', subset: 'v1', percent: 100 });
    // The mirror target is in the config (reachable only through the route: no fallback hosts).
    expect(e.service(w, 'shadow')).toMatchObject({ hosts: [], subsets: [{ name: 'v1', endpoints: [{ address: 'shadow-v1.shop.svc.cluster.local', port: 15006 }] }] });
    expect(e.config(w).services!.map((s) => s.name)).toEqual(['api', 'shadow']);
    expect(e.diagnostics).toEqual([]);
    expectGolden('route-features', e);
  });

  it('keeps a route only for the source service it names (Istio sourceLabels), clause by clause', () => {
    const mesh = weftMesh();
    const t = mesh.team('shop');
    const api = t.service('api', { port: 8080, versions: { v1: { image: 'x/api:1' }, v2: { image: 'x/api:2' } } });
    const web = t.service('web', { port: 8080, versions: { v1: { image: 'x/web:1' } }, calls: [api] });
    const batch = t.service('batch', { port: 8080, versions: { v1: { image: 'x/b:1' } }, calls: [api] });
    api.route('web-beta', { match: { headers: { beta: 'yes' }, from: web }, to: api.version('v2') });
    api.route('mixed', { match: [{ path: { prefix: '/a' }, from: batch }, { path: { prefix: '/b' } }], to: api.version('v2') });
    api.route('batch-only', { match: { from: batch }, to: api.version('v2') });
    api.route('default', { to: api.version('v1') });
    const e = emit(mesh);

    expect(e.routes('shop/web-v1').map((r) => r.name)).toEqual(['api.shop/web-beta', 'api.shop/mixed#2', 'api.shop/default']);
    expect(e.route('shop/web-v1', 'api.shop/web-beta').match).toEqual({ headers: { beta: { exact: 'yes' } } });
    expect(e.routes('shop/batch-v1').map((r) => r.name)).toEqual(['api.shop/mixed#1', 'api.shop/mixed#2', 'api.shop/batch-only', 'api.shop/default']);
    expect(e.route('shop/batch-v1', 'api.shop/mixed#1').match).toEqual({ path: { prefix: '/a' } });
    // "from batch" with nothing else matches every request from batch: a catch-all for batch only.
    expect(e.route('shop/batch-v1', 'api.shop/batch-only').match).toEqual({});
    expectGolden('source-service', e);
  });

  it('appends a catch-all to the service after routes that leave requests unmatched, as the istio target does', () => {
    const mesh = weftMesh();
    const t = mesh.team('shop');
    const api = t.service('api', { port: 8080, versions: { v1: { image: 'x/api:1' }, v2: { image: 'x/api:2' } }, resilience: { timeout: '3s' } });
    const web = t.service('web', { port: 8080, versions: { v1: { image: 'x/web:1' } }, calls: [api] });
    t.service('batch', { port: 8080, versions: { v1: { image: 'x/b:1' } }, calls: [api] });
    api.route('beta', { match: { headers: { beta: 'yes' } }, to: api.version('v2') });
    api.route('everything-from-web', { match: { path: { prefix: '/' }, from: web }, to: api.version('v1') });
    const e = emit(mesh);
    // For web, the second route matches everything (a "/" prefix counts): nothing is appended.
    expect(e.routes('shop/web-v1').map((r) => r.name)).toEqual(['api.shop/beta', 'api.shop/everything-from-web']);
    // For batch it does not apply: unmatched requests reach every endpoint, with the service's timeout.
    expect(e.routes('shop/batch-v1').map((r) => r.name)).toEqual(['api.shop/beta', 'api.shop/(default)']);
    expect(e.route('shop/batch-v1', 'api.shop/(default)')).toMatchObject({ match: {}, action: { type: 'forward', destinations: [{ service: 'api', weight: 100 }] }, timeoutMs: 3000 });
  });

  it('puts routes for exact hosts before routes for wildcard hosts, as Envoy picks the most specific virtual host', () => {
    const mesh = weftMesh();
    const t = mesh.team('shop');
    const api = t.service('api', { port: 8080, versions: { v1: { image: 'x/api:1' } } });
    api.route('wild', { hosts: ['*.example.com'], to: api });
    api.route('exact', { hosts: ['api.example.com'], to: api });
    t.service('web', { port: 8080, versions: { v1: { image: 'x/web:1' } }, calls: [api] });
    const e = emit(mesh);
    expect(e.routes('shop/web-v1').map((r) => [r.name, r.hosts])).toEqual([
      ['api.shop/exact', ['api.example.com']],
      ['api.shop/(default)', FQDN_HOSTS('api', 'shop', 8080, true)],
      ['api.shop/wild', ['*.example.com']],
    ]);
  });

  it('reaches services across namespaces by name.namespace and longer, never by the bare name', () => {
    const mesh = weftMesh();
    const data = mesh.team('data').service('store', { port: 7000, versions: { v1: { image: 'x/s:1' } } });
    mesh.team('web').service('front', { port: 8080, versions: { v1: { image: 'x/f:1' } }, calls: [data] });
    const e = emit(mesh);
    expect(e.service('web/front-v1', 'store').hosts).toEqual(FQDN_HOSTS('store', 'data', 7000, false));
    expect(e.route('web/front-v1', 'store.data/(default)').hosts).toEqual(FQDN_HOSTS('store', 'data', 7000, false));
  });

  it('injects faults from the service default and the route override', () => {
    const mesh = weftMesh();
    const t = mesh.team('shop');
    const api = t.service('api', { port: 8080, versions: { v1: { image: 'x/api:1' } }, resilience: { fault: { abort: { status: 500, percent: 10 } } } });
    api.route('chaos', { match: { headers: { 'x-chaos': 'on' } }, to: api, fault: { delay: { fixed: '2s' }, abort: { status: 503, percent: 50 } } });
    api.route('default', { to: api });
    const plain = t.service('plain', { port: 8080, versions: { v1: { image: 'x/p:1' } }, resilience: { fault: { delay: { fixed: '300ms', percent: 20 } } } });
    t.service('client', { port: 8080, versions: { v1: { image: 'x/c:1' } }, calls: [api, plain] });
    const e = emit(mesh);
    const w = 'shop/client-v1';
    expect(e.route(w, 'api.shop/chaos').fault).toEqual({ delay: { fixedDelayMs: 2000, percent: 100 }, abort: { httpStatus: 503, percent: 50 } });
    expect(e.route(w, 'api.shop/default').fault).toEqual({ abort: { httpStatus: 500, percent: 10 } });
    expect(e.route(w, 'plain.shop/(default)').fault).toEqual({ delay: { fixedDelayMs: 300, percent: 20 } });
    // Faults are the caller's: the receiving workload's inbound listener injects none (no double injection).
    expect(e.config('shop/api-v1').listeners.inbound).not.toHaveProperty('fault');
    expectGolden('fault', e);
  });
});
