import { describe, expect, it } from 'vitest';
import { Mesh, duration } from '../../../src/index';
import { TARGETS } from '../../../src/targets/index';
import { consulTarget, CONSUL_CODES } from '../../../src/targets/consul/index';
import type { Manifest } from '../../../src/targets/target';
import { codes, emit, expectGolden, expectValid, file, find } from './helpers';
import { Reporter } from '../../../src/diagnostics/reporter';
import { emitContext } from '../../../src/synth/emit-context';
import { codeRegistry } from '../../../src/synth/registry';

const envs = { staging: { mesh: 'consul' as const } };

function meshOf(props: Record<string, unknown> = {}) {
  return new Mesh('m', { environments: envs, ...props });
}

describe('consul target', () => {
  it('applies to consul environments only, and is registered with codes in WEFT700–WEFT719', () => {
    expect(consulTarget.appliesTo({ mesh: 'consul' } as never)).toBe(true);
    expect(consulTarget.appliesTo({ mesh: 'istio' } as never)).toBe(false);
    expect(TARGETS).toContain(consulTarget);
    expect(Object.keys(CONSUL_CODES).every((c) => /^WEFT7(0\d|1\d)$/.test(c))).toBe(true);
  });

  it('wires consul-k8s injection: transparent proxy by default, upstreams on deterministic local ports without it', () => {
    const build = (consul?: { transparentProxy: boolean }) => {
      const m = new Mesh('m', { environments: { staging: { mesh: 'consul', consul } } });
      const t = m.team('a');
      const db = t.service('db', { port: 5432, versions: { v1: { image: 'i' } } });
      const pay = t.externalService('pay', { hosts: ['pay.example.com'] });
      const cache = t.service('cache', { port: 6379, versions: { v1: { image: 'i' } } });
      t.service('app', { port: 80, versions: { v1: { image: 'i' }, v2: { image: 'i' } }, calls: [db, pay, cache] });
      const { model } = m.toModel();
      const env = model!.environments[0]!;
      const reporter = new Reporter(codeRegistry());
      const ctx = emitContext(model!, env, reporter.report);
      const app = ctx.model.services.find((s) => s.name === 'app')!;
      return { annotations: ctx.wiring(app, app.versions[1]!).podAnnotations, diagnostics: consulTarget.emit(ctx) && reporter.diagnostics };
    };
    const on = build();
    const metrics = {
      'consul.hashicorp.com/enable-metrics': 'true',
      'consul.hashicorp.com/enable-metrics-merging': 'true',
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '20200',
      'prometheus.io/path': '/metrics',
    };
    expect(on.annotations).toEqual({
      ...metrics,
      'consul.hashicorp.com/connect-inject': 'true',
      'consul.hashicorp.com/transparent-proxy': 'true',
      'consul.hashicorp.com/service-meta-version': 'v2',
    });
    expect(on.diagnostics).toEqual([]);
    const off = build({ transparentProxy: false });
    expect(off.annotations).toEqual({
      ...metrics,
      'consul.hashicorp.com/connect-inject': 'true',
      'consul.hashicorp.com/transparent-proxy': 'false',
      'consul.hashicorp.com/service-meta-version': 'v2',
      'consul.hashicorp.com/connect-service-upstreams': 'db:21000,pay:21001,cache:21002',
    });
    // External services are transparent-proxy destinations: without it, that is said.
    expect(codes(off.diagnostics)).toEqual(['WEFT700']);
  });

  it('ServiceDefaults: protocol, mTLS mode, local request timeout, rate limits, and breakers written into the callers', () => {
    const m = meshOf();
    const t = m.team('a');
    const backend = t.service('backend', {
      port: 8080,
      protocol: 'http2',
      versions: { v1: { image: 'i' } },
      security: { mtls: 'permissive' },
      resilience: {
        timeout: duration.seconds(20),
        rateLimit: { requests: 50, per: duration.seconds(1), burst: 80 },
        circuitBreaker: { consecutive5xx: 5, interval: duration.seconds(10), baseEjection: duration.seconds(30), maxEjectionPercent: 50, maxConnections: 100, maxPendingRequests: 10, maxRequests: 200 },
      },
    });
    backend.route('slow', { match: { path: { prefix: '/reports' } }, to: backend, timeout: duration.seconds(60), rateLimit: { requests: 5, per: '1s' } });
    t.service('front', { port: 80, versions: { v1: { image: 'i' } }, calls: [backend] });
    const out = emit(m);
    expect(codes(out.diagnostics)).toEqual(['WEFT707']);
    expectValid(out);
    expectGolden('service-defaults', [find(out.manifests, 'ServiceDefaults', 'backend'), find(out.manifests, 'ServiceDefaults', 'front'), find(out.manifests, 'Mesh', 'mesh')]);
  });

  it('ServiceRouter: matches, subsets, retries split by idempotency, timeouts, prefix rewrite and header modifiers', () => {
    const m = meshOf();
    const s = m.team('a').service('s', {
      port: 80,
      versions: { v1: { image: 'i' }, v2: { image: 'i' } },
      resilience: { timeout: duration.seconds(2), retries: { attempts: 3, on: ['5xx', 'connect-failure', '409'] } },
    });
    s.route('exact', { match: { path: { exact: '/v2' }, methods: ['GET'] }, to: s.version('v2'), retries: { attempts: 1, on: ['connect-failure'] } });
    s.route('headers', { match: { headers: { 'x-user': { prefix: 'beta-' }, 'x-id': { regex: '[0-9]+' } }, query: { variant: { prefix: 'next' }, debug: 'on' } }, to: s.version('v2') });
    s.route('api', {
      match: { path: { prefix: '/api' } },
      rewrite: { uri: '/' },
      to: s.version('v1'),
      timeout: duration.seconds(4),
      headers: { request: { set: { 'x-api': '1' }, add: { 'x-trace': 'yes' }, remove: ['cookie'] }, response: { remove: ['server'] } },
    });
    s.route('regex', { match: { path: { regex: '^/r/[a-z]+$' } }, to: s.version('v1') });
    s.route('default', { to: s.version('v1') });
    const out = emit(m);
    expect(out.diagnostics).toEqual([]);
    expectValid(out);
    expectGolden('service-router', [find(out.manifests, 'ServiceRouter', 's'), find(out.manifests, 'ServiceResolver', 's')]);
  });

  it('ServiceSplitter: a catch-all split is the service\'s splitter (with per-split headers); a matched split goes to a virtual service', () => {
    const m = meshOf();
    const s = m.team('a').service('s', { port: 80, versions: { v1: { image: 'i' }, v2: { image: 'i' } } });
    s.route('beta', { match: { headers: { 'x-beta': 'yes' } }, to: [s.version('v1').weight(50), s.version('v2').weight(50)] });
    s.route('canary', { to: [s.version('v1').weight(90), s.version('v2').weight(10)], headers: { response: { set: { 'x-canary': 'true' } } } });
    const out = emit(m);
    expect(out.diagnostics).toEqual([]);
    expectValid(out);
    expectGolden('service-splitter', [
      find(out.manifests, 'ServiceSplitter', 's'),
      find(out.manifests, 'ServiceSplitter', 's-beta'),
      find(out.manifests, 'ServiceDefaults', 's-beta'),
      find(out.manifests, 'ServiceRouter', 's'),
    ]);
  });

  it('ServiceResolver: a subset per version by service meta, default subset, load balancer hash policies and request timeout', () => {
    const m = meshOf();
    const t = m.team('a');
    const v = { v1: { image: 'i' }, v2: { image: 'i' } };
    t.service('by-header', { port: 80, versions: v, resilience: { loadBalancer: { policy: 'consistent-hash', header: 'x-session' }, timeout: duration.millis(1500) } });
    t.service('by-cookie', { port: 80, versions: v, resilience: { loadBalancer: { policy: 'consistent-hash', cookie: { name: 'sid', ttl: duration.hours(1), path: '/' }, ringSize: 2048 } } });
    t.service('by-ip', { port: 80, versions: v, resilience: { loadBalancer: { policy: 'consistent-hash', sourceIp: true } } });
    t.service('by-query', { port: 80, versions: v, resilience: { loadBalancer: { policy: 'consistent-hash', query: 'user' } } });
    const tcp = t.service('db', { ports: [{ port: 5432, protocol: 'tcp', name: 'tcp-pg' }], versions: v, resilience: { loadBalancer: { policy: 'least-request' } } });
    tcp.route('pin', { to: tcp.version('v2') });
    const out = emit(m);
    expect(out.diagnostics).toEqual([]);
    expectValid(out);
    expectGolden('service-resolver', ['by-header', 'by-cookie', 'by-ip', 'by-query', 'db'].map((n) => find(out.manifests, 'ServiceResolver', n)));
    expect(out.manifests.filter((x) => x.kind === 'ServiceRouter' || x.kind === 'ServiceSplitter')).toEqual([]);
  });

  it('ServiceIntentions: declared callers, gateways and routed callers under deny-by-default, L7 rules, JWT claims, and the mesh-wide deny', () => {
    const m = meshOf();
    const t = m.team('a');
    const api = t.service('api', { port: 80, versions: { v1: { image: 'i' } } });
    api.requireJwt('idp', { issuer: 'https://idp.example.com', jwksUri: 'https://idp.example.com/jwks.json', audiences: ['api'], fromHeaders: [{ name: 'authorization', prefix: 'Bearer ' }], fromParams: ['token'], forwardOriginalToken: true });
    api.allow('writers', { from: { jwtClaims: { scope: ['write', 'admin'] } }, to: { methods: ['POST'], paths: ['/items*'] } });
    api.deny('no-admin', { from: { ipBlocks: ['0.0.0.0/0'] }, to: { paths: ['/admin*'] } });
    const web = t.service('web', { port: 80, versions: { v1: { image: 'i' } }, calls: [api] });
    api.allow('web-reads', { from: { services: [web] }, to: { methods: ['GET'] } });
    const db = t.service('db', { ports: [{ port: 5432, protocol: 'tcp', name: 'tcp-pg' }], versions: { v1: { image: 'i' } } });
    t.service('worker', { port: 80, versions: { v1: { image: 'i' } }, calls: [db] });
    m.gateway('edge', { hosts: ['shop.example.com'] }).route('all', { to: web });
    const out = emit(m);
    expect(out.diagnostics).toEqual([]);
    expectValid(out);
    expectGolden('service-intentions', [
      find(out.manifests, 'ServiceIntentions', 'api'),
      find(out.manifests, 'ServiceIntentions', 'web'),
      find(out.manifests, 'ServiceIntentions', 'db'),
      find(out.manifests, 'ServiceIntentions', 'default-deny'),
      find(out.manifests, 'JWTProvider', 'idp'),
    ]);
  });

  it('allow-all writes no default deny and no caller intentions; an unenforceable deny is an error, an unenforceable allow a warning', () => {
    const m = meshOf({ security: { authorization: 'allow-all' } });
    const s = m.team('a').service('s', { port: 80, versions: { v1: { image: 'i' } } });
    s.deny('office', { from: { ipBlocks: ['10.0.0.0/8'] } });
    s.allow('lab', { from: { ipBlocks: ['192.168.0.0/16'] } });
    const out = emit(m);
    expect(out.diagnostics.map((d) => [d.code, d.severity])).toEqual([['WEFT703', 'error'], ['WEFT703', 'warning']]);
    expect(out.manifests.filter((x) => x.kind === 'ServiceIntentions')).toEqual([]);
  });

  it('ProxyDefaults and Mesh: access logs, Prometheus listener, tracing sample rate, transparent proxy to mesh destinations only', () => {
    const m = meshOf({ observability: { metrics: true, accessLogs: true, tracing: { samplingPercent: 25 } } });
    m.team('a').service('s', { port: 80, versions: { v1: { image: 'i' } } });
    const out = emit(m);
    expect(out.diagnostics).toEqual([]);
    expectValid(out);
    expectGolden('mesh-wide', [find(out.manifests, 'ProxyDefaults', 'global'), find(out.manifests, 'Mesh', 'mesh')]);
  });

  it('API gateway: a Gateway of class consul, an HTTPRoute with matches, filters and weighted backends, and ReferenceGrants', () => {
    const m = meshOf();
    const t = m.team('shop', { namespace: 'shop' });
    const web = t.service('web', { port: 8080, versions: { v1: { image: 'i' } } });
    const api = t.service('api', { port: 9000, versions: { v1: { image: 'i' } } });
    const g = m.gateway('edge', { namespace: 'ingress', hosts: ['shop.example.com', 'www.example.com'], tls: { secretName: 'shop-tls', httpsRedirect: false } });
    g.route('api', { match: { path: { prefix: '/api' }, methods: ['GET', 'POST'], headers: { 'x-v': { prefix: '2' } } }, rewrite: { uri: '/' }, headers: { request: { set: { 'x-from': 'edge' } } }, to: api });
    g.route('web', { to: [web.weight(90), api.weight(10)] });
    const out = emit(m);
    expect(out.diagnostics).toEqual([]);
    expectValid(out);
    expectGolden('api-gateway', out.manifests.filter((x) => x.apiVersion.startsWith('gateway.networking.k8s.io/')));
  });

  it('API gateway with more than 16 rules: several HTTPRoutes on one parent, each within the Gateway API limit, in declaration order', () => {
    const m = meshOf();
    const t = m.team('shop', { namespace: 'shop' });
    const web = t.service('web', { port: 8080, versions: { v1: { image: 'i' } } });
    const g = m.gateway('edge', { namespace: 'shop', hosts: ['shop.example.com'] });
    for (let i = 0; i < 35; i++) g.route(`r${i}`, { match: { path: { exact: `/p${i}` } }, to: web });
    const out = emit(m);
    expect(out.diagnostics).toEqual([]);
    expectValid(out);
    const routes = out.manifests.filter((x) => x.kind === 'HTTPRoute') as (Manifest & { spec: any })[];
    expect(routes.map((r) => r.metadata.name)).toEqual(['edge', 'edge-02', 'edge-03']);
    expect(routes.map((r) => r.spec.rules.length)).toEqual([16, 16, 3]);
    expect(routes.every((r) => r.spec.parentRefs[0].name === 'edge')).toBe(true);
    // Name order is declaration order (the Gateway API's tie-break after creation time).
    const paths = routes.flatMap((r) => r.spec.rules.map((rule: any) => rule.matches[0].path.value));
    expect(paths).toEqual(Array.from({ length: 35 }, (_, i) => `/p${i}`));
    expect([...routes.map((r) => r.metadata.name)].sort()).toEqual(routes.map((r) => r.metadata.name));
  });

  it('external services: a ServiceDefaults destination for transparent proxy, and intentions for their callers', () => {
    const m = meshOf();
    const t = m.team('a');
    const pay = t.externalService('payments', { hosts: ['api.payments.example.com'], ports: [{ port: 443, protocol: 'https' }] });
    t.service('checkout', { port: 80, versions: { v1: { image: 'i' } }, calls: [pay] });
    const out = emit(m);
    expect(out.diagnostics).toEqual([]);
    expectValid(out);
    expectGolden('external-service', [find(out.manifests, 'ServiceDefaults', 'payments'), find(out.manifests, 'ServiceIntentions', 'payments')]);
  });

  it('VM service definitions: name, id, tags, port, meta version, checks from probes, sidecar upstreams on deterministic ports', () => {
    const m = meshOf();
    const t = m.team('a');
    const db = t.service('db', { ports: [{ port: 5432, protocol: 'tcp', name: 'tcp-pg' }], versions: { v1: { image: 'i' } }, probes: { readiness: { port: 5432 } } });
    const cache = t.service('cache', { port: 6379, versions: { v1: { image: 'i' } } });
    t.service('app', {
      port: 8080,
      versions: { v1: { image: 'i' }, v2: { image: 'i' } },
      calls: [db, cache],
      probes: { readiness: { path: '/ready', period: duration.seconds(5), timeout: duration.seconds(2) }, liveness: { path: '/live' } },
    });
    const out = emit(m);
    expect(out.diagnostics).toEqual([]);
    expectValid(out);
    const defs = out.files.filter((f) => f.path.startsWith('services/'));
    expect(defs.map((f) => f.path)).toEqual(['services/db-v1.json', 'services/cache-v1.json', 'services/app-v1.json', 'services/app-v2.json']);
    expectGolden('service-definitions', [], defs.filter((f) => f.path === 'services/app-v2.json' || f.path === 'services/db-v1.json'));
    expect(file(out.files, 'services/app-v1.json').service.connect.sidecar_service.proxy.upstreams).toEqual(file(out.files, 'services/app-v2.json').service.connect.sidecar_service.proxy.upstreams);
  });

  it('writes every CRD again as a config entry, and the output is deterministic', () => {
    const build = () => {
      const m = meshOf();
      const s = m.team('a').service('s', { port: 80, versions: { v1: { image: 'i' }, v2: { image: 'i' } } });
      s.route('canary', { to: [s.version('v1').weight(80), s.version('v2').weight(20)] });
      return emit(m);
    };
    const a = build();
    expect(JSON.stringify(a)).toBe(JSON.stringify(build()));
    const entries = a.files.filter((f) => f.path.startsWith('config-entries/')).map((f) => f.path);
    expect(entries).toEqual(a.manifests.filter((x) => x.apiVersion === 'consul.hashicorp.com/v1alpha1').map((x) => `config-entries/${(file(a.files, entries.find((e) => e.endsWith(`-${x.metadata.name}.json`) && e.includes(kebab(x.kind)))!) as { Kind: string }).Kind}-${x.metadata.name}.json`));
    expect(file(a.files, 'config-entries/service-intentions-default-deny.json')).toEqual({ Kind: 'service-intentions', Name: '*', Sources: [{ Name: '*', Action: 'deny' }] });
  });
});

