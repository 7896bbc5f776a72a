import { describe, expect, it } from 'vitest';
import { diagnose, expectNone, expectOne, newMesh, v1, v1v2, withCode } from './helpers';

function app(mesh = newMesh()) {
  const svc = mesh.team('storefront').service('app', { port: 8080, versions: v1v2 });
  return { mesh, svc };
}

describe('WEFT120 route weights', () => {
  it('reports weights that do not sum to 100', () => {
    const { mesh, svc } = app();
    const r = svc.route('canary', { to: [svc.version('v1').weight(20), svc.version('v2').weight(70)] });
    const d = expectOne(diagnose(mesh), 'WEFT120', { at: r, severity: 'error', message: ['route "canary" sum to 90%', 'app:v1 20%', 'app:v2 70%'] });
    expect(d.hint).toContain('10');
  });

  it('reports one weighted destination among unweighted ones (those get 0)', () => {
    const { mesh, svc } = app();
    const r = svc.route('canary', { to: [svc.version('v1').weight(20), svc.version('v2')] });
    expectOne(diagnose(mesh), 'WEFT120', { at: r, severity: 'error', message: ['sum to 20%'] });
  });

  it('accepts 20/80 and an even split (near miss)', () => {
    const { mesh, svc } = app();
    svc.route('canary', { match: { headers: { x: 'y' } }, to: [svc.version('v1').weight(20), svc.version('v2').weight(80)] });
    svc.route('even', { to: [svc.version('v1'), svc.version('v2')] });
    expectNone(diagnose(mesh), 'WEFT120');
  });
});

describe('WEFT121 shadowed route', () => {
  it('reports prefix "/api" after prefix "/"', () => {
    const { mesh, svc } = app();
    const all = svc.route('all', { match: { path: { prefix: '/' } }, to: svc.version('v1') });
    const api = svc.route('api', { match: { path: { prefix: '/api' } }, to: svc.version('v2') });
    expectOne(diagnose(mesh), 'WEFT121', { at: api, severity: 'warning', message: ['route "api" can never match', `"all" (line ${all.location.line})`] });
  });

  it('reports any route after a route without conditions', () => {
    const { mesh, svc } = app();
    svc.route('default', { to: svc.version('v1') });
    const jason = svc.route('jason', { match: { headers: { 'end-user': 'jason' } }, to: svc.version('v2') });
    expectOne(diagnose(mesh), 'WEFT121', { at: jason, severity: 'warning', message: ['route "jason" can never match', '"default"'] });
  });

  it('reports a multi-clause route each of whose clauses an earlier route covers', () => {
    const { mesh, svc } = app();
    svc.route('reads', { match: [{ methods: ['GET', 'HEAD'] }, { path: { prefix: '/static' } }], to: svc.version('v1') });
    const late = svc.route('late', { match: [{ methods: ['GET'], path: { exact: '/x' } }, { path: { exact: '/static/a.css' } }], to: svc.version('v2') });
    svc.route('default', { to: svc });
    expectOne(diagnose(mesh), 'WEFT121', { at: late, severity: 'warning', message: ['"reads"'] });
  });

  it('reports an exact header that an earlier regex on it covers', () => {
    const { mesh, svc } = app();
    svc.route('testers', { match: { headers: { 'end-user': { regex: 'jason|anna' } } }, to: svc.version('v2') });
    const jason = svc.route('jason', { match: { headers: { 'end-user': 'jason' } }, to: svc.version('v1') });
    svc.route('default', { to: svc });
    expectOne(diagnose(mesh), 'WEFT121', { at: jason, severity: 'warning', message: ['"testers"'] });
  });

  it('does not over-report (near misses)', () => {
    const cases: Array<(svc: ReturnType<typeof app>['svc']) => void> = [
      // Narrow before broad is the right order.
      (s) => {
        s.route('api', { match: { path: { prefix: '/api' } }, to: s.version('v2') });
        s.route('all', { match: { path: { prefix: '/' } }, to: s.version('v1') });
      },
      // A later route that is broader in one dimension is still reachable.
      (s) => {
        s.route('get', { match: { methods: ['GET'] }, to: s.version('v1') });
        s.route('get-post', { match: { methods: ['GET', 'POST'] }, to: s.version('v2') });
      },
      // A regex that does not match the later exact value.
      (s) => {
        s.route('anna', { match: { headers: { 'end-user': { regex: 'anna.*' } } }, to: s.version('v1') });
        s.route('jason', { match: { headers: { 'end-user': 'jason' } }, to: s.version('v2') });
      },
      // Only two earlier routes together cover this one: not certain clause by clause, not reported.
      (s) => {
        s.route('get', { match: { methods: ['GET'] }, to: s.version('v1') });
        s.route('post', { match: { methods: ['POST'] }, to: s.version('v1') });
        s.route('get-or-post', { match: { methods: ['GET', 'POST'], path: { prefix: '/x' } }, to: s.version('v2') });
      },
      // "/apix" is not a prefix of every "/api" path.
      (s) => {
        s.route('apix', { match: { path: { prefix: '/apix' } }, to: s.version('v1') });
        s.route('api', { match: { path: { prefix: '/api' } }, to: s.version('v2') });
      },
      // An earlier route restricted to one caller does not cover a later route for everyone.
      (s) => {
        s.route('from-self', { match: { from: s }, to: s.version('v1') });
        s.route('api', { match: { path: { prefix: '/api' } }, to: s.version('v2') });
      },
    ];
    for (const build of cases) {
      const { mesh, svc } = app();
      build(svc);
      // Every case but the first (whose "/" route is the catch-all) ends with a default route.
      if (!svc.node.tryFindChild('route:all')) svc.route('default', { to: svc });
      expectNone(diagnose(mesh), 'WEFT121');
    }
  });

  it('only compares routes on the same host (near miss)', () => {
    const { mesh, svc } = app();
    svc.route('other-host', { hosts: ['legacy.example.internal'], to: svc.version('v1') });
    svc.route('api', { match: { path: { prefix: '/api' } }, to: svc.version('v2') });
    svc.route('default', { to: svc });
    expectNone(diagnose(mesh), 'WEFT121');
  });
});

