import { describe, expect, it } from 'vitest';
import { Mesh } from '../../../src/index';
import { emit, expectGolden, expectValid, find, ofKind } from './helpers';

function secured(authorization: 'deny-by-default' | 'allow-all' = 'deny-by-default') {
  const m = new Mesh('shop', { environments: { prod: { mesh: 'istio' } }, trustDomain: 'shop.example', security: { mtls: 'strict', authorization } });
  const store = m.team('storefront');
  const ops = m.team('ops');
  const orders = store.service('orders', { port: 8080, versions: { v1: { image: 'i' } }, serviceAccount: 'orders-sa' });
  const front = store.service('front', { port: 8080, versions: { v1: { image: 'i' } }, calls: [orders] });
  const admin = ops.service('admin', { port: 8080, versions: { v1: { image: 'i' } } });
  orders.requireJwt('auth0', {
    issuer: 'https://shop.eu.auth0.com/',
    jwksUri: 'https://shop.eu.auth0.com/.well-known/jwks.json',
    audiences: ['orders'],
    fromHeaders: [{ name: 'x-jwt', prefix: 'Bearer ' }],
    forwardOriginalToken: true,
  });
  orders.allow('admins', { from: { services: [admin], jwtClaims: { groups: ['admin', 'ops'] } }, to: { methods: ['delete'], paths: ['/orders/*'] } });
  orders.allow('users', { from: { authenticated: true, namespaces: ['storefront'] }, to: { methods: ['GET'], ports: [8080] } });
  orders.deny('no-internal', { from: { ipBlocks: ['10.0.0.0/8'] }, to: { paths: ['/internal/*'] } });
  const gw = m.gateway('public', { hosts: ['shop.example.com'] });
  gw.route('all', { to: front });
  return m;
}

