import { RE2JS } from 're2js';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../../src/analyze/index';
import { rewriteStep } from '../../../src/proxy/pipeline/rewrite';
import { Mesh, duration } from '../../../src/index';
import { codes, emit, expectValid, find } from './helpers';

/** Issue 8 §2, Istio routing semantics: each case is a behaviour a real cluster would get wrong. */

function storefront() {
  const mesh = new Mesh('m', { environments: { prod: { mesh: 'istio' } }, security: { mtls: 'strict', authorization: 'deny-by-default' } });
  const t = mesh.team('storefront', { namespace: 'storefront' });
  const app = t.service('app', { port: 8080, versions: { v1: { image: 'x/app:1' }, v2: { image: 'x/app:2' } } });
  const web = t.service('web', { ports: [{ port: 80, targetPort: 8080, protocol: 'http', name: 'http-web' }], versions: { v1: { image: 'x/web:1' } }, calls: [app] });
  return { mesh, t, app, web };
}

describe('gateway traffic obeys the service\'s own routes', () => {
  it('copies the service routes (rewrite, headers, mirror) in front of the gateway route', () => {
    const { mesh, app, web } = storefront();
    web.route('captcha', { match: { path: { prefix: '/captcha' } }, rewrite: { uri: '/' }, to: web, timeout: duration.seconds(5), headers: { request: { set: { 'x-forwarded-prefix': '/captcha' } } } });
    web.route('default', { to: web, mirror: { to: app.version('v2'), percent: 5 } });
    const gw = mesh.gateway('public', { hosts: ['shop.example.com'] });
    gw.route('storefront', { match: { path: { prefix: '/' } }, to: web });
    const { manifests, diagnostics } = emit(mesh);
    expect(codes(diagnostics)).toEqual([]);
    const vs = find(manifests, 'VirtualService', 'public-shop.example.com', 'istio-system');
    expect(vs.spec.http.map((r: any) => r.name)).toEqual(['storefront-captcha', 'storefront-default']);
    expect(vs.spec.http[0]).toMatchObject({
      match: [{ uri: { prefix: '/captcha' } }],
      rewrite: { uriRegexRewrite: { match: '^(?:/captcha)/?', rewrite: '/' } },
      timeout: '5s',
      headers: { request: { set: { 'x-forwarded-prefix': '/captcha' } } },
      route: [{ destination: { host: 'web.storefront.svc.cluster.local' } }],
    });
    expect(vs.spec.http[1]).toMatchObject({ match: [{ uri: { prefix: '/' } }], mirror: { host: 'app.storefront.svc.cluster.local', subset: 'v2' }, mirrorPercentage: { value: 5 } });
    // The gateway itself now sends the mirrored copy: its identity must be allowed at the mirror target.
    const appPolicy = find(manifests, 'AuthorizationPolicy', 'app', 'storefront');
    expect(appPolicy.spec.rules[0].from[0].source.principals).toContain('cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account');
    expectValid(manifests);
  });

  it('applies a canary split and narrows the gateway prefix into the service route, keeping the gateway route as the fallback', () => {
    const { mesh, app } = storefront();
    app.route('jason', { match: { headers: { 'end-user': { exact: 'jason' } } }, to: app.version('v2') });
    app.route('beta', { match: { path: { prefix: '/api/beta' } }, rewrite: { uri: '/api' }, to: app.version('v2') });
    app.route('other', { match: { path: { prefix: '/other' } }, to: app.version('v1') });
    const gw = mesh.gateway('public', { hosts: ['shop.example.com'] });
    gw.route('api', { match: { path: { prefix: '/api' } }, to: app });
    const vs = find(emit(mesh).manifests, 'VirtualService', 'public-shop.example.com');
    // "other" can never match below /api, so it is not copied; the gateway route stays last.
    expect(vs.spec.http.map((r: any) => r.name)).toEqual(['api-jason', 'api-beta', 'api']);
    expect(vs.spec.http[0].match).toEqual([{ uri: { prefix: '/api' }, headers: { 'end-user': { exact: 'jason' } } }]);
    expect(vs.spec.http[0].route).toEqual([{ destination: { host: 'app.storefront.svc.cluster.local', subset: 'v2' } }]);
    expect(vs.spec.http[1]).toMatchObject({ match: [{ uri: { prefix: '/api/beta' } }], rewrite: { uri: '/api' } });
  });

  it('carries a service route\'s rate-limit tag and CORS policy onto the gateway copy, so the receiving sidecar counts gateway traffic in that route\'s bucket', () => {
    const { mesh, app } = storefront();
    app.route('limited', { match: { path: { prefix: '/search' } }, to: app, rateLimit: { requests: 5, per: '1s' }, cors: { allowOrigins: ['https://shop.example.com'] } });
    mesh.gateway('public', { hosts: ['shop.example.com'] }).route('all', { to: app });
    const vs = find(emit(mesh).manifests, 'VirtualService', 'public-shop.example.com');
    const copy = vs.spec.http.find((r: any) => r.name === 'all-limited');
    expect(copy.headers.request.set).toEqual({ 'x-weft-route': 'storefront.app.limited' });
    expect(copy.corsPolicy.allowOrigins).toEqual([{ exact: 'https://shop.example.com' }]);
  });

  it('leaves a gateway route that names a version alone (the gateway decided)', () => {
    const { mesh, app } = storefront();
    app.route('canary', { to: [app.version('v1').weight(20), app.version('v2').weight(80)] });
    const gw = mesh.gateway('public', { hosts: ['shop.example.com'] });
    gw.route('pinned', { to: app.version('v1') });
    const vs = find(emit(mesh).manifests, 'VirtualService', 'public-shop.example.com');
    expect(vs.spec.http.map((r: any) => r.name)).toEqual(['pinned']);
  });

  it('reports a service route whose match cannot be folded into the gateway route\'s (WEFT621)', () => {
    const { mesh, app } = storefront();
    app.route('versioned', { match: { path: { regex: '^/v[0-9]+/x' } }, to: app.version('v2') });
    const gw = mesh.gateway('public', { hosts: ['shop.example.com'] });
    gw.route('api', { match: { path: { regex: '/api/.*' } }, to: app });
    const { diagnostics } = emit(mesh);
    expect(diagnostics.filter((d) => d.code === 'WEFT621').map((d) => d.message)).toEqual([expect.stringContaining('route "versioned" of service "app" cannot govern traffic from gateway route "api"')]);
  });
});

