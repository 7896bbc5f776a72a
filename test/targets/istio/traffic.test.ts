import { describe, expect, it } from 'vitest';
import { Mesh, duration } from '../../../src/index';
import { emit, expectGolden, expectValid, find, ofKind } from './helpers';

function shop() {
  const mesh = new Mesh('shop', { environments: { prod: { mesh: 'istio' } } });
  const t = mesh.team('storefront');
  const data = t.service('golang-app-data', { port: 8080, versions: { v1: { image: 'x/data:1' } } });
  const app = t.service('springboot-app', {
    port: 8080,
    versions: { v1: { image: 'x/app:1' }, v2: { image: 'x/app:2', replicas: 2 } },
    calls: [data],
    resilience: {
      loadBalancer: { policy: 'consistent-hash', header: 'x-user', ringSize: 2048 },
      circuitBreaker: { consecutive5xx: 5, interval: duration.seconds(10), baseEjection: duration.seconds(30), maxConnections: 100, maxPendingRequests: 10, maxRequests: 200, maxRequestsPerConnection: 5 },
    },
  });
  app.route('jason', { match: { headers: { 'end-user': 'jason' } }, to: app.version('v2') });
  app.route('canary', { to: [app.version('v1').weight(20), app.version('v2').weight(80)] });
  const gw = mesh.gateway('public', { hosts: ['shop.example.com'], tls: { secretName: 'shop-tls' } });
  gw.route('api', { match: { path: { prefix: '/api' } }, to: app });
  gw.route('home', { to: app.version('v1') });
  const ext = t.externalService('payments', { hosts: ['api.payments.example'], ports: [{ port: 443, protocol: 'https' }] });
  app.addCalls(ext);
  return mesh;
}

