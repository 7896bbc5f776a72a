import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analyze/index';
import { diagnose, expectNone, expectOne, modelOf, newMesh, v1, v1v2, withCode } from './helpers';

/** A service declared in another Mesh: a reference the analysed mesh cannot resolve. */
function foreignService(name = 'ghost', namespace = 'storefront') {
  const other = newMesh();
  return other.team('other', { namespace }).service(name, { port: 8080, versions: v1 });
}

describe('WEFT101 unknown service', () => {
  it('reports a route destination naming a service the mesh does not declare', () => {
    const mesh = newMesh();
    const t = mesh.team('storefront');
    const app = t.service('app', { port: 8080, versions: v1 });
    const ghost = foreignService();
    const route = app.route('to-ghost', { to: ghost });
    const d = expectOne(diagnose(mesh), 'WEFT101', { at: route, severity: 'error', message: ['route "to-ghost" sends traffic to', 'service "ghost"', '"storefront"', 'not declared'] });
    expect(d.path).toBe('shop/storefront/app/route:to-ghost');
  });

  it('reports calls, mirrors, authorization sources and match sources, each at its own construct', () => {
    const mesh = newMesh();
    const t = mesh.team('storefront');
    const ghost = foreignService();
    const caller = t.service('caller', { port: 8080, versions: v1, calls: [ghost] });
    const app = t.service('app', { port: 8080, versions: v1 });
    const mirrored = app.route('mirrored', { to: app, mirror: { to: ghost, percent: 10 } });
    const fromGhost = app.route('from-ghost', { match: { from: ghost }, to: app });
    const rule = app.allow('ghosts', { from: { services: [ghost] } });
    const diags = withCode(diagnose(mesh), 'WEFT101');
    expect(diags.map((d) => [d.location?.line, d.message.split(' service ')[0]])).toEqual([
      [caller.location.line, 'service "caller" calls'],
      [mirrored.location.line, 'route "mirrored" mirrors traffic to'],
      [fromGhost.location.line, 'route "from-ghost" matches requests from'],
      [rule.location.line, 'allow rule "ghosts" on'],
    ]);
  });

  it('suggests the namespace where a service of that name exists', () => {
    const mesh = newMesh();
    const app = mesh.team('storefront').service('app', { port: 8080, versions: v1 });
    mesh.team('commerce').service('ghost', { port: 8080, versions: v1 });
    const route = app.route('r', { to: foreignService('ghost', 'storefront') });
    const d = expectOne(diagnose(mesh), 'WEFT101', { at: route, severity: 'error', message: ['"ghost"'] });
    expect(d.hint).toContain('namespace "commerce"');
  });

  it('is silent for declared services (near miss)', () => {
    const mesh = newMesh();
    const t = mesh.team('storefront');
    const data = t.service('data', { port: 8080, versions: v1 });
    const app = t.service('app', { port: 8080, versions: v1, calls: [data] });
    app.route('r', { match: { from: data }, to: data, mirror: { to: data, percent: 5 } });
    data.allow('app', { from: { services: [app] } });
    expectNone(diagnose(mesh), 'WEFT101');
  });
});

describe('WEFT102 unknown external service', () => {
  it('reports a call to an external service the mesh does not declare', () => {
    const mesh = newMesh();
    const stripe = newMesh().team('other').externalService('stripe', { hosts: ['api.stripe.com'] });
    const app = mesh.team('storefront').service('app', { port: 8080, versions: v1, calls: [stripe] });
    expectOne(diagnose(mesh), 'WEFT102', { at: app, severity: 'error', message: ['service "app" calls external service "stripe"', 'not declared'] });
  });

  it('is silent for a declared external service (near miss)', () => {
    const mesh = newMesh();
    const t = mesh.team('storefront');
    const stripe = t.externalService('stripe', { hosts: ['api.stripe.com'] });
    t.service('app', { port: 8080, versions: v1, calls: [stripe] });
    expectNone(diagnose(mesh), 'WEFT102');
  });
});

describe('WEFT104 unknown version', () => {
  it('names the route, the share, the version and the service', () => {
    const mesh = newMesh();
    const reviews = mesh.team('bookinfo').service('reviews', { port: 9080, versions: v1v2 });
    const canary = reviews.route('canary', { to: [reviews.version('v1').weight(80), reviews.version('v3').weight(20)] });
    const d = expectOne(diagnose(mesh), 'WEFT104', {
      at: canary,
      severity: 'error',
      message: ['route "canary" sends 20% to version "v3", which service "reviews" does not declare'],
    });
    expect(d.hint).toContain('"v1" and "v2"');
  });

  it('reports an unknown mirror version', () => {
    const mesh = newMesh();
    const reviews = mesh.team('bookinfo').service('reviews', { port: 9080, versions: v1 });
    const r = reviews.route('shadow', { to: reviews, mirror: { to: reviews.version('v9'), percent: 5 } });
    expectOne(diagnose(mesh), 'WEFT104', { at: r, severity: 'error', message: ['mirrors 5% to version "v9"'] });
  });

  it('is silent for declared versions (near miss)', () => {
    const mesh = newMesh();
    const reviews = mesh.team('bookinfo').service('reviews', { port: 9080, versions: v1v2 });
    reviews.route('canary', { to: [reviews.version('v1').weight(80), reviews.version('v2').weight(20)] });
    expectNone(diagnose(mesh), 'WEFT104');
  });
});

describe('WEFT105 unknown port', () => {
  it('reports a destination port the service does not expose', () => {
    const mesh = newMesh();
    const app = mesh.team('storefront').service('app', { port: 8080, versions: v1 });
    const r = app.route('admin', { to: app.version('v1').port(9090) });
    expectOne(diagnose(mesh), 'WEFT105', { at: r, severity: 'error', message: ['port 9090 of service "app"', 'exposes only 8080'] });
  });

  it('is silent for an exposed port (near miss)', () => {
    const mesh = newMesh();
    const app = mesh.team('storefront').service('app', { port: 8080, versions: v1 });
    app.route('main', { to: app.version('v1').port(8080) });
    expectNone(diagnose(mesh), 'WEFT105');
  });
});

describe('WEFT103 unknown gateway and WEFT106 unknown team (models not built by constructs)', () => {
  function build() {
    const mesh = newMesh();
    const t = mesh.team('storefront');
    const app = t.service('app', { port: 8080, versions: v1 });
    const gw = mesh.gateway('public', { hosts: ['shop.example.com'] });
    const route = gw.route('all', { to: app });
    return { model: modelOf(mesh), app, route };
  }

  it('reports a gateway route whose gateway is not in the model', () => {
    const { model, route } = build();
    const renamed = { ...model, gateways: model.gateways.map((g) => ({ ...g, name: 'renamed' })) };
    expectOne(analyze(renamed), 'WEFT103', { at: route, severity: 'error', message: ['route "all" belongs to gateway "public"', 'not declared'] });
  });

  it('reports a service whose team is not in the model', () => {
    const { model, app } = build();
    expectOne(analyze({ ...model, teams: [] }), 'WEFT106', { at: app, severity: 'error', message: ['service "app" belongs to team "storefront"'] });
  });

  it('is silent for the model the constructs build (near miss)', () => {
    const { model } = build();
    const diags = analyze(model);
    expectNone(diags, 'WEFT103');
    expectNone(diags, 'WEFT106');
  });
});
