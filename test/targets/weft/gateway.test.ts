/**
 * The weft target's ingress gateway: a gateway proxy workload per Gateway construct, whose
 * routes are the gateway's routes with the routes of the services behind them merged in (Istio
 * delegation, flattened), its Kubernetes objects, its identity in the services' ALLOW lists —
 * and the emitted config run in the real proxy on 127.0.0.1 with TLS from a throwaway CA.
 */
import { request as httpsRequest } from 'node:https';
import { afterAll, describe, expect, it } from 'vitest';
import { Reporter } from '../../../src/diagnostics/reporter';
import { codeRegistry } from '../../../src/synth/registry';
import { emitContext } from '../../../src/synth/emit-context';
import { parseProxyConfig, hashConfig } from '../../../src/proxy/config/load';
import { MemoryLogger } from '../../../src/proxy/log';
import { WeftProxy } from '../../../src/proxy/proxy';
import { buildGatewayConfig } from '../../../src/targets/weft/gateway';
import { mergeRoutes } from '../../../src/targets/weft/gateway-routes';
import { schemaCheck } from '../../../src/synth/schema-check';
import { request as httpRequest } from 'node:http';
import { emit, modelOf, weftMesh } from './helpers';
import { startUpstream, type Upstream } from '../../proxy/helpers/upstream';
import { TestCa, writeCertDir } from '../../proxy/security/helpers/ca';

function shop(security?: { mtls: 'strict'; authorization: 'deny-by-default' }) {
  const mesh = weftMesh(security ? { security } : {});
  const t = mesh.team('web', { namespace: 'web' });
  const app = t.service('app', { port: 8080, versions: { v1: { image: 'x/app:1' }, v2: { image: 'x/app:2' } } });
  app.route('beta', { match: { headers: { 'x-beta': { exact: '1' } } }, to: app.version('v2') });
  app.route('api', { match: { path: { prefix: '/api/v1' } }, rewrite: { uri: '/v1' }, to: app.version('v1'), timeout: '3s' });
  app.route('split', { to: [app.version('v1').weight(50), app.version('v2').weight(50)] });
  const users = t.service('users', { port: 8080, versions: { v1: { image: 'x/users:1' } } });
  const gw = mesh.gateway('public', { hosts: ['shop.example.com'], tls: { secretName: 'shop-tls' } });
  gw.route('users', { match: { path: { prefix: '/users' } }, to: users.version('v1') });
  gw.route('shop', { match: { path: { prefix: '/shop' } }, rewrite: { uri: '/api' }, to: app });
  gw.route('root', { to: app });
  return mesh;
}

