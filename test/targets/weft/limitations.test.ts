import { describe, expect, it } from 'vitest';
import { Mesh } from '../../../src/index';
import { WEFT_CODES } from '../../../src/targets/weft/index';
import { codeRegistry } from '../../../src/synth/registry';
import { emit, emitModel, expectGolden, modelOf, weftMesh } from './helpers';
import type { MeshModel } from '../../../src/model/mesh';

describe('weft target: what the proxy cannot enforce (yet) is reported, never dropped silently', () => {
  it('enforces mTLS, authorization and JWT in the inbound listener; names them only where no inbound listener exists', () => {
    const mesh = new Mesh('shop', {
      environments: { dev: { mesh: 'weft', security: { mtls: 'permissive' } } },
      security: { mtls: 'strict', authorization: 'deny-by-default' },
    });
    const t = mesh.team('shop');
    const api = t.service('api', { port: 8080, versions: { v1: { image: 'x/api:1' } } });
    const web = t.service('web', { port: 8080, versions: { v1: { image: 'x/web:1' } }, calls: [api], security: { mtls: 'strict' } });
    api.allow('from-web', { from: { services: [web] }, to: { methods: ['GET'] } });
    api.requireJwt('idp', { issuer: 'https://idp.example.com', jwksUri: 'https://idp.example.com/jwks' });
    t.service('plain', { port: 8080, versions: { v1: { image: 'x/p:1' } }, security: { mtls: 'disable' } });
    const rpc = t.service('rpc', { port: 9090, protocol: 'grpc', versions: { v1: { image: 'x/rpc:1' } } });
    rpc.allow('from-web', { from: { services: [web] } });
    const e = emit(mesh);
    const w640 = e.diagnostics.filter((d) => d.code === 'WEFT640');
    // Only the gRPC-only service, whose traffic bypasses the sidecar: its mode, the baseline and its rule.
    expect(w640.map((d) => d.path.split('/').slice(-2).join('/'))).toEqual(['shop/rpc', 'shop/rpc', 'rpc/allow:from-web']);
    expect(w640.every((d) => d.severity === 'warning' && d.location !== undefined && d.message.includes('9090/grpc'))).toBe(true);
    // The environment's "permissive" is the mode of every service that does not set its own.
    expect(e.config('shop/api-v1').security!.mtls).toMatchObject({ mode: 'PERMISSIVE', trustDomain: 'cluster.local' });
    expect(e.config('shop/web-v1').security!.mtls!.mode).toBe('STRICT');
    expect(e.config('shop/plain-v1').security!.mtls!.mode).toBe('DISABLE');
    expectGolden('security', e);
  });

  it('reports ports, protocols, gateways, externals, tracing providers and unusable routes', () => {
    const mesh = weftMesh({ observability: { tracing: { samplingPercent: 5, provider: 'otel' } } });
    const t = mesh.team('shop');
    const db = t.service('db', { ports: [{ port: 5432, protocol: 'tcp' }], versions: { v1: { image: 'x/db:1' } }, resilience: { timeout: '1s' } });
    const rpc = t.service('rpc', { port: 9090, protocol: 'grpc', versions: { v1: { image: 'x/rpc:1' } }, resilience: { retries: { attempts: 2, on: ['unavailable'] } } });
    const h2 = t.service('h2', { port: 8080, protocol: 'http2', versions: { v1: { image: 'x/h2:1' } } });
    const multi = t.service('multi', {
      ports: [
        { port: 80, targetPort: 8080, name: 'http-web' },
        { port: 9090, protocol: 'grpc', name: 'grpc-admin' },
        { port: 81, targetPort: 8081, name: 'http-metrics' },
      ],
      versions: { v1: { image: 'x/m:1' } },
    });
    multi.route('to-db', { match: { path: { prefix: '/db' } }, to: db });
    multi.route('other-port', { match: { path: { prefix: '/metrics' } }, to: multi.version('v1').port(81) });
    multi.route('moved', { match: { path: { prefix: '/old' } }, redirect: { uri: '/new' }, timeout: '1s', retries: { attempts: 1 } });
    multi.route('default', { to: multi });
    const payments = t.externalService('payments', { hosts: ['api.payments.example'], ports: [{ port: 443, protocol: 'https' }], resolution: 'dns' });
    const legacy = t.externalService('legacy', { hosts: ['legacy.example'], ports: [{ port: 80, protocol: 'http' }], resolution: 'dns' });
    t.service('client', { port: 8080, versions: { v1: { image: 'x/c:1' } }, calls: [db, rpc, h2, multi, payments, legacy] });
    mesh.gateway('public', { hosts: ['shop.example.com'] }).route('all', { to: multi });
    const e = emit(mesh);

    const messages = (code: string) => e.diagnostics.filter((d) => d.code === code).map((d) => d.message);
    expect(messages('WEFT643')).toEqual([
      expect.stringContaining('port 5432/tcp of service "db" bypasses the weft proxy'),
      expect.stringMatching(/port 9090\/grpc of service "rpc" bypasses .* so these settings of "rpc" are not applied: retries$/),
      expect.stringContaining('ports 9090/grpc, 81/http of service "multi" bypass the weft proxy (a workload has one inbound listener, in front of port 80'),
    ]);
    expect(messages('WEFT643')[0]).toContain('are not applied: timeout');
    // http2 is carried as HTTP/2 now: to the application (h2c) and between proxies.
    expect(messages('WEFT644')).toEqual([]);
    expect(e.service('shop/client-v1', 'h2').protocol).toBe('http2');
    expect(e.config('shop/h2-v1').listeners.inbound).toMatchObject({ http2: true, app: { protocol: 'http2' } });
    expect(messages('WEFT646')).toEqual([expect.stringContaining('gateway "public" (shop.example.com) and its 1 route(s)')]);
    expect(messages('WEFT647')).toEqual([expect.stringContaining('external service "payments" bypass the weft proxy')]);
    expect(messages('WEFT654')).toEqual([expect.stringContaining('tracing provider "otel"')]);
    expect(messages('WEFT649')).toEqual([
      expect.stringContaining('route "to-db" of service "multi" forwards to "db", which has no HTTP port'),
      expect.stringContaining('route "other-port" of service "multi" forwards to "multi" on port 81'),
    ]);
    expect(messages('WEFT650')).toEqual([expect.stringContaining('route "moved" of service "multi" declares timeout, retries')]);
    // rpc's unsupported retry classes are not reported on top of WEFT643: its traffic never reaches the proxy.
    expect(messages('WEFT641')).toEqual([]);

    const client = e.config('shop/client-v1');
    // db and rpc are not proxied; payments (TLS) neither; legacy (plain HTTP, DNS) is.
    expect(client.services!.map((s) => s.name)).toEqual(['h2', 'multi', 'legacy']);
    expect(e.service('shop/client-v1', 'legacy')).toEqual({
      name: 'legacy',
      namespace: 'shop',
      hosts: ['legacy.example', 'legacy.example:80'],
      subsets: [{ name: 'external', endpoints: [{ address: 'legacy.example', port: 80 }] }],
    });
    expect(client.routes!.map((r) => r.name)).toEqual(['multi.shop/moved', 'multi.shop/default', 'h2.shop/(default)']);
    // The gRPC/TCP workloads have no inbound listener; the multi-port one fronts its first HTTP port.
    expect(e.config('shop/db-v1').listeners).not.toHaveProperty('inbound');
    expect(e.config('shop/rpc-v1').listeners).not.toHaveProperty('inbound');
    expect(e.config('shop/multi-v1').listeners.inbound!.app).toEqual({ host: '127.0.0.1', port: 8080 });
    // Per-version Services exist only where the proxy fronts a port.
    expect(e.output.manifests.filter((m) => m.kind === 'Service').map((m) => m.metadata.name)).toEqual(['h2-v1', 'multi-v1', 'client-v1']);
    expectGolden('limitations', e);
  });

  it('reports unusable per-version Service names, short-name clashes and versionless services', () => {
    const mesh = weftMesh();
    const t = mesh.team('shop');
    const api = t.service('api', { port: 8080, versions: { v1: { image: 'x/api:1' } } });
    const clash = t.service('api-v1', { port: 8080, versions: { v2: { image: 'x/a:1' } } });
    const other = mesh.team('other').service('api', { port: 8080, versions: { v1: { image: 'x/o:1' } } });
    const empty = t.service('empty', { port: 8080, versions: { v1: { image: 'x/e:1' } } });
    t.service('client', { port: 8080, versions: { v1: { image: 'x/c:1' } }, calls: [api, other, clash, empty] });
    // The constructs insist on a version; the model allows none (a service being retired).
    const model = modelOf(mesh);
    const e = emitModel({ ...model, services: model.services.map((s) => (s.name === 'empty' ? { ...s, versions: [] } : s)) });
    const messages = (code: string) => e.diagnostics.filter((d) => d.code === code).map((d) => d.message);
    expect(messages('WEFT651')).toEqual(['the per-version Service "api-v1" of service "api" has the name of the declared service "api-v1" in namespace "shop"']);
    expect(e.diagnostics.find((d) => d.code === 'WEFT651')!.severity).toBe('error');
    expect(messages('WEFT652')).toEqual([expect.stringContaining('"other/api" and "shop/api" share the short name "api"')]);
    expect(messages('WEFT655')).toEqual([expect.stringContaining('service "empty" has no versions')]);
    expect(e.config('shop/client-v1').services!.map((s) => `${s.namespace}/${s.name}`)).toEqual(['shop/api', 'shop/api-v1']);
    expect(e.config('shop/client-v1').routes!.map((r) => r.name)).toEqual(['api.shop/(default)', 'api-v1.shop/(default)']);
  });

  it('refuses to write a config the proxy would reject (WEFT653), naming the JSON path', () => {
    const mesh = weftMesh();
    const t = mesh.team('shop');
    const api = t.service('api', { port: 8080, versions: { v1: { image: 'x/api:1' } } });
    api.route('bad', { headers: { request: { set: { 'x-good': '1' } } }, to: api });
    t.service('client', { port: 8080, versions: { v1: { image: 'x/c:1' } }, calls: [api] });
    // The constructs refuse a bad header name (WEFT001); a model that carries one anyway (a
    // shape the constructs no longer produce) is still stopped by the proxy's own schema.
    const model = structuredClone(modelOf(mesh)) as MeshModel;
    const route = model.services.find((s) => s.name === 'api')!.routes[0]! as { headers: { request: { set: Record<string, string> } } };
    route.headers.request.set = { 'x bad header': '1' };
    const e = emitModel(model);
    const errors = e.diagnostics.filter((d) => d.code === 'WEFT653');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ severity: 'error' });
    expect(errors[0]!.message).toContain('workload "client-v1"');
    expect(errors[0]!.message).toContain('$.routes[0].headers.request.set');
    expect(e.output.files!.map((f) => f.path)).toEqual(['shop/api-v1.json']);
    expect(e.output.manifests.some((m) => m.metadata.name === 'client-v1-proxy')).toBe(false);
  });

  it('declares its codes in WEFT640–WEFT659 and WEFT666–WEFT689, each with a title, registered without clashes', () => {
    for (const [code, info] of Object.entries(WEFT_CODES)) {
      const n = Number(code.slice(4));
      expect((n >= 640 && n <= 659) || (n >= 666 && n <= 689), code).toBe(true);
      expect(info.title.length).toBeGreaterThan(5);
    }
    const all = codeRegistry().entries();
    for (const code of Object.keys(WEFT_CODES)) expect(all.get(code)).toEqual(WEFT_CODES[code as keyof typeof WEFT_CODES]);
  });
});