describe('ingress gateway identity', () => {
  it('allows the gateway pods\' identity (istio-system, istio-ingressgateway-service-account), not the Gateway resource\'s namespace', () => {
    const { mesh, web } = storefront();
    // The standard layout: the Gateway resource in the team's namespace, the pods in istio-system.
    mesh.gateway('public', { hosts: ['shop.example.com'], namespace: 'storefront' }).route('all', { to: web });
    const policy = find(emit(mesh).manifests, 'AuthorizationPolicy', 'web', 'storefront');
    expect(policy.spec.rules[0].from[0].source.principals).toEqual(['cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account']);
  });

  it('takes the namespace and service account declared on the gateway', () => {
    const { mesh, web } = storefront();
    mesh.gateway('public', { hosts: ['shop.example.com'], workload: { namespace: 'ingress', serviceAccount: 'edge-gw' } }).route('all', { to: web });
    const policy = find(emit(mesh).manifests, 'AuthorizationPolicy', 'web', 'storefront');
    expect(policy.spec.rules[0].from[0].source.principals).toEqual(['cluster.local/ns/ingress/sa/edge-gw']);
  });
});

describe('authorization ports', () => {
  it('writes the workload\'s targetPort, which Istio matches, not the Service port', () => {
    const { mesh, t } = storefront();
    const api = t.service('api', { ports: [{ port: 80, targetPort: 8080, protocol: 'http', name: 'http-web' }, { port: 9090, protocol: 'grpc', name: 'grpc-admin' }], versions: { v1: { image: 'x/api:1' } } });
    api.allow('web', { from: { namespaces: ['storefront'] }, to: { ports: [80, 9090] } });
    api.deny('admin', { from: { ipBlocks: ['0.0.0.0/0'] }, to: { ports: [80] } });
    const { manifests } = emit(mesh);
    expect(find(manifests, 'AuthorizationPolicy', 'api').spec.rules.at(-1).to).toEqual([{ operation: { ports: ['8080', '9090'] } }]);
    expect(find(manifests, 'AuthorizationPolicy', 'api-deny').spec.rules[0].to).toEqual([{ operation: { ports: ['8080'] } }]);
  });
});

