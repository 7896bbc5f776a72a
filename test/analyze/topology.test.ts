import { describe, expect, it } from 'vitest';
import { diagnose, expectNone, expectOne, newMesh, v1, withCode } from './helpers';

describe('WEFT401 dependency cycle', () => {
  it('reports a two-service cycle once, naming the path', () => {
    const mesh = newMesh();
    const t = mesh.team('storefront');
    const b = t.service('b', { port: 8080, versions: v1 });
    const a = t.service('a', { port: 8080, versions: v1, calls: [b] });
    b.addCalls(a);
    // b is declared first, so the cycle starts there, at b's call to a (the addCalls line).
    const call = diagnose(mesh).filter((d) => d.code === 'WEFT401');
    expect(call).toHaveLength(1);
    expect(call[0]!.message).toBe('services call each other in a cycle: b → a → b');
    expect(call[0]!.severity).toBe('warning');
    expect(call[0]!.location?.line).toBe(a.location.line + 1);
    expect(call[0]!.hint.length).toBeGreaterThan(0);
  });

  it('reports every elementary cycle once, in a stable order, and a self-call', () => {
    const mesh = newMesh();
    const t = mesh.team('storefront');
    const a = t.service('a', { port: 8080, versions: v1 });
    const b = t.service('b', { port: 8080, versions: v1 });
    const c = t.service('c', { port: 8080, versions: v1 });
    const solo = t.service('solo', { port: 8080, versions: v1 });
    a.addCalls(b);
    b.addCalls(a, c);
    c.addCalls(a);
    solo.addCalls(solo);
    const messages = withCode(diagnose(mesh), 'WEFT401').map((d) => d.message.replace('services call each other in a cycle: ', ''));
    // Each cycle starts at its earliest-declared service; both cycles through a start at a's call to b.
    expect(messages).toEqual(['a → b → a', 'a → b → c → a', 'solo → solo']);
  });

  it('is silent for a graph without cycles (near miss)', () => {
    const mesh = newMesh();
    const t = mesh.team('storefront');
    const data = t.service('data', { port: 8080, versions: v1 });
    const a = t.service('a', { port: 8080, versions: v1, calls: [data] });
    t.service('b', { port: 8080, versions: v1, calls: [a, data] });
    expectNone(diagnose(mesh), 'WEFT401');
  });
});

describe('WEFT402 port name announces another protocol', () => {
  it('is silent for a name without a protocol prefix: every Service port carries appProtocol, so nothing is sniffed', () => {
    const mesh = newMesh();
    mesh.team('storefront').service('app', { ports: [{ port: 8080, name: 'web' }], versions: v1 });
    expectNone(diagnose(mesh), 'WEFT402');
  });

  it('reports a name announcing another protocol, saying that the mesh follows the declaration', () => {
    const mesh = newMesh();
    const s = mesh.team('storefront').service('app', { ports: [{ port: 9090, protocol: 'http', name: 'grpc-api' }], versions: v1 });
    const d = expectOne(diagnose(mesh), 'WEFT402', { at: s, severity: 'warning', message: ['declared http but named "grpc-api", which announces grpc', 'the mesh follows the declaration', 'appProtocol'] });
    expect(d.message).not.toContain('sniff');
    expect(d.hint).toBe('name it "http" or "http-api"');
  });

  it('accepts prefixed names and the defaults; "http2-x" is not "http" (near miss)', () => {
    const mesh = newMesh();
    mesh.team('storefront').service('app', {
      ports: [{ port: 8080, name: 'http-web' }, { port: 9090, protocol: 'grpc' }, { port: 8081, protocol: 'http2', name: 'http2-x' }, { port: 5432, protocol: 'tcp', name: 'tcp' }],
      versions: v1,
    });
    expectNone(diagnose(mesh), 'WEFT402');
  });
});

describe('WEFT403 gateway host without a route', () => {
  it('reports a gateway host no route of the gateway lists', () => {
    const mesh = newMesh();
    const app = mesh.team('storefront').service('app', { port: 8080, versions: v1 });
    const gw = mesh.gateway('public', { hosts: ['shop.example.com', 'admin.example.com'] });
    gw.route('shop', { hosts: ['shop.example.com'], to: app });
    expectOne(diagnose(mesh), 'WEFT403', { at: gw, severity: 'warning', message: ['gateway "public" serves host "admin.example.com"', 'gets 404'] });
  });

  it('reports a gateway without routes', () => {
    const mesh = newMesh();
    const gw = mesh.gateway('public', { hosts: ['shop.example.com'] });
    expectOne(diagnose(mesh), 'WEFT403', { at: gw, severity: 'warning', message: ['"shop.example.com"'] });
  });

  it('considers wildcards and routes taking the gateway hosts (near miss)', () => {
    const mesh = newMesh();
    const app = mesh.team('storefront').service('app', { port: 8080, versions: v1 });
    mesh.gateway('wild', { hosts: ['*.example.com'] }).route('shop', { hosts: ['shop.example.com'], to: app });
    mesh.gateway('plain', { hosts: ['a.example.org', 'b.example.org'], port: 8080 }).route('all', { to: app });
    mesh.gateway('ns', { hosts: ['istio-system/c.example.net'], port: 8081 }).route('all', { hosts: ['*.example.net'], to: app });
    expectNone(diagnose(mesh), 'WEFT403');
  });
});

describe('WEFT404 gateway route host not served by its gateway', () => {
  it('reports a route host outside the gateway hosts', () => {
    const mesh = newMesh();
    const app = mesh.team('storefront').service('app', { port: 8080, versions: v1 });
    const gw = mesh.gateway('public', { hosts: ['*.example.com'] });
    const r = gw.route('other', { hosts: ['shop.example.com', 'shop.example.org'], to: app });
    expectOne(diagnose(mesh), 'WEFT404', { at: r, severity: 'warning', message: ['route "other" of gateway "public" is for host "shop.example.org"', 'does not serve'] });
  });

  it('accepts hosts the wildcard covers (near miss)', () => {
    const mesh = newMesh();
    const app = mesh.team('storefront').service('app', { port: 8080, versions: v1 });
    mesh.gateway('public', { hosts: ['*.example.com'] }).route('r', { hosts: ['a.b.example.com'], to: app });
    expectNone(diagnose(mesh), 'WEFT404');
  });
});