describe('istio security', () => {
  it('AuthorizationPolicy: allow-nothing per namespace, ALLOW from callers, the gateway and declared rules, DENY rules, required JWT', () => {
    const { manifests, diagnostics } = emit(secured());
    expect(diagnostics).toEqual([]);
    const ap = ofKind(manifests, 'AuthorizationPolicy');
    expectValid(ap);
    expectGolden('authorization-policy', ap);
    expect(find(manifests, 'AuthorizationPolicy', 'allow-nothing', 'storefront').spec).toEqual({});
    expect(find(manifests, 'AuthorizationPolicy', 'allow-nothing', 'ops').spec).toEqual({});
    const orders = find(manifests, 'AuthorizationPolicy', 'orders', 'storefront').spec;
    expect(orders.action).toBe('ALLOW');
    expect(orders.rules[0]).toEqual({ from: [{ source: { principals: ['shop.example/ns/storefront/sa/front'] } }] });
    expect(orders.rules[1]).toEqual({
      from: [{ source: { principals: ['shop.example/ns/ops/sa/admin'] } }],
      to: [{ operation: { methods: ['DELETE'], paths: ['/orders/*'] } }],
      when: [{ key: 'request.auth.claims[groups]', values: ['admin', 'ops'] }],
    });
    expect(orders.rules[2]).toEqual({ from: [{ source: { namespaces: ['storefront'], requestPrincipals: ['*'] } }], to: [{ operation: { methods: ['GET'], ports: ['8080'] } }] });
    expect(find(manifests, 'AuthorizationPolicy', 'front', 'storefront').spec.rules).toEqual([
      { from: [{ source: { principals: ['shop.example/ns/istio-system/sa/istio-ingressgateway-service-account'] } }] },
    ]);
    expect(find(manifests, 'AuthorizationPolicy', 'orders-deny').spec).toEqual({
      selector: { matchLabels: { app: 'orders' } },
      action: 'DENY',
      rules: [{ from: [{ source: { ipBlocks: ['10.0.0.0/8'] } }], to: [{ operation: { paths: ['/internal/*'] } }] }],
    });
    // Per required issuer (`<iss>/<sub>`; this issuer ends in "/"), not "*" (issue 8 §2).
    expect(find(manifests, 'AuthorizationPolicy', 'orders-require-jwt').spec.rules).toEqual([{ from: [{ source: { notRequestPrincipals: ['https://shop.eu.auth0.com//*'] } }] }]);
    // "admin" is called by nobody and has no allow rule: allow-nothing is all it gets.
    expect(manifests.some((x) => x.kind === 'AuthorizationPolicy' && x.metadata.name === 'admin')).toBe(false);
  });

  it('AuthorizationPolicy: allow-all emits no ALLOW policy, keeps DENY policies', () => {
    const ap = ofKind(emit(secured('allow-all')).manifests, 'AuthorizationPolicy');
    expect(ap.map((x) => `${(x as any).spec.action} ${x.metadata.name}`)).toEqual(['DENY orders-deny', 'DENY orders-require-jwt']);
  });

  it('derives the gateway principal from its selector', async () => {
    const { ingressGatewayServiceAccount } = await import('../../../src/targets/istio/authorization-policy');
    expect(ingressGatewayServiceAccount({ selector: { istio: 'ingressgateway' } })).toBe('istio-ingressgateway-service-account');
    expect(ingressGatewayServiceAccount({ selector: { istio: 'ingress', app: 'istio-ingress' } })).toBe('istio-ingress');
  });

  it('lets callers of a service reach the services its routes forward and mirror to', () => {
    const m = new Mesh('m', { environments: { prod: { mesh: 'istio' } } });
    const t = m.team('a');
    const v2 = t.service('catalog-v2', { port: 80, versions: { v1: { image: 'i' } } });
    const shadow = t.service('shadow', { port: 80, versions: { v1: { image: 'i' } } });
    const catalog = t.service('catalog', { port: 80, versions: { v1: { image: 'i' } } });
    catalog.route('new', { match: { path: { prefix: '/new' } }, to: v2, mirror: { to: shadow, percent: 10 } });
    t.service('web', { port: 80, versions: { v1: { image: 'i' } }, calls: [catalog] });
    const { manifests } = emit(m);
    for (const name of ['catalog', 'catalog-v2', 'shadow'])
      expect(find(manifests, 'AuthorizationPolicy', name).spec.rules).toEqual([{ from: [{ source: { principals: ['cluster.local/ns/a/sa/web'] } }] }]);
  });

  it('RequestAuthentication: jwtRules with issuer, jwksUri or jwks, audiences, fromHeaders, forwardOriginalToken', () => {
    const m = secured();
    const jwks = { keys: [{ kty: 'RSA', kid: 'k1', n: 'abc', e: 'AQAB' }] };
    const inline = m.node.findAll().find((c) => (c as any).name === 'admin') as any;
    inline.requireJwt('local', { issuer: 'https://issuer.local', jwks, fromParams: ['token'], required: false });
    const { manifests } = emit(m);
    const ra = ofKind(manifests, 'RequestAuthentication');
    expectValid(ra);
    expectGolden('request-authentication', ra);
    expect(find(manifests, 'RequestAuthentication', 'orders').spec.jwtRules).toEqual([
      {
        issuer: 'https://shop.eu.auth0.com/',
        jwksUri: 'https://shop.eu.auth0.com/.well-known/jwks.json',
        audiences: ['orders'],
        fromHeaders: [{ name: 'x-jwt', prefix: 'Bearer ' }],
        forwardOriginalToken: true,
      },
    ]);
    expect(find(manifests, 'RequestAuthentication', 'admin').spec.jwtRules).toEqual([{ issuer: 'https://issuer.local', jwks: JSON.stringify(jwks), fromParams: ['token'] }]);
    // Not required: no DENY policy for requests without a token.
    expect(manifests.some((x) => x.metadata.name === 'admin-require-jwt')).toBe(false);
  });

  it('PeerAuthentication: mesh, namespace and workload modes', () => {
    const m = new Mesh('m', { environments: { prod: { mesh: 'istio' } }, security: { mtls: 'strict', authorization: 'allow-all' }, defaultsScope: 'mesh-wide' });
    const legacy = m.team('legacy');
    legacy.service('old-a', { port: 80, versions: { v1: { image: 'i' } }, security: { mtls: 'permissive' } });
    legacy.service('old-b', { port: 80, versions: { v1: { image: 'i' } }, security: { mtls: 'permissive' } });
    const apps = m.team('apps');
    apps.service('modern', { port: 80, versions: { v1: { image: 'i' } } });
    apps.service('metrics-scraped', { port: 80, versions: { v1: { image: 'i' } }, security: { mtls: 'disable' } });
    const { manifests, diagnostics } = emit(m);
    expect(diagnostics).toEqual([]);
    const pa = ofKind(manifests, 'PeerAuthentication');
    expectValid(pa);
    expectGolden('peer-authentication', pa);
    expect(pa.map((p) => [p.metadata.namespace, p.metadata.name, (p as any).spec.mtls.mode, (p as any).spec.selector?.matchLabels.app])).toEqual([
      ['istio-system', 'default', 'STRICT', undefined],
      ['legacy', 'default', 'PERMISSIVE', undefined],
      ['apps', 'metrics-scraped', 'DISABLE', 'metrics-scraped'],
    ]);
    expect(find(manifests, 'DestinationRule', 'metrics-scraped').spec.trafficPolicy.tls).toEqual({ mode: 'DISABLE' });
  });
});
