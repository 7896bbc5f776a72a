import { describe, expect, it } from 'vitest';
import { Mesh } from '../../src/index';
import { diagnose, expectNone, expectOne, newMesh, v1, withCode } from './helpers';

describe('WEFT301 JWT condition without a JWT rule', () => {
  it('reports an allow rule on JWT claims on a service that validates no JWT', () => {
    const mesh = newMesh();
    const orders = mesh.team('commerce').service('orders', { port: 8080, versions: v1 });
    const rule = orders.allow('writers', { from: { jwtClaims: { scope: 'orders:write' } }, to: { methods: ['POST'] } });
    const d = expectOne(diagnose(mesh), 'WEFT301', { at: rule, severity: 'error', message: ['allow rule "writers" on service "orders" requires JWT claims (scope)', 'validates no JWT', 'never admits a request'] });
    expect(d.hint).toContain('orders.requireJwt');
  });

  it('reports a deny rule on `authenticated`', () => {
    const mesh = newMesh();
    const orders = mesh.team('commerce').service('orders', { port: 8080, versions: v1 });
    const rule = orders.deny('anonymous', { from: { authenticated: true }, to: { paths: ['/admin*'] } });
    expectOne(diagnose(mesh), 'WEFT301', { at: rule, severity: 'error', message: ['requires a valid JWT', 'never denies a request'] });
  });

  it('is silent when the service requires a JWT (near miss)', () => {
    const mesh = newMesh();
    const orders = mesh.team('commerce').service('orders', { port: 8080, versions: v1 });
    orders.requireJwt('auth0', { issuer: 'https://auth.example.com/', jwksUri: 'https://auth.example.com/.well-known/jwks.json' });
    orders.allow('writers', { from: { jwtClaims: { scope: 'orders:write' }, authenticated: true } });
    expectNone(diagnose(mesh), 'WEFT301');
  });
});

describe('WEFT302 authorization rule names an unknown namespace', () => {
  it('reports a namespace in which nothing is declared', () => {
    const mesh = newMesh();
    const orders = mesh.team('commerce').service('orders', { port: 8080, versions: v1 });
    const rule = orders.allow('from-shop', { from: { namespaces: ['comerce'] } });
    const d = expectOne(diagnose(mesh), 'WEFT302', { at: rule, severity: 'warning', message: ['allow rule "from-shop" on service "orders" names namespace "comerce"'] });
    expect(d.hint).toContain('commerce');
  });

  it('knows team, service and gateway namespaces (near miss)', () => {
    const mesh = newMesh();
    mesh.team('web', { namespace: 'storefront' });
    const orders = mesh.team('commerce').service('orders', { port: 8080, versions: v1 });
    mesh.gateway('public', { hosts: ['shop.example.com'] }).route('all', { to: orders });
    orders.allow('ns', { from: { namespaces: ['storefront', 'commerce', 'istio-system'] } });
    expectNone(diagnose(mesh), 'WEFT302');
  });
});

describe('WEFT303 identity-based authorization without mTLS', () => {
  function build(mesh: Mesh, mtls?: 'strict' | 'permissive' | 'disable') {
    const t = mesh.team('commerce');
    const orders = t.service('orders', { port: 8080, versions: v1, ...(mtls ? { security: { mtls } } : {}) });
    const caller = t.service('caller', { port: 8080, versions: v1, calls: [orders] });
    return { orders, caller };
  }

  it('is an error for an allow rule by principal when the mesh disables mTLS', () => {
    const mesh = newMesh({ security: { mtls: 'disable', authorization: 'deny-by-default' } });
    const { orders, caller } = build(mesh);
    const rule = orders.allow('caller', { from: { services: [caller] } });
    expectOne(diagnose(mesh), 'WEFT303', { at: rule, severity: 'error', message: ['allow rule "caller" on service "orders" matches callers by identity (from.services)', 'mTLS is "disable"', 'admits no one'] });
  });

  it("is a warning for a deny rule by namespace under the service's own permissive mode", () => {
    const mesh = newMesh();
    const { orders } = build(mesh, 'permissive');
    const rule = orders.deny('no-storefront', { from: { namespaces: ['commerce'] }, to: { paths: ['/admin*'] } });
    expectOne(diagnose(mesh), 'WEFT303', { at: rule, severity: 'warning', message: ['(from.namespaces)', 'mTLS is "permissive"', 'are not denied by it'] });
  });

  it('names the environments whose override turns mTLS off', () => {
    const mesh = new Mesh('shop', {
      environments: { dev: { mesh: 'weft', security: { mtls: 'disable' } }, prod: { mesh: 'istio' } },
    });
    const { orders, caller } = build(mesh);
    const rule = orders.allow('caller', { from: { services: [caller] } });
    const d = expectOne(diagnose(mesh), 'WEFT303', { at: rule, severity: 'error', message: ['mTLS is "disable"', '(in environment "dev")'] });
    expect(d.message).not.toContain('prod');
  });

  it('is silent under strict mTLS, and for rules that match no identity (near miss)', () => {
    const strict = newMesh();
    const a = build(strict);
    a.orders.allow('caller', { from: { services: [a.caller] } });
    expectNone(diagnose(strict), 'WEFT303');
    const off = newMesh({ security: { mtls: 'disable', authorization: 'allow-all' } });
    const b = build(off);
    b.orders.deny('office', { from: { ipBlocks: ['10.0.0.0/8'] } });
    expectNone(diagnose(off), 'WEFT303');
  });
});