describe('weft target: the ingress gateway', () => {
  it('emits the gateway workload and no WEFT646', () => {
    const e = emit(shop());
    expect(e.codes()).not.toContain('WEFT646');
    const kinds = e.output.manifests.filter((m) => m.metadata.namespace === 'istio-system').map((m) => `${m.kind}/${m.metadata.name}`);
    expect(kinds.sort()).toEqual(['ConfigMap/public-gateway-proxy', 'Deployment/public-gateway', 'Service/public-gateway', 'ServiceAccount/istio-ingressgateway-service-account']);
    expect(e.output.manifests.find((m) => m.kind === 'Namespace')?.metadata.name).toBe('istio-system');
    // Deployment, Service, ServiceAccount, ConfigMap, Namespace: kubernetes-models; Certificates: cert-manager's.
    expect(schemaCheck(e.output.manifests, 'dev').diagnostics).toEqual([]);
    const svc = e.output.manifests.find((m) => m.kind === 'Service' && m.metadata.name === 'public-gateway') as unknown as { spec: { type: string; ports: unknown[] } };
    expect(svc.spec.type).toBe('LoadBalancer');
    expect(svc.spec.ports).toEqual([
      { name: 'https-443', port: 443, targetPort: 8443, protocol: 'TCP', appProtocol: 'https' },
      { name: 'http-80', port: 80, targetPort: 8080, protocol: 'TCP', appProtocol: 'http' },
    ]);
    const deployment = JSON.stringify(e.output.manifests.find((m) => m.kind === 'Deployment'));
    expect(deployment).toContain('"secretName":"shop-tls"');
    expect(deployment).toContain('"istio":"ingressgateway"');
    const config = e.config('istio-system/public-gateway');
    expect(config.listeners.gateway).toEqual([
      { name: 'https-443', host: '0.0.0.0', port: 8443, hosts: ['shop.example.com'], tls: { mode: 'SIMPLE', files: { certFile: '/etc/weft-gateway-tls/tls.crt', keyFile: '/etc/weft-gateway-tls/tls.key' } } },
      { name: 'http-80', host: '0.0.0.0', port: 8080, hosts: ['shop.example.com'], httpsRedirect: true },
    ]);
  });

  it('writes MUTUAL with the Secret\'s ca.crt, plain HTTP without tls, and honours a declared workload namespace and account', () => {
    const mesh = weftMesh();
    const t = mesh.team('web', { namespace: 'web' });
    const app = t.service('app', { port: 8080, versions: { v1: { image: 'x/app:1' } } });
    mesh.gateway('partners', { hosts: ['api.partner.example'], tls: { secretName: 'partner-tls', mode: 'mutual', httpsRedirect: false }, workload: { namespace: 'edge', serviceAccount: 'edge-gw' } }).route('all', { to: app });
    mesh.gateway('plain', { hosts: ['plain.example.com'], port: 8081 }).route('all', { to: app });
    const e = emit(mesh);
    const partners = e.config('edge/partners-gateway');
    expect(partners.listeners.gateway).toEqual([
      { name: 'https-443', host: '0.0.0.0', port: 8443, hosts: ['api.partner.example'], tls: { mode: 'MUTUAL', files: { certFile: '/etc/weft-gateway-tls/tls.crt', keyFile: '/etc/weft-gateway-tls/tls.key', caFile: '/etc/weft-gateway-tls/ca.crt' } } },
    ]);
    const sa = e.output.manifests.find((m) => m.kind === 'ServiceAccount' && m.metadata.namespace === 'edge');
    expect(sa?.metadata.name).toBe('edge-gw');
    expect(e.config('istio-system/plain-gateway').listeners.gateway).toEqual([{ name: 'http-8081', host: '0.0.0.0', port: 8081, hosts: ['plain.example.com'] }]);
  });

  it('applies the service\'s own routes behind a gateway route (delegation, flattened); a route to a version is final', () => {
    const e = emit(shop());
    const routes = e.config('istio-system/public-gateway').routes!;
    expect(routes.map((r) => r.name)).toEqual([
      'public-gateway.istio-system/users',
      'public-gateway.istio-system/shop+app.web/beta',
      'public-gateway.istio-system/shop+app.web/api',
      'public-gateway.istio-system/shop+app.web/split',
      'public-gateway.istio-system/root+app.web/beta',
      'public-gateway.istio-system/root+app.web/api',
      'public-gateway.istio-system/root+app.web/split',
    ]);
    const byName = (n: string) => routes.find((r) => r.name === `public-gateway.istio-system/${n}`)!;
    expect(byName('users')).toMatchObject({ hosts: ['shop.example.com'], action: { destinations: [{ service: 'users', subset: 'v1' }] } });
    // /shop is rewritten to /api by the gateway; the service's /api/v1 → /v1 then matches /shop/v1 and rewrites it to /v1.
    expect(byName('shop+app.web/api')).toMatchObject({ match: { path: { prefix: '/shop/v1' } }, rewrite: { uri: '/v1' }, timeoutMs: 3000, action: { destinations: [{ service: 'app', subset: 'v1' }] } });
    expect(byName('shop+app.web/beta')).toMatchObject({ match: { path: { prefix: '/shop' }, headers: { 'x-beta': { exact: '1' } } }, rewrite: { uri: '/api' } });
    expect(byName('root+app.web/split').action).toEqual({ type: 'forward', destinations: [{ service: 'app', subset: 'v1', weight: 50 }, { service: 'app', subset: 'v2', weight: 50 }] });
    expect(byName('root+app.web/split').match).toEqual({});
  });

  it('merges path conditions and rewrites as one route would, or says why it cannot', () => {
    const g = { name: 'g', hosts: ['h'], match: { path: { prefix: '/a' } }, action: { type: 'forward' as const, destinations: [{ service: 's', weight: 100 }] } };
    const r = (match: object, extra: object = {}) => ({ name: 'r', hosts: ['s'], match, action: { type: 'forward' as const, destinations: [{ service: 's', subset: 'v1', weight: 100 }] }, ...extra });
    expect(mergeRoutes(g, r({ path: { prefix: '/a/b' } }))).toMatchObject({ match: { path: { prefix: '/a/b' } } });
    expect(mergeRoutes(g, r({ path: { prefix: '/' } }))).toMatchObject({ match: { path: { prefix: '/a' } } });
    expect(mergeRoutes(g, r({ path: { prefix: '/x' } }))).toBe('never');
    expect(mergeRoutes(g, r({ path: { exact: '/a/z' } }))).toMatchObject({ match: { path: { exact: '/a/z' } } });
    expect(mergeRoutes(g, r({ methods: ['GET'] }))).toMatchObject({ match: { path: { prefix: '/a' }, methods: ['GET'] } });
    expect(mergeRoutes({ ...g, match: { methods: ['POST'] } }, r({ methods: ['GET'] }))).toBe('never');
    // The service rewrites its prefix /: under the gateway's longer /a, the rewrite keeps what follows "/".
    expect(mergeRoutes(g, r({ path: { prefix: '/' } }, { rewrite: { uri: '/x/' } }))).toMatchObject({ rewrite: { uri: '/x/a' } });
    const rewriting = { ...g, rewrite: { uri: '/v2' } };
    expect(mergeRoutes(rewriting, r({ path: { regex: '/v2/.*' } }))).toEqual({ unsupported: expect.stringContaining('regex') });
    expect(mergeRoutes(rewriting, r({ path: { exact: '/v2/item' } }))).toMatchObject({ match: { path: { exact: '/a/item' } }, rewrite: { uri: '/v2/item' } });
    expect(mergeRoutes({ ...g, match: { headers: { a: { exact: '1' } } } }, r({ headers: { a: { exact: '2' } } }))).toEqual({ unsupported: expect.stringContaining('header "a"') });
    expect(mergeRoutes({ ...g, headers: { request: { set: { k: 'v' } } } }, r({}, { headers: { request: { remove: ['k'] } } }))).toEqual({ unsupported: expect.stringContaining('removes header "k"') });
    expect(mergeRoutes({ ...g, timeoutMs: 1000 }, r({}, { timeoutMs: 5000 }))).toMatchObject({ timeoutMs: 1000 });
  });

  it('reports WEFT666 and forwards without the service\'s routes when a pair cannot be merged', () => {
    const mesh = weftMesh();
    const t = mesh.team('web', { namespace: 'web' });
    const app = t.service('app', { port: 8080, versions: { v1: { image: 'x/app:1' }, v2: { image: 'x/app:2' } } });
    app.route('re', { match: { path: { regex: '/api/[0-9]+' } }, to: app.version('v2') });
    mesh.gateway('public', { hosts: ['shop.example.com'] }).route('shop', { match: { path: { prefix: '/shop' } }, rewrite: { uri: '/api' }, to: app });
    const e = emit(mesh);
    expect(e.diagnostics.filter((d) => d.code === 'WEFT666').map((d) => d.message)).toEqual([expect.stringContaining('gateway route "shop" of gateway "public" forwards to service "app", whose route app.web/re')]);
    expect(e.config('istio-system/public-gateway').routes!.map((r) => r.name)).toEqual(['public-gateway.istio-system/shop']);
  });

  it('gives the gateway an identity and admits it in the ALLOW lists of the services it reaches (deny-by-default)', () => {
    const e = emit(shop({ mtls: 'strict', authorization: 'deny-by-default' }));
    const cert = e.output.manifests.find((m) => m.kind === 'Certificate' && m.metadata.namespace === 'istio-system') as unknown as { spec: { uris: string[] } };
    expect(cert.spec.uris).toEqual(['spiffe://cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account']);
    const gw = 'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account';
    for (const w of ['web/app-v1', 'web/users-v1']) {
      const allow = e.config(w).security!.authorization!.policies!.find((p) => p.action === 'ALLOW' && p.rules!.length > 0)!;
      expect(JSON.stringify(allow), w).toContain(gw);
    }
    expect(e.config('istio-system/public-gateway').security!.mtls).toMatchObject({ mode: 'DISABLE' });
    expect(e.service('istio-system/public-gateway', 'app').tls).toEqual({ mode: 'ISTIO_MUTUAL', subjectAltNames: ['spiffe://cluster.local/ns/web/sa/app'] });
  });
});