function kebab(kind: string): string {
  return kind === 'JWTProvider' ? 'jwt-provider' : kind.replace(/[A-Z]/g, (c, i) => (i ? '-' : '') + c.toLowerCase());
}

describe('features Consul cannot express are reported, naming the feature and the target', () => {
  it('fault injection, mirroring, CORS, redirects, direct responses, source matches, authority rewrites, per-try timeouts, backoff', () => {
    const m = meshOf();
    const t = m.team('a');
    const other = t.service('other', { port: 80, versions: { v1: { image: 'i' } } });
    const s = t.service('s', { port: 80, versions: { v1: { image: 'i' }, v2: { image: 'i' } }, calls: [other] });
    s.route('chaos', { match: { headers: { x: '1' } }, to: s, fault: { abort: { status: 503, percent: 10 } } });
    s.route('shadow', { match: { headers: { x: '2' } }, to: s, mirror: { to: s.version('v2'), percent: 5 } });
    s.route('cors', { match: { headers: { x: '3' } }, to: s, cors: { allowOrigins: ['https://a.example'] } });
    s.route('moved', { match: { path: { exact: '/old' } }, redirect: { uri: '/new', status: 301 } });
    s.route('ping', { match: { path: { exact: '/ping' } }, directResponse: { status: 200, body: 'pong' } });
    s.route('from-other', { match: { path: { prefix: '/o' }, from: other }, to: s });
    s.route('host', { match: { path: { prefix: '/h' } }, rewrite: { authority: 'h.example' }, to: s });
    s.route('tries', { match: { path: { prefix: '/t' } }, to: s, retries: { attempts: 2, perTryTimeout: duration.millis(200), on: ['5xx'], backoff: { base: duration.millis(10), max: duration.millis(100) } } });
    const out = emit(m);
    const messages = out.diagnostics.map((d) => `${d.code} ${d.message}`);
    for (const feature of ['fault injection', 'mirroring', 'CORS', 'redirect', 'direct response', 'matches requests from service', 'authority rewrite', 'per-try timeout', 'backoff'])
      expect(messages.some((msg) => msg.includes(feature) && msg.includes('Consul')), feature).toBe(true);
    expect(new Set(codes(out.diagnostics))).toEqual(new Set(['WEFT700', 'WEFT701']));
    expect(out.diagnostics.every((d) => d.location !== undefined)).toBe(true);
  });

  it('near miss: a mesh of only expressible features reports nothing', () => {
    const m = meshOf();
    const s = m.team('a').service('s', { port: 80, versions: { v1: { image: 'i' }, v2: { image: 'i' } }, resilience: { retries: { attempts: 2, on: ['5xx'] } } });
    s.route('jason', { match: { headers: { 'end-user': 'jason' } }, to: s.version('v2') });
    s.route('canary', { to: [s.version('v1').weight(80), s.version('v2').weight(20)] });
    expect(emit(m).diagnostics).toEqual([]);
  });

  it('breaker fields Consul lacks, a breaker nobody calls through, mesh-wide observability overrides, startup probes, mTLS disable', () => {
    const m = meshOf({ observability: { accessLogs: false } });
    const t = m.team('a');
    const b = t.service('b', { port: 80, versions: { v1: { image: 'i' } }, resilience: { circuitBreaker: { consecutiveGatewayErrors: 3, maxRequestsPerConnection: 10 } } });
    t.service('c', { port: 80, versions: { v1: { image: 'i' } }, calls: [b], observability: { accessLogs: true }, probes: { startup: { path: '/s' } }, security: { mtls: 'disable' } });
    t.service('lonely', { port: 80, versions: { v1: { image: 'i' } }, resilience: { circuitBreaker: { consecutive5xx: 2 } } });
    expect(codes(emit(m).diagnostics).sort()).toEqual(['WEFT701', 'WEFT701', 'WEFT701', 'WEFT702', 'WEFT705', 'WEFT706']);
  });

  it('a route to the service itself without a version is said to take the splitter or default subset; a versioned one is not', () => {
    const m = meshOf();
    const t = m.team('a');
    const s = t.service('s', { port: 80, versions: { v1: { image: 'i' }, v2: { image: 'i' } } });
    s.route('all-versions', { match: { path: { prefix: '/any' } }, to: s });
    s.route('pinned', { match: { path: { prefix: '/v2' } }, to: s.version('v2') });
    s.route('canary', { to: [s.version('v1').weight(90), s.version('v2').weight(10)] });
    const p = t.service('p', { port: 80, versions: { v1: { image: 'i' }, v2: { image: 'i' } } });
    p.route('all-versions', { match: { path: { prefix: '/any' } }, to: p });
    p.route('default', { to: p.version('v1') });
    const out = emit(m);
    expect(out.diagnostics.map((d) => d.message)).toEqual([
      expect.stringContaining('route "all-versions" of service "s" sends to "s" without a version; in Consul that traffic takes the weights of route "canary"'),
      expect.stringContaining('route "all-versions" of service "p" sends to "p" without a version; in Consul that traffic takes version "v1" only'),
    ]);
  });

  it('a matched split whose virtual service name is taken by a declared service is reported', () => {
    const m = meshOf();
    const t = m.team('a');
    const s = t.service('s', { port: 80, versions: { v1: { image: 'i' }, v2: { image: 'i' } } });
    t.service('s-beta', { port: 80, versions: { v1: { image: 'i' } } });
    s.route('beta', { match: { headers: { x: '1' } }, to: [s.version('v1').weight(50), s.version('v2').weight(50)] });
    expect(emit(m).diagnostics.map((d) => d.message)).toEqual([expect.stringContaining('virtual service named "s-beta", but a declared service has that name')]);
  });

  it('a ServiceAccount not named after its service is a warning (consul-k8s ACL login); the default name is not', () => {
    const m = meshOf();
    const t = m.team('a');
    t.service('users', { port: 80, versions: { v1: { image: 'i' } }, serviceAccount: 'users-sa' });
    t.service('orders', { port: 80, versions: { v1: { image: 'i' } } });
    const out = emit(m);
    expect(out.diagnostics.map((d) => [d.code, d.severity, d.path.split('/').pop()])).toEqual([['WEFT709', 'warning', 'users']]);
  });

  it('a second port is outside the Consul mesh (consul-k8s registers one port per service); one port is not reported', () => {
    const m = meshOf();
    const t = m.team('a');
    t.service('two', { ports: [{ port: 80, protocol: 'http', name: 'http-web' }, { port: 9090, protocol: 'grpc', name: 'grpc-admin' }], versions: { v1: { image: 'i' } } });
    t.service('one', { port: 80, versions: { v1: { image: 'i' } } });
    const out = emit(m);
    expect(out.diagnostics.map((d) => [d.code, d.path.split('/').pop()])).toEqual([['WEFT700', 'two']]);
    expect(find(out.manifests, 'ServiceDefaults', 'two').spec.protocol).toBe('http');
  });

  it('gateway features the API gateway lacks: mutual TLS, HTTPS redirect, versions, retries, and an order the Gateway API would change', () => {
    const m = meshOf();
    const s = m.team('a').service('s', { port: 80, versions: { v1: { image: 'i' } } });
    const g = m.gateway('edge', { hosts: ['a.example.com'], tls: { secretName: 'x', mode: 'mutual', httpsRedirect: true } });
    g.route('all', { match: { path: { prefix: '/' } }, to: s.version('v1'), retries: { attempts: 1, on: ['5xx'] } });
    g.route('deep', { match: { path: { prefix: '/deep' } }, to: s });
    const out = emit(m);
    expect(codes(out.diagnostics)).toEqual(['WEFT704', 'WEFT704', 'WEFT704', 'WEFT704', 'WEFT704']);
    expectValid(out);
  });
});