describe('WEFT304 allow rule for a service that does not declare the call', () => {
  it('reports an allowed caller whose calls omit the service', () => {
    const mesh = newMesh();
    const t = mesh.team('commerce');
    const orders = t.service('orders', { port: 8080, versions: v1 });
    const billing = t.service('billing', { port: 8080, versions: v1 });
    const rule = orders.allow('billing', { from: { services: [billing] } });
    expectOne(diagnose(mesh), 'WEFT304', { at: rule, severity: 'warning', message: ['allow rule "billing" on service "orders" admits service "billing"', 'does not list "orders" in its calls'] });
  });

  it('is silent when the caller declares the call, or reaches the service through a route it calls (near miss)', () => {
    const mesh = newMesh();
    const t = mesh.team('commerce');
    const orders = t.service('orders', { port: 8080, versions: v1 });
    const legacy = t.service('legacy', { port: 8080, versions: v1 });
    const billing = t.service('billing', { port: 8080, versions: v1, calls: [orders] });
    orders.allow('billing', { from: { services: [billing] } });
    // front calls orders; orders' route sends part of that traffic to legacy; legacy allows front.
    const front = t.service('front', { port: 8080, versions: v1, calls: [orders] });
    orders.route('legacy-path', { match: { path: { prefix: '/v1' } }, to: legacy });
    orders.route('default', { to: orders });
    legacy.allow('front', { from: { services: [front] } });
    expectNone(diagnose(mesh), 'WEFT304');
  });
});

describe('WEFT305 route admits callers to a service they do not call', () => {
  function build(mesh: Mesh) {
    const t = mesh.team('commerce');
    const legacy = t.service('legacy', { port: 8080, versions: v1 });
    const orders = t.service('orders', { port: 8080, versions: v1 });
    const front = t.service('front', { port: 8080, versions: v1, calls: [orders] });
    return { t, legacy, orders, front };
  }

  it('warns that the mesh admits a caller of the route owner on the forward target it does not list', () => {
    const mesh = newMesh();
    const { orders, legacy } = build(mesh);
    const r = orders.route('legacy-path', { match: { path: { prefix: '/v1' } }, to: legacy });
    orders.route('default', { to: orders });
    const d = expectOne(diagnose(mesh), 'WEFT305', {
      at: r,
      severity: 'warning',
      message: ['route "legacy-path" forwards requests for "orders" to service "legacy"', 'the mesh admits caller "front" of "orders" on "legacy"', 'does not list "legacy" in calls', 'any request'],
    });
    // Every target admits the caller (the Istio ALLOW, Consul intentions, the weft proxy): nothing is rejected.
    expect(d.message).not.toMatch(/reject|denie/);
    expect(d.hint).toContain('add "legacy" to the calls of "front"');
  });

  it('says the same for a mirror', () => {
    const mesh = newMesh();
    const { orders, legacy } = build(mesh);
    const r = orders.route('default', { to: orders, mirror: { to: legacy, percent: 10 } });
    const d = expectOne(diagnose(mesh), 'WEFT305', { at: r, severity: 'warning', message: ['route "default" mirrors requests for "orders" to service "legacy"', 'the mesh admits caller "front"'] });
    expect(d.message).not.toMatch(/reject|denie/);
  });

  it('is silent when callers are admitted, the route is not theirs, or authorization is allow-all (near miss)', () => {
    // The caller lists the target.
    const m1 = newMesh();
    const a = build(m1);
    a.front.addCalls(a.legacy);
    a.orders.route('default', { to: a.legacy });
    expectNone(diagnose(m1), 'WEFT305');
    // An allow rule on the target admits the caller's namespace.
    const m2 = newMesh();
    const b = build(m2);
    b.orders.route('default', { to: b.legacy });
    b.legacy.allow('commerce', { from: { namespaces: ['commerce'] } });
    expectNone(diagnose(m2), 'WEFT305');
    // The route only applies to requests from another service.
    const m3 = newMesh();
    const c = build(m3);
    const ops = c.t.service('ops', { port: 8080, versions: v1, calls: [c.orders, c.legacy] });
    c.orders.route('ops-to-legacy', { match: { from: ops }, to: c.legacy });
    c.orders.route('default', { to: c.orders });
    expectNone(diagnose(m3), 'WEFT305');
    // allow-all: nothing is denied.
    const m4 = newMesh({ security: { mtls: 'strict', authorization: 'allow-all' } });
    const d = build(m4);
    d.orders.route('default', { to: d.legacy });
    expect(withCode(diagnose(m4), 'WEFT305')).toEqual([]);
  });
});