describe('the emitted gateway config in the real proxy', () => {
  const stop: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const s of stop.reverse()) await s();
  });

  it('terminates TLS, redirects HTTP, and routes through the service\'s own routes to the right version', async () => {
    const model = modelOf(shop());
    const reporter = new Reporter(codeRegistry());
    const ctx = emitContext(model, model.environments[0]!, reporter.report);
    const ups: Record<string, Upstream> = {};
    for (const name of ['app-v1', 'app-v2', 'users-v1']) {
      ups[name] = await startUpstream(name);
      stop.push(() => ups[name]!.close());
    }
    const ca = await TestCa.create();
    const dir = writeCertDir(await ca.issueServer(['shop.example.com']));
    const config = buildGatewayConfig(ctx, ctx.model.gateways[0]!, reporter.report, {
      endpoints: (s, v) => [{ address: '127.0.0.1', port: ups[`${s.name}-${v.name}`]!.port }],
      listen: () => ({ host: '127.0.0.1', port: 0 }),
      admin: { host: '127.0.0.1', port: 0 },
      schema: null,
      tlsFiles: { certFile: dir.certFile, keyFile: dir.keyFile },
    });
    const text = JSON.stringify(config);
    const proxy = await WeftProxy.start({ config: { config: parseProxyConfig(config), hash: hashConfig(text), text }, logger: new MemoryLogger() });
    stop.push(() => proxy.close());
    const https = (path: string, headers: Record<string, string> = {}) =>
      new Promise<{ status: number; upstream: string; url: string }>((resolve, reject) => {
        const req = httpsRequest({ host: '127.0.0.1', port: proxy.ports.gateway!['https-443'], path, servername: 'shop.example.com', ca: ca.pem, agent: false, headers: { host: 'shop.example.com', ...headers }, timeout: 10_000 }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c));
          res.on('end', () => {
            const j = res.statusCode === 200 ? (JSON.parse(body) as { upstream: string; url: string }) : { upstream: '', url: '' };
            resolve({ status: res.statusCode ?? 0, ...j });
          });
        });
        req.on('error', reject);
        req.end();
      });
    expect(await https('/users/1')).toMatchObject({ status: 200, upstream: 'users-v1', url: '/users/1' });
    expect(await https('/shop/v1/items')).toMatchObject({ status: 200, upstream: 'app-v1', url: '/v1/items' });
    expect(await https('/anything', { 'x-beta': '1' })).toMatchObject({ status: 200, upstream: 'app-v2' });
    // The service's 50/50 split holds behind the gateway: both versions answer within a bounded number of requests.
    const seen = new Set<string>();
    for (let i = 0; i < 200 && seen.size < 2; i++) seen.add((await https('/home')).upstream);
    expect([...seen].sort()).toEqual(['app-v1', 'app-v2']);
    const redirect = await new Promise<{ status: number; location?: string }>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: proxy.ports.gateway!['http-80'], path: '/home', headers: { host: 'shop.example.com' }, agent: false }, (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, location: res.headers.location });
      });
      req.on('error', reject);
      req.end();
    });
    expect(redirect).toEqual({ status: 301, location: 'https://shop.example.com/home' });
  });
});