describe('WEFT122 duplicate match', () => {
  it('reports two routes with identical match clauses, instead of a shadowing warning', () => {
    const { mesh, svc } = app();
    const first = svc.route('jason', { match: { headers: { 'end-user': 'jason' }, methods: ['GET', 'POST'] }, to: svc.version('v2') });
    const twin = svc.route('jason-again', { match: { methods: ['POST', 'GET'], headers: { 'End-User': 'jason' } }, to: svc.version('v1') });
    svc.route('default', { to: svc });
    const diags = diagnose(mesh);
    expectOne(diags, 'WEFT122', { at: twin, severity: 'warning', message: ['route "jason-again" has the same match as route "jason"', `line ${first.location.line}`, 'app.storefront'] });
    expectNone(diags, 'WEFT121');
  });

  it('is silent when the matches differ (near miss)', () => {
    const { mesh, svc } = app();
    svc.route('jason', { match: { headers: { 'end-user': 'jason' } }, to: svc.version('v2') });
    svc.route('anna', { match: { headers: { 'end-user': 'anna' } }, to: svc.version('v1') });
    svc.route('default', { to: svc });
    expectNone(diagnose(mesh), 'WEFT122');
  });
});

describe('WEFT123 routes for one host declared by several services', () => {
  it("reports a service routing another service's host while that service routes it too", () => {
    const mesh = newMesh();
    const t = mesh.team('storefront');
    const reviews = t.service('reviews', { port: 9080, versions: v1v2 });
    const keeper = reviews.route('default', { to: reviews.version('v1') });
    const hijacker = t.service('hijacker', { port: 8080, versions: v1 });
    // The short name "reviews" means the same host in the same namespace.
    const r = hijacker.route('steal', { hosts: ['reviews'], to: reviews.version('v2') });
    expectOne(diagnose(mesh), 'WEFT123', {
      at: r,
      severity: 'error',
      message: ['route "steal" of service "hijacker" is for host "reviews.storefront.svc.cluster.local"', 'service "reviews" also routes', `line ${keeper.location.line}`],
    });
  });

  it('is silent when only one service routes the host (near miss)', () => {
    const mesh = newMesh();
    const t = mesh.team('storefront');
    const reviews = t.service('reviews', { port: 9080, versions: v1v2 });
    const front = t.service('front', { port: 8080, versions: v1 });
    front.route('reviews-split', { hosts: [reviews.host], to: [reviews.version('v1').weight(50), reviews.version('v2').weight(50)] });
    front.route('default', { to: front });
    expectNone(diagnose(mesh), 'WEFT123');
  });
});