describe('gRPC retries', () => {
  it('keeps declared gRPC status classes: every gRPC call is a POST, so they must survive the non-idempotent split', () => {
    const mesh = new Mesh('m', { environments: { prod: { mesh: 'istio' } } });
    const t = mesh.team('a');
    t.service('trade', { port: 8080, protocol: 'grpc', versions: { v1: { image: 'x/t:1' } }, resilience: { retries: { attempts: 2, on: ['unavailable', 'resource-exhausted', 'connect-failure'] } } });
    t.service('mixed', { port: 8080, protocol: 'grpc', versions: { v1: { image: 'x/m:1' } }, resilience: { retries: { attempts: 2, on: ['5xx', 'cancelled', 'unavailable'] } } });
    const { manifests } = emit(mesh);
    const trade = find(manifests, 'VirtualService', 'trade').spec.http;
    expect(trade.map((r: any) => r.retries.retryOn)).toEqual(['unavailable,resource-exhausted,connect-failure']);
    const mixed = find(manifests, 'VirtualService', 'mixed').spec.http;
    // 5xx may repeat a POST that reached the upstream, so the split stays; the gRPC classes stay on both halves.
    expect(mixed.map((r: any) => [r.name, r.retries.retryOn])).toEqual([
      ['default', '5xx,cancelled,unavailable'],
      ['default-non-idempotent', 'connect-failure,cancelled,unavailable'],
    ]);
  });
});

describe('required JWT', () => {
  it('denies requests without a principal from a REQUIRED issuer; an optional issuer\'s token does not satisfy it', () => {
    const mesh = new Mesh('m', { environments: { prod: { mesh: 'istio' } } });
    const s = mesh.team('a').service('orders', { port: 8080, versions: { v1: { image: 'x/o:1' } } });
    s.requireJwt('idp', { issuer: 'https://idp.example.com', jwksUri: 'https://idp.example.com/jwks.json' });
    s.requireJwt('partner', { issuer: 'https://partner.example.org', jwksUri: 'https://partner.example.org/jwks.json', required: false });
    const policy = find(emit(mesh).manifests, 'AuthorizationPolicy', 'orders-require-jwt');
    expect(policy.spec).toMatchObject({ action: 'DENY', rules: [{ from: [{ source: { notRequestPrincipals: ['https://idp.example.com/*'] } }] }] });
  });

  it('writes a nested claim declared as a bracket path as request.auth.claims[a][b]; a dotted name stays one claim', () => {
    const mesh = new Mesh('m', { environments: { prod: { mesh: 'istio' } } });
    const s = mesh.team('a').service('orders', { port: 8080, versions: { v1: { image: 'x/o:1' } } });
    s.requireJwt('idp', { issuer: 'https://idp.example.com', jwksUri: 'https://idp.example.com/jwks.json' });
    s.allow('admins', { from: { jwtClaims: { 'realm_access[roles]': 'admin', 'https://shop.example.com/tier': 'gold' } } });
    const policy = find(emit(mesh).manifests, 'AuthorizationPolicy', 'orders');
    expect(policy.spec.rules.at(-1).when).toEqual([
      { key: 'request.auth.claims[realm_access][roles]', values: ['admin'] },
      { key: 'request.auth.claims[https://shop.example.com/tier]', values: ['gold'] },
    ]);
  });

  it('refuses a claim key that is neither a name nor a bracket path', () => {
    const mesh = new Mesh('m', { environments: { prod: { mesh: 'istio' } } });
    const s = mesh.team('a').service('orders', { port: 8080, versions: { v1: { image: 'x/o:1' } } });
    s.allow('bad', { from: { jwtClaims: { 'roles]': 'x' } } });
    expect(mesh.toModel().diagnostics.map((d) => d.code)).toContain('WEFT001');
  });
});

