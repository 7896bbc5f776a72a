import { describe, expect, it } from 'vitest';
import { diagnose, expectNone, expectOne, newMesh, v1 } from './helpers';

describe('WEFT110 duplicate service', () => {
  it('reports the second declaration in one namespace, pointing at the first', () => {
    const mesh = newMesh();
    const t = mesh.team('storefront');
    const first = t.service('app', { port: 8080, versions: v1 });
    const second = t.service('app', { port: 8081, versions: v1 });
    const d = expectOne(diagnose(mesh), 'WEFT110', { at: second, severity: 'error', message: ['service "app" is declared twice in namespace "storefront"', `first at line ${first.location.line}`] });
    expect(d.path).toBe('shop/storefront/app~2');
  });

  it('reports two teams declaring the same service in a shared namespace', () => {
    const mesh = newMesh();
    mesh.team('a', { namespace: 'shared' }).service('app', { port: 8080, versions: v1 });
    const dup = mesh.team('b', { namespace: 'shared' }).service('app', { port: 8080, versions: v1 });
    expectOne(diagnose(mesh), 'WEFT110', { at: dup, severity: 'error', message: ['namespace "shared"'] });
  });

  it('allows one name in two namespaces (near miss)', () => {
    const mesh = newMesh();
    mesh.team('a').service('app', { port: 8080, versions: v1 });
    mesh.team('b').service('app', { port: 8080, versions: v1 });
    expectNone(diagnose(mesh), 'WEFT110');
  });
});

describe('WEFT111 duplicate route name', () => {
  it('reports two routes of one name on a service and on a gateway', () => {
    const mesh = newMesh();
    const app = mesh.team('storefront').service('app', { port: 8080, versions: v1 });
    app.route('main', { match: { path: { prefix: '/a' } }, to: app });
    const dup = app.route('main', { to: app });
    const diags = diagnose(mesh);
    expectOne(diags, 'WEFT111', { at: dup, severity: 'error', message: ['route "main" is declared twice on service "app"'] });

    const mesh2 = newMesh();
    const app2 = mesh2.team('storefront').service('app', { port: 8080, versions: v1 });
    const gw = mesh2.gateway('public', { hosts: ['shop.example.com'] });
    gw.route('r', { match: { path: { prefix: '/a' } }, to: app2 });
    const dup2 = gw.route('r', { to: app2 });
    expectOne(diagnose(mesh2), 'WEFT111', { at: dup2, severity: 'error', message: ['on gateway "public"'] });
  });

  it('allows one route name on two services (near miss)', () => {
    const mesh = newMesh();
    const t = mesh.team('storefront');
    const a = t.service('a', { port: 8080, versions: v1 });
    const b = t.service('b', { port: 8080, versions: v1 });
    a.route('default', { to: a });
    b.route('default', { to: b });
    expectNone(diagnose(mesh), 'WEFT111');
  });
});

describe('WEFT112 duplicate gateway', () => {
  it('reports a second gateway of the same name', () => {
    const mesh = newMesh();
    mesh.gateway('public', { hosts: ['a.example.com'] });
    const dup = mesh.gateway('public', { hosts: ['b.example.com'] });
    expectOne(diagnose(mesh), 'WEFT112', { at: dup, severity: 'error', message: ['gateway "public" is declared twice'] });
  });

  it('allows distinct names (near miss)', () => {
    const mesh = newMesh();
    mesh.gateway('public', { hosts: ['a.example.com'] });
    mesh.gateway('partner', { hosts: ['b.example.com'] });
    expectNone(diagnose(mesh), 'WEFT112');
  });
});

describe('WEFT113 duplicate team', () => {
  it('reports a second team of the same name, even in another namespace', () => {
    const mesh = newMesh();
    mesh.team('storefront');
    const dup = mesh.team('storefront', { namespace: 'storefront-2' });
    expectOne(diagnose(mesh), 'WEFT113', { at: dup, severity: 'error', message: ['team "storefront" is declared twice'] });
  });

  it('allows two teams sharing a namespace (near miss)', () => {
    const mesh = newMesh();
    mesh.team('web', { namespace: 'shared' });
    mesh.team('mobile', { namespace: 'shared' });
    expectNone(diagnose(mesh), 'WEFT113');
  });
});