describe('WEFT124 no catch-all route', () => {
  it('reports a service whose routes all have conditions', () => {
    const { mesh, svc } = app();
    svc.route('jason', { match: { headers: { 'end-user': 'jason' } }, to: svc.version('v2') });
    svc.route('api', { match: { path: { prefix: '/api' } }, to: svc.version('v1') });
    // Every target sends unmatched requests on the service's own host to the service as a whole
    // (Istio: the appended `default` route; weft: the implicit route; Consul: the router's fall-through).
    const d = expectOne(diagnose(mesh), 'WEFT124', { at: svc, severity: 'warning', message: ['service "app" has routes ("jason", "api")', 'go to the service as a whole', '"v1", "v2"'] });
    expect(d.message).not.toContain('404');
  });

  it('says 404 only for another host, where no target appends a route', () => {
    const { mesh, svc } = app();
    svc.route('internal', { hosts: ['api.internal.example'], match: { path: { prefix: '/v1' } }, to: svc.version('v1') });
    expectOne(diagnose(mesh), 'WEFT124', { at: svc, severity: 'warning', message: ['for host "api.internal.example"', 'get 404 (no route)'] });
  });

  it('stays quiet for a service with one version: its unmatched requests reach the only version there is', () => {
    const mesh = newMesh();
    const single = mesh.team('storefront').service('single', { port: 8080, versions: v1 });
    const other = mesh.team('storefront').service('other', { port: 8080, versions: v1 });
    single.route('to-other', { match: { path: { prefix: '/other' } }, to: other });
    expectNone(diagnose(mesh), 'WEFT124');
  });

  it('accepts a last route without match, or with prefix "/" (near miss)', () => {
    const { mesh, svc } = app();
    svc.route('jason', { match: { headers: { 'end-user': 'jason' } }, to: svc.version('v2') });
    svc.route('rest', { match: { path: { prefix: '/' } }, to: svc.version('v1') });
    expectNone(diagnose(mesh), 'WEFT124');
    const { mesh: m2 } = app();
    expectNone(diagnose(m2), 'WEFT124'); // no routes at all: the service's default applies
  });

  it('does not apply to gateway routes', () => {
    const { mesh, svc } = app();
    mesh.gateway('public', { hosts: ['shop.example.com'] }).route('api', { match: { path: { prefix: '/api' } }, to: svc });
    expectNone(diagnose(mesh), 'WEFT124');
  });
});

describe('WEFT125 conflicting gateways', () => {
  it('reports two gateways on one workload and port with overlapping hosts', () => {
    const { mesh, svc } = app();
    const a = mesh.gateway('wild', { hosts: ['*.example.com'] });
    a.route('all', { to: svc });
    const b = mesh.gateway('shop', { hosts: ['shop.example.com'] });
    b.route('all', { to: svc });
    expectOne(diagnose(mesh), 'WEFT125', { at: b, severity: 'error', message: ['gateway "shop" serves "shop.example.com" on port 80', 'gateway "wild"'] });
  });

  it('is silent for other selectors, other ports or disjoint hosts (near miss)', () => {
    const { mesh, svc } = app();
    mesh.gateway('wild', { hosts: ['*.example.com'] }).route('all', { to: svc });
    mesh.gateway('internal', { hosts: ['shop.example.com'], selector: { istio: 'internal-gateway' } }).route('all', { to: svc });
    mesh.gateway('tls', { hosts: ['shop.example.com'], port: 8443 }).route('all', { to: svc });
    mesh.gateway('other', { hosts: ['example.org'] }).route('all', { to: svc });
    expect(withCode(diagnose(mesh), 'WEFT125')).toEqual([]);
  });
});