describe('CORS preflight', () => {
  const cors = { allowOrigins: ['https://shop.example.com'], allowMethods: ['GET', 'POST'] };

  it('adds an OPTIONS preflight clause to a method-restricted route with a CORS policy', () => {
    const mesh = new Mesh('m', { environments: { prod: { mesh: 'istio' } } });
    const s = mesh.team('a').service('orders', { port: 8080, versions: { v1: { image: 'x/o:1' } } });
    s.route('api', { match: { path: { prefix: '/orders' }, methods: ['GET', 'POST'] }, to: s, cors });
    const { manifests, diagnostics } = emit(mesh);
    expect(codes(diagnostics)).toEqual([]);
    const api = find(manifests, 'VirtualService', 'orders').spec.http[0];
    expect(api.match).toEqual([
      { uri: { prefix: '/orders' }, method: { regex: 'GET|POST' } },
      { uri: { prefix: '/orders' }, method: { exact: 'OPTIONS' }, headers: { origin: { regex: '.+' }, 'access-control-request-method': { regex: '.+' } } },
    ]);
    expect(api.corsPolicy.allowOrigins).toEqual([{ exact: 'https://shop.example.com' }]);
    expectValid(manifests);
  });

  it('warns when the route also requires a header no preflight carries (analyzer WEFT128), and does not widen the match', () => {
    const mesh = new Mesh('m', { environments: { prod: { mesh: 'istio' } } });
    const s = mesh.team('a').service('orders', { port: 8080, versions: { v1: { image: 'x/o:1' } } });
    s.route('api', { match: { path: { prefix: '/orders' }, methods: ['POST'], headers: { 'x-tenant': { exact: 'a' } } }, to: s, cors });
    expect(analyze(mesh.toModel().model!).filter((d) => d.code === 'WEFT128').map((d) => d.severity)).toEqual(['warning']);
    expect(find(emit(mesh).manifests, 'VirtualService', 'orders').spec.http[0].match).toHaveLength(1);
  });
});

describe('prefix rewrite', () => {
  function rewritten(match: string, rewrite: string, path: string): string {
    return RE2JS.compile(match).matcher(path).replaceAll(rewrite);
  }

  it('rewrites prefix /legacy to / without producing //x (uriRegexRewrite, checked with RE2)', () => {
    const mesh = new Mesh('m', { environments: { prod: { mesh: 'istio' } } });
    const s = mesh.team('a').service('s', { port: 80, versions: { v1: { image: 'x/s:1' } } });
    s.route('legacy', { match: { path: { prefix: '/legacy' } }, rewrite: { uri: '/' }, to: s });
    s.route('api', { match: { path: { prefix: '/api/' } }, rewrite: { uri: '/v2/' }, to: s });
    const { manifests } = emit(mesh);
    const [legacy, api] = find(manifests, 'VirtualService', 's').spec.http;
    expect(legacy.rewrite).toEqual({ uriRegexRewrite: { match: '^(?:/legacy)/?', rewrite: '/' } });
    const { match, rewrite } = legacy.rewrite.uriRegexRewrite;
    expect(['/legacy/x', '/legacy', '/legacy/', '/legacyfoo', '/legacy/a/b'].map((p) => rewritten(match, rewrite, p))).toEqual(['/x', '/', '/', '/foo', '/a/b']);
    // A prefix that ends in "/" has no doubled slash: the plain uri rewrite stays.
    expect(api.rewrite).toEqual({ uri: '/v2/' });
    expectValid(manifests);
  });

  it('the weft proxy rewrites the same way', () => {
    const seen: string[] = [];
    for (const path of ['/legacy/x?q=1', '/legacy', '/legacyfoo']) {
      const ex = { path, headers: [] as string[], authority: 'a' } as unknown as Parameters<ReturnType<NonNullable<ReturnType<typeof rewriteStep>>>>[0];
      rewriteStep({ uri: '/' }, { prefix: '/legacy' })!((e) => seen.push(e.path))(ex, {} as never);
    }
    expect(seen).toEqual(['/x?q=1', '/', '/foo']);
  });
});

describe('static TCP external services', () => {
  it('gets addresses, so that it does not capture all egress on its port', () => {
    const mesh = new Mesh('m', { environments: { prod: { mesh: 'istio' } } });
    const t = mesh.team('a');
    const db = t.externalService('legacy-db', { hosts: ['db.legacy.internal'], ports: [{ port: 5432, protocol: 'tcp' }], resolution: 'static', addresses: ['10.0.0.5', '10.0.0.6'] });
    const api = t.externalService('api', { hosts: ['api.example.com'], resolution: 'static', addresses: ['192.0.2.10'] });
    t.service('s', { port: 80, versions: { v1: { image: 'x/s:1' } }, calls: [db, api] });
    const { manifests } = emit(mesh);
    const entry = find(manifests, 'ServiceEntry', 'legacy-db').spec;
    expect(entry).toMatchObject({ resolution: 'STATIC', addresses: ['10.0.0.5', '10.0.0.6'], endpoints: [{ address: '10.0.0.5' }, { address: '10.0.0.6' }] });
    // HTTPS is told apart by SNI: no addresses needed.
    expect(find(manifests, 'ServiceEntry', 'api').spec).not.toHaveProperty('addresses');
    expectValid(manifests);
  });
});