describe('istio traffic', () => {
  it('VirtualService: one per host, routes merged in declared order, bound to the mesh or the gateway', () => {
    const { manifests, diagnostics } = emit(shop());
    expect(diagnostics).toEqual([]);
    const vs = ofKind(manifests, 'VirtualService');
    expectValid(vs);
    expectGolden('virtual-service', vs);
    const app = find(manifests, 'VirtualService', 'springboot-app', 'storefront');
    expect(app.spec.gateways).toEqual(['mesh']);
    expect(app.spec.http.map((r: { name: string }) => r.name)).toEqual(['jason', 'canary']);
    const gw = find(manifests, 'VirtualService', 'public-shop.example.com', 'istio-system');
    expect(gw.spec.gateways).toEqual(['istio-system/public']);
    // The gateway route to springboot-app carries its routes (issue 8 §2); the canary is catch-all, so no fallback follows.
    expect(gw.spec.http.map((r: { name: string }) => r.name)).toEqual(['api-jason', 'api-canary', 'home']);
    // A service without routes still gets its host's VirtualService with the catch-all route.
    expect(find(manifests, 'VirtualService', 'golang-app-data').spec.http).toEqual([
      { name: 'default', route: [{ destination: { host: 'golang-app-data.storefront.svc.cluster.local' } }] },
    ]);
  });

  it('names the port of a multi-port service on gateway routes only (IST0112); mesh routes keep the request port', () => {
    const mesh = new Mesh('shop', { environments: { prod: { mesh: 'istio' } } });
    const web = mesh.team('web').service('web', {
      ports: [{ port: 80, targetPort: 8080, name: 'http-web' }, { port: 9090, protocol: 'grpc', name: 'grpc-admin' }],
      versions: { v1: { image: 'x/web:1' } },
    });
    web.route('all', { to: web.version('v1') });
    const gw = mesh.gateway('public', { hosts: ['shop.example.com'] });
    gw.route('home', { to: web, mirror: { to: web.version('v1'), percent: 5 } });
    gw.route('admin', { match: { path: { prefix: '/admin' } }, to: web.version('v1').port(9090) });
    const { manifests } = emit(mesh);
    const edge = find(manifests, 'VirtualService', 'public-shop.example.com', 'istio-system');
    expect(edge.spec.http.map((r: { route: { destination: { port?: { number: number } } }[] }) => r.route[0]!.destination.port)).toEqual([{ number: 80 }, { number: 9090 }]);
    expect(edge.spec.http[0].mirror.port).toEqual({ number: 80 });
    const inMesh = find(manifests, 'VirtualService', 'web', 'web');
    expect(inMesh.spec.http[0].route[0].destination.port).toBeUndefined();
  });

  it('adds a default route after routes that all match something', () => {
    const mesh = new Mesh('m', { environments: { prod: { mesh: 'istio' } } });
    const t = mesh.team('a');
    const s = t.service('s', { port: 80, versions: { v1: { image: 'i' }, v2: { image: 'i' } } });
    s.route('beta', { match: { headers: { beta: 'yes' } }, to: s.version('v2') });
    const vs = find(emit(mesh).manifests, 'VirtualService', 's');
    expect(vs.spec.http.map((r: { name: string }) => r.name)).toEqual(['beta', 'default']);
  });

  it('binds one VirtualService to both the mesh and a gateway, limiting each route with match.gateways', () => {
    const mesh = new Mesh('m', { environments: { prod: { mesh: 'istio' } } });
    const t = mesh.team('web');
    const s = t.service('site', { port: 80, versions: { v1: { image: 'i' } } });
    s.route('internal', { hosts: ['site.example.com'], match: { path: { prefix: '/internal' } }, to: s });
    const gw = mesh.gateway('edge', { hosts: ['site.example.com'], namespace: 'web' });
    gw.route('all', { to: s });
    const { manifests, diagnostics } = emit(mesh);
    expect(diagnostics).toEqual([]);
    const vs = find(manifests, 'VirtualService', 'site.example.com', 'web');
    expectValid([vs]);
    expectGolden('virtual-service-mesh-and-gateway', [vs]);
    expect(vs.spec.gateways).toEqual(['mesh', 'web/edge']);
    expect(vs.spec.http[0].match).toEqual([{ uri: { prefix: '/internal' }, gateways: ['mesh'] }]);
    expect(vs.spec.http[1].match).toEqual([{ gateways: ['web/edge'] }]);
  });

  it('DestinationRule: subsets per version, consistent hash, connection pool, outlier detection, ISTIO_MUTUAL', () => {
    const { manifests } = emit(shop());
    const dr = ofKind(manifests, 'DestinationRule');
    expectValid(dr);
    expectGolden('destination-rule', dr);
    const app = find(manifests, 'DestinationRule', 'springboot-app');
    // One rule per version holds its subset, so that removing a version is a deletion (pruned last): make-before-break.test.ts.
    expect(app.spec).not.toHaveProperty('subsets');
    expect(find(manifests, 'DestinationRule', 'springboot-app.v1').spec).toEqual({ host: 'springboot-app.storefront.svc.cluster.local', subsets: [{ name: 'v1', labels: { version: 'v1' } }] });
    expect(find(manifests, 'DestinationRule', 'springboot-app.v2').spec.subsets).toEqual([{ name: 'v2', labels: { version: 'v2' } }]);
    expect(app.spec.trafficPolicy.tls).toEqual({ mode: 'ISTIO_MUTUAL' });
    expect(app.spec.trafficPolicy.loadBalancer).toEqual({ consistentHash: { httpHeaderName: 'x-user', ringHash: { minimumRingSize: 2048 } } });
  });

  it('DestinationRule: every load balancer and hash key, DISABLE TLS without mTLS, gateway-error-only ejection', () => {
    const mesh = new Mesh('m', { environments: { prod: { mesh: 'istio' } }, security: { mtls: 'disable', authorization: 'allow-all' } });
    const t = mesh.team('a');
    const lbs = [
      { policy: 'round-robin' },
      { policy: 'least-request' },
      { policy: 'random' },
      { policy: 'consistent-hash', cookie: { name: 'sid', ttl: '1h', path: '/' } },
      { policy: 'consistent-hash', sourceIp: true },
      { policy: 'consistent-hash', query: 'user' },
    ] as const;
    lbs.forEach((loadBalancer, i) => t.service(`s${i}`, { port: 80, versions: { v1: { image: 'i' } }, resilience: { loadBalancer } }));
    t.service('gw-errors', { port: 80, versions: { v1: { image: 'i' } }, resilience: { circuitBreaker: { consecutiveGatewayErrors: 3 } } });
    const { manifests, diagnostics } = emit(mesh);
    expect(diagnostics).toEqual([]);
    const dr = ofKind(manifests, 'DestinationRule');
    expectValid(dr);
    expectGolden('destination-rule-load-balancers', dr);
    expect(find(manifests, 'DestinationRule', 's0').spec.trafficPolicy.tls).toEqual({ mode: 'DISABLE' });
    expect(find(manifests, 'DestinationRule', 'gw-errors').spec.trafficPolicy.outlierDetection).toEqual({
      consecutive5xxErrors: 0,
      consecutiveGatewayErrors: 3,
      interval: '10s',
      baseEjectionTime: '30s',
      maxEjectionPercent: 10,
    });
  });

  it('Gateway: HTTPS with the TLS credential and an HTTP redirect server', () => {
    const { manifests } = emit(shop());
    const gw = ofKind(manifests, 'Gateway');
    expectValid(gw);
    expectGolden('gateway', gw);
    expect(find(manifests, 'Gateway', 'public', 'istio-system').spec.servers[0].tls).toEqual({ mode: 'SIMPLE', credentialName: 'shop-tls' });
  });

  it('Gateway: plain HTTP, and mutual TLS', () => {
    const mesh = new Mesh('m', { environments: { prod: { mesh: 'istio' } } });
    mesh.gateway('plain', { hosts: ['a.example.com'] });
    mesh.gateway('mtls', { hosts: ['b.example.com'], tls: { secretName: 'b-tls', mode: 'mutual', httpsRedirect: false } });
    const gw = ofKind(emit(mesh).manifests, 'Gateway');
    expectValid(gw);
    expect(gw.map((g) => (g as any).spec.servers)).toEqual([
      [{ port: { number: 80, name: 'http-80', protocol: 'HTTP' }, hosts: ['a.example.com'] }],
      [{ port: { number: 443, name: 'https-443', protocol: 'HTTPS' }, hosts: ['b.example.com'], tls: { mode: 'MUTUAL', credentialName: 'b-tls' } }],
    ]);
  });

  it('ServiceEntry for an ExternalService, with the protocol from the port name', () => {
    const mesh = new Mesh('m', { environments: { prod: { mesh: 'istio' } } });
    const t = mesh.team('a');
    t.externalService('payments', { hosts: ['api.payments.example'] });
    t.externalService('legacy', { hosts: ['legacy.internal'], ports: [{ port: 5432, protocol: 'tcp' }], resolution: 'static', addresses: ['10.0.0.5'] });
    t.externalService('grpc-api', { hosts: ['grpc.example.com', 'grpc2.example.com'], ports: [{ port: 8443, protocol: 'grpc' }] });
    const { manifests, diagnostics } = emit(mesh);
    expect(diagnostics).toEqual([]);
    const se = ofKind(manifests, 'ServiceEntry');
    expectValid(se);
    expectGolden('service-entry', se);
    expect(find(manifests, 'ServiceEntry', 'payments').spec.ports).toEqual([{ number: 443, name: 'https-443', protocol: 'HTTPS' }]);
  });

  it('reports a ServiceEntry Istio rejects: several hosts on a plain TCP port', () => {
    const mesh = new Mesh('m', { environments: { prod: { mesh: 'istio' } } });
    mesh.team('a').externalService('dbs', { hosts: ['db1.internal', 'db2.internal'], ports: [{ port: 5432, protocol: 'tcp' }] });
    const { diagnostics } = emit(mesh);
    expect(diagnostics.map((d) => [d.code, d.severity])).toEqual([['WEFT600', 'error']]);
    expect(diagnostics[0]!.message).toContain('several hosts on a plain TCP port');
  });

  it('Sidecar per namespace: egress limited to declared calls, REGISTRY_ONLY under deny-by-default', () => {
    const { manifests } = emit(shop());
    const sc = ofKind(manifests, 'Sidecar');
    expectValid(sc);
    expectGolden('sidecar', sc);
    expect(find(manifests, 'Sidecar', 'default', 'storefront').spec).toEqual({
      egress: [{ hosts: ['storefront/golang-app-data.storefront.svc.cluster.local', 'storefront/api.payments.example'] }],
      outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' },
    });
  });

  it('Sidecar: a namespace that calls nothing sees no hosts; allow-all keeps ALLOW_ANY; callers see the callee\'s route targets', () => {
    const mesh = new Mesh('m', { environments: { prod: { mesh: 'istio' } }, security: { mtls: 'strict', authorization: 'allow-all' } });
    const a = mesh.team('a');
    const b = mesh.team('b');
    const backend = b.service('backend', { port: 80, versions: { v1: { image: 'i' } } });
    const legacy = b.service('legacy', { port: 80, versions: { v1: { image: 'i' } } });
    backend.route('old', { match: { path: { prefix: '/old' } }, to: legacy });
    a.service('front', { port: 80, versions: { v1: { image: 'i' } }, calls: [backend] });
    const { manifests } = emit(mesh);
    expect(find(manifests, 'Sidecar', 'default', 'a').spec).toEqual({
      egress: [{ hosts: ['b/backend.b.svc.cluster.local', 'b/legacy.b.svc.cluster.local'] }],
      outboundTrafficPolicy: { mode: 'ALLOW_ANY' },
    });
    expect(find(manifests, 'Sidecar', 'default', 'b').spec.egress).toEqual([{ hosts: ['~/*'] }]);
  });

  it('routes forward-only traffic to a TCP port as a tcp route', () => {
    const mesh = new Mesh('m', { environments: { prod: { mesh: 'istio' } } });
    const t = mesh.team('a');
    const db = t.service('db', { ports: [{ port: 5432, protocol: 'tcp' }], versions: { v1: { image: 'i' }, v2: { image: 'i' } } });
    db.route('migrate', { to: [db.version('v1').weight(90), db.version('v2').weight(10)] });
    const { manifests, diagnostics } = emit(mesh);
    expect(diagnostics).toEqual([]);
    const vs = find(manifests, 'VirtualService', 'db');
    expectValid([vs]);
    expect(vs.spec.http).toBeUndefined();
    expect(vs.spec.tcp).toEqual([
      {
        route: [
          { destination: { host: 'db.a.svc.cluster.local', subset: 'v1' }, weight: 90 },
          { destination: { host: 'db.a.svc.cluster.local', subset: 'v2' }, weight: 10 },
        ],
      },
    ]);
  });
});