describe('WEFT114 duplicate external service', () => {
  it('reports an external service name used twice in the mesh', () => {
    const mesh = newMesh();
    mesh.team('a').externalService('stripe', { hosts: ['api.stripe.com'] });
    const dup = mesh.team('b').externalService('stripe', { hosts: ['api.stripe.com'] });
    expectOne(diagnose(mesh), 'WEFT114', { at: dup, severity: 'error', message: ['external service "stripe" is declared twice'] });
  });

  it('allows distinct names (near miss)', () => {
    const mesh = newMesh();
    const t = mesh.team('a');
    t.externalService('stripe', { hosts: ['api.stripe.com'] });
    t.externalService('paypal', { hosts: ['api.paypal.com'] });
    expectNone(diagnose(mesh), 'WEFT114');
  });
});

describe('WEFT115 duplicate policy name', () => {
  it('reports an allow and a deny rule of one name, a JWT rule and an SLO declared twice', () => {
    const mesh = newMesh();
    const t = mesh.team('storefront');
    const caller = t.service('caller', { port: 8080, versions: v1 });
    const app = t.service('app', { port: 8080, versions: v1 });
    caller.addCalls(app);
    app.allow('callers', { from: { services: [caller] } });
    const deny = app.deny('callers', { to: { paths: ['/admin*'] } });
    app.requireJwt('auth0', { issuer: 'https://a', jwksUri: 'https://a/jwks' });
    const jwt = app.requireJwt('auth0', { issuer: 'https://b', jwksUri: 'https://b/jwks' });
    app.slo('availability', { availability: 99.9 });
    const slo = app.slo('availability', { availability: 99 });
    const diags = diagnose(mesh).filter((d) => d.code === 'WEFT115');
    expect(diags.map((d) => d.location?.line)).toEqual([deny.location.line, jwt.location.line, slo.location.line]);
    expect(diags.map((d) => d.message.split(' is ')[0])).toEqual(['authorization rule "callers"', 'JWT rule "auth0"', 'SLO "availability"']);
    expect(diags.every((d) => d.severity === 'error' && d.hint.length > 0)).toBe(true);
  });

  it('allows one policy name on two services (near miss)', () => {
    const mesh = newMesh();
    const t = mesh.team('storefront');
    t.service('a', { port: 8080, versions: v1 }).slo('availability', { availability: 99.9 });
    t.service('b', { port: 8080, versions: v1 }).slo('availability', { availability: 99.9 });
    expectNone(diagnose(mesh), 'WEFT115');
  });
});

describe('WEFT116 generated workload names collide', () => {
  it('reports two versions of different services that both become "<service>-<version>"', () => {
    const mesh = newMesh();
    const t = mesh.team('storefront');
    const app = t.service('app', { port: 8080, versions: { 'web-v1': { image: 'example/app:1' } } });
    const appWeb = t.service('app-web', { port: 8080, versions: { v1: { image: 'example/app-web:1' } } });
    const d = expectOne(diagnose(mesh), 'WEFT116', {
      at: appWeb,
      severity: 'error',
      message: ['version "v1" of service "app-web" and version "web-v1" of service "app"', `line ${app.location.line}`, 'workload "app-web-v1"'],
    });
    expect(d.path).toBe('shop/storefront/app-web/version:v1');
  });

  it('allows the same workload name in two namespaces (near miss)', () => {
    const mesh = newMesh();
    mesh.team('a').service('app', { port: 8080, versions: { 'web-v1': { image: 'example/app:1' } } });
    mesh.team('b').service('app-web', { port: 8080, versions: { v1: { image: 'example/app-web:1' } } });
    expectNone(diagnose(mesh), 'WEFT116');
  });
});
