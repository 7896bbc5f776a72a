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
    const db = t.service('db', { port: 5432, protocol: 'tcp', versions: { v1: { image: 'x/db:1' } } });
    db.allow('from-web', { from: { services: [web] } });
    db.requireJwt('idp', { issuer: 'https://idp.example.com', jwksUri: 'https://idp.example.com/jwks' });
    const e = emit(mesh);
    const w640 = e.diagnostics.filter((d) => d.code === 'WEFT640');
    // The TCP-only service has an inbound TCP listener: its mode, the baseline and its rule hold at
    // L4; only its JWT rule cannot (a token travels in HTTP).
    expect(w640.map((d) => d.message)).toEqual([expect.stringContaining('JWT rule "idp" of service "db" is not enforced by the weft proxy: its ports (5432/tcp) are TCP')]);
    expect(w640.every((d) => d.severity === 'warning' && d.location !== undefined)).toBe(true);
    expect(e.config('shop/db-v1').inboundTcpListeners).toEqual([{ name: 'db-5432', host: '0.0.0.0', port: 15100, app: { host: '127.0.0.1', port: 5432 } }]);
    expect(e.config('shop/db-v1').security!.mtls!.mode).toBe('PERMISSIVE');
    expect(e.config('shop/db-v1').security).not.toHaveProperty('jwt');
    expect(JSON.stringify(e.config('shop/db-v1').security!.authorization)).toContain('cluster.local/ns/shop/sa/web');
    // A gRPC-only service is fronted by an HTTP/2 inbound listener (callers reach it by CONNECT): its security holds.
    expect(e.config('shop/rpc-v1').listeners.inbound).toMatchObject({ http2: true, app: { port: 9090, protocol: 'http2' } });
    expect(JSON.stringify(e.config('shop/rpc-v1').security!.authorization)).toContain('cluster.local/ns/shop/sa/web');
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
    // Every HTTP/gRPC port of "multi" is behind an inbound listener of its own: nothing bypasses the sidecar (WEFT643 is retired).
    expect(e.diagnostics.filter((d) => d.code === 'WEFT643')).toEqual([]);
    // The TCP service is behind its inbound TCP listener; its HTTP-level timeout is not applied, and said so.
    expect(messages('WEFT670')).toEqual([expect.stringContaining('these settings of TCP service "db" are not applied by the weft proxy, whose TCP path applies weighted routes to versions, outlier detection and connection limits but no HTTP policy: timeout')]);
    expect(messages('WEFT669')).toEqual([expect.stringContaining('WEFT_UPSTREAM_DB_5432=127.0.0.1:5432 (db:5432)')]);
    expect(messages('WEFT668')).toEqual([]);
    // http2 is carried as HTTP/2 now: to the application (h2c) and between proxies.
    expect(messages('WEFT644')).toEqual([]);
    expect(e.service('shop/client-v1', 'h2').protocol).toBe('http2');
    expect(e.config('shop/h2-v1').listeners.inbound).toMatchObject({ http2: true, app: { protocol: 'http2' } });
    // The gateway is emitted now (a gateway proxy workload): nothing to report.
    expect(messages('WEFT646')).toEqual([]);
    expect(e.config('istio-system/public-gateway').routes!.map((r) => r.name)).toEqual(['public-gateway.istio-system/all+multi.shop/other-port', 'public-gateway.istio-system/all+multi.shop/moved', 'public-gateway.istio-system/all+multi.shop/default']);
    // TLS to an external service goes through the proxy by CONNECT (HTTPS_PROXY), passed through: said once, as info.
    expect(messages('WEFT647')).toEqual([]);
    expect(messages('WEFT667')).toEqual([expect.stringContaining('calls to external service "payments" on 443 go through the weft proxy by HTTP CONNECT')]);
    expect(e.config('shop/client-v1').tcpListeners).toEqual([
      { name: 'shop/payments:443', connectAuthorities: ['api.payments.example:443'], destinations: [{ service: 'payments', subset: 'external' }] },
      // db's TCP port: a local bind port on loopback, carried to db's inbound TCP listener.
      { name: 'shop/db:5432', host: '127.0.0.1', port: 5432, destinations: [{ service: 'db' }] },
    ]);
    expect(e.service('shop/client-v1', 'db')).toEqual({
      name: 'db',
      namespace: 'shop',
      hosts: [],
      subsets: [{ name: 'v1', endpoints: [{ address: 'db-v1.shop.svc.cluster.local', port: 15100 }], discovery: { type: 'dns', host: 'db-v1.shop.svc.cluster.local', port: 15100 } }],
    });
    expect(e.service('shop/client-v1', 'payments')).toEqual({ name: 'payments', namespace: 'shop', hosts: [], subsets: [{ name: 'external', endpoints: [{ address: 'api.payments.example', port: 443 }] }] });
    expect(e.config('shop/client-v1').listeners.outbound).toMatchObject({ passthrough: true });
    expect(e.config('shop/db-v1').listeners.outbound).not.toHaveProperty('passthrough');
    expect(messages('WEFT654')).toEqual([expect.stringContaining('tracing provider "otel"')]);
    expect(messages('WEFT649')).toEqual([
      expect.stringContaining('route "to-db" of service "multi" forwards to "db", which has no HTTP port'),
    ]);
    expect(messages('WEFT650')).toEqual([expect.stringContaining('route "moved" of service "multi" declares timeout, retries')]);
    // rpc's gRPC retry classes are the proxy's own (grpc-status classes).
    expect(messages('WEFT641')).toEqual([]);

    const client = e.config('shop/client-v1');
    // rpc (gRPC, HTTP/2 through CONNECT), payments (TLS, passed through), legacy (plain HTTP, DNS) and db (TCP, bind port) are proxied.
    // multi's further ports come first: their hosts are port-qualified, while multi's bare names match any port.
    expect(client.services!.map((s) => s.name)).toEqual(['multi-9090', 'multi-81', 'rpc', 'h2', 'multi', 'payments', 'legacy', 'db']);
    expect(e.service('shop/client-v1', 'multi-9090')).toMatchObject({
      protocol: 'http2',
      hosts: ['multi:9090', 'multi.shop:9090', 'multi.shop.svc:9090', 'multi.shop.svc.cluster.local:9090'],
      subsets: [{ name: 'v1', endpoints: [{ address: 'multi-v1.shop.svc.cluster.local', port: 15200 }], discovery: { type: 'dns', host: 'multi-v1.shop.svc.cluster.local', port: 15200 } }],
    });
    expect(e.service('shop/client-v1', 'multi-81')).toMatchObject({ hosts: ['multi:81', 'multi.shop:81', 'multi.shop.svc:81', 'multi.shop.svc.cluster.local:81'], subsets: [{ endpoints: [{ port: 15201 }] }] });
    expect(e.service('shop/client-v1', 'multi-81')).not.toHaveProperty('protocol');
    expect(e.service('shop/client-v1', 'rpc')).toMatchObject({ protocol: 'http2', hosts: expect.arrayContaining(['rpc.shop:9090']) });
    expect(e.route('shop/client-v1', 'rpc.shop/(default)').retries).toMatchObject({ attempts: 2, retryOn: ['unavailable'] });
    expect(e.service('shop/client-v1', 'legacy')).toEqual({
      name: 'legacy',
      namespace: 'shop',
      hosts: ['legacy.example', 'legacy.example:80'],
      subsets: [{ name: 'external', endpoints: [{ address: 'legacy.example', port: 80 }] }],
    });
    // multi's routes apply on each of its ports (Istio: a VirtualService without a port match), each copy forwarding on its own port unless the destination names one.
    expect(client.routes!.map((r) => r.name)).toEqual([
      'multi.shop:9090/other-port',
      'multi.shop:9090/moved',
      'multi.shop:9090/default',
      'multi.shop:81/other-port',
      'multi.shop:81/moved',
      'multi.shop:81/default',
      'multi.shop/other-port',
      'multi.shop/moved',
      'multi.shop/default',
      'rpc.shop/(default)',
      'h2.shop/(default)',
    ]);
    expect(e.route('shop/client-v1', 'multi.shop:9090/default').action).toEqual({ type: 'forward', destinations: [{ service: 'multi-9090', weight: 100 }] });
    expect(e.route('shop/client-v1', 'multi.shop:9090/other-port').action).toEqual({ type: 'forward', destinations: [{ service: 'multi-81', subset: 'v1', weight: 100 }] });
    expect(e.route('shop/client-v1', 'multi.shop/other-port').action).toEqual({ type: 'forward', destinations: [{ service: 'multi-81', subset: 'v1', weight: 100 }] });
    expect(e.route('shop/client-v1', 'multi.shop:81/default').hosts).toEqual(['multi:81', 'multi.shop:81', 'multi.shop.svc:81', 'multi.shop.svc.cluster.local:81']);
    // The multi-port workload: one inbound listener per HTTP/gRPC port, each in front of its own target port.
    expect(e.config('shop/multi-v1').listeners.inboundPorts).toEqual([
      { name: 'multi-9090', host: '0.0.0.0', port: 15200, app: { host: '127.0.0.1', port: 9090, protocol: 'http2' }, http2: true },
      { name: 'multi-81', host: '0.0.0.0', port: 15201, app: { host: '127.0.0.1', port: 8081 } },
    ]);
    // The TCP workload has no HTTP inbound listener (an inbound TCP one); the gRPC one fronts its port; the multi-port one its first HTTP port.
    expect(e.config('shop/db-v1').listeners).not.toHaveProperty('inbound');
    expect(e.config('shop/rpc-v1').listeners.inbound!.app).toEqual({ host: '127.0.0.1', port: 9090, protocol: 'http2' });
    expect(e.config('shop/multi-v1').listeners.inbound!.app).toEqual({ host: '127.0.0.1', port: 8080 });
    // Per-version Services exist only where the proxy fronts a port (TCP ports included).
    expect(e.output.manifests.filter((m) => m.kind === 'Service' && m.metadata.namespace === 'shop').map((m) => m.metadata.name)).toEqual(['db-v1', 'rpc-v1', 'h2-v1', 'multi-v1', 'client-v1']);
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
