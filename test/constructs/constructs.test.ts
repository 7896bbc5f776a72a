import { describe, expect, it } from 'vitest';
import { jsonFileText } from '../../src/synth/stable-json';
import { Mesh, duration } from '../../src/index';
import { modelForEnvironment } from '../../src/model/query';

function mesh() {
  return new Mesh('shop', { environments: { dev: { mesh: 'weft' }, prod: { mesh: 'istio', security: { mtls: 'permissive' } } } });
}

describe('Mesh and Team', () => {
  it('applies mesh-wide defaults', () => {
    const { model, diagnostics } = mesh().toModel();
    expect(diagnostics).toEqual([]);
    expect(model!.security).toEqual({ mtls: 'strict', authorization: 'deny-by-default' });
    expect(model!.observability).toEqual({ metrics: true, accessLogs: false, tracing: undefined });
    expect(model!.trustDomain).toBe('cluster.local');
  });

  it('defaults the namespace to the team name', () => {
    const m = mesh();
    m.team('payments');
    m.team('web', { namespace: 'storefront' });
    expect(m.toModel().model!.teams.map((t) => t.namespace)).toEqual(['payments', 'storefront']);
  });

  it('returns a frozen model', () => {
    const m = mesh();
    m.team('a').service('s', { port: 80, versions: { v1: { image: 'i:1' } } });
    const model = m.toModel().model!;
    expect(Object.isFrozen(model)).toBe(true);
    expect(Object.isFrozen(model.services[0]!.versions[0])).toBe(true);
  });
});

describe('Service', () => {
  it('records where it was declared', () => {
    const m = mesh();
    const line = new Error().stack!.split('\n')[1]!.match(/:(\d+):\d+\)?$/)![1];
    m.team('a').service('s', { port: 80, versions: { v1: { image: 'i:1' } } });
    const s = m.toModel().model!.services[0]!;
    expect(s.location.file).toBe(__filename);
    expect(s.location.line).toBe(Number(line) + 1);
    expect(s.path).toBe('shop/a/s');
  });

  it('names ports after their protocol, and prefixes with the port when there are several', () => {
    const m = mesh();
    const t = m.team('a');
    t.service('one', { port: 8080, protocol: 'grpc', versions: { v1: { image: 'i:1' } } });
    t.service('two', { ports: [{ port: 80, targetPort: 8080 }, { port: 9000, protocol: 'tcp' }], versions: { v1: { image: 'i:1' } } });
    const [one, two] = m.toModel().model!.services;
    expect(one!.ports).toEqual([{ name: 'grpc', port: 8080, targetPort: 8080, protocol: 'grpc' }]);
    expect(two!.ports.map((p) => p.name)).toEqual(['http-80', 'tcp-9000']);
    expect(two!.ports[0]!.targetPort).toBe(8080);
  });

  it('keeps object config files as documents, which synth writes as stable JSON', () => {
    const m = mesh();
    m.team('a').service('s', { port: 80, versions: { v1: { image: 'i:1' } }, config: { 'c.json': { b: 1, a: { d: 2, c: 3 } }, 'raw.txt': 'x=1' } });
    const config = m.toModel().model!.services[0]!.config!;
    // Targets return objects; synth's serializer (EmitContext.json) gives the file its bytes.
    expect(config.files['c.json']).toEqual({ b: 1, a: { d: 2, c: 3 } });
    expect(jsonFileText(config.files['c.json'])).toBe('{\n  "a": {\n    "c": 3,\n    "d": 2\n  },\n  "b": 1\n}\n');
    expect(config.files['raw.txt']).toBe('x=1');
    expect(config.mountPath).toBe('/etc/s');
  });

  it('normalises durations to milliseconds and fills documented defaults', () => {
    const m = mesh();
    m.team('a').service('s', {
      port: 80,
      versions: { v1: { image: 'i:1' } },
      resilience: {
        timeout: duration.seconds(2),
        retries: { attempts: 3, perTryTimeout: '500ms', statusCodes: [503] },
        circuitBreaker: { consecutive5xx: 5 },
        rateLimit: { requests: 10 },
        loadBalancer: { policy: 'consistent-hash', cookie: { name: 'c', ttl: '1h' } },
      },
    });
    const r = m.toModel().model!.services[0]!.resilience;
    expect(r.timeoutMs).toBe(2000);
    expect(r.retries).toMatchObject({ attempts: 3, perTryTimeoutMs: 500, retriableStatusCodes: [503] });
    expect(r.retries!.on).toContain('retriable-status-codes');
    expect(r.circuitBreaker).toMatchObject({ consecutive5xx: 5, intervalMs: 10_000, baseEjectionMs: 30_000, maxEjectionPercent: 10 });
    expect(r.rateLimit).toEqual({ requests: 10, perMs: 1000, burst: 10 });
    expect(r.loadBalancer).toEqual({ policy: 'consistent-hash', ringSize: undefined, hashOn: { kind: 'cookie', name: 'c', ttlMs: 3_600_000, path: undefined } });
  });

  it('reports invalid props as WEFT001 at the declaration, and keeps going', () => {
    const m = mesh();
    const t = m.team('a');
    t.service('bad', { port: 80, versions: { v1: { image: 'i:1', replicas: -1 } } });
    t.service('also-bad', { port: 80, ports: [{ port: 81 }], versions: { v1: { image: 'i:1' } } });
    t.service('good', { port: 80, versions: { v1: { image: 'i:1' } }, resilience: { timeout: '2 s' as never } });
    const { model, diagnostics } = m.toModel();
    expect(diagnostics.map((d) => d.code)).toEqual(['WEFT001', 'WEFT001', 'WEFT001']);
    expect(diagnostics[0]!.message).toContain('versions.v1.replicas');
    expect(diagnostics[1]!.message).toContain('give either `port` or `ports`');
    expect(diagnostics[2]!.message).toContain('"2 s" is not a duration');
    expect(diagnostics.every((d) => d.location?.file === __filename && d.hint.length > 0)).toBe(true);
    expect(model!.services).toEqual([]);
  });
});

describe('Route', () => {
  it('splits evenly when no weight is given, the remainder to the first', () => {
    const m = mesh();
    const s = m.team('a').service('s', { port: 80, versions: { v1: { image: 'i:1' }, v2: { image: 'i:2' }, v3: { image: 'i:3' } } });
    s.route('even', { to: [s.version('v1'), s.version('v2'), s.version('v3')] });
    const route = m.toModel().model!.services[0]!.routes[0]!;
    expect(route.action).toMatchObject({ kind: 'forward' });
    expect(route.action.kind === 'forward' && route.action.destinations.map((d) => d.weight)).toEqual([34, 33, 33]);
  });

  it('keeps explicit weights as given, for the analyzer to check', () => {
    const m = mesh();
    const s = m.team('a').service('s', { port: 80, versions: { v1: { image: 'i:1' }, v2: { image: 'i:2' } } });
    s.route('split', { to: [s.version('v1').weight(30), s.version('v2').weight(60)] });
    const route = m.toModel().model!.services[0]!.routes[0]!;
    expect(route.action.kind === 'forward' && route.action.destinations.map((d) => d.weight)).toEqual([30, 60]);
  });

  it('defaults hosts to the service FQDN, and gateway routes to the gateway hosts', () => {
    const m = mesh();
    const s = m.team('a').service('s', { port: 80, versions: { v1: { image: 'i:1' } } });
    s.route('all', { to: s });
    m.gateway('gw', { hosts: ['shop.example.com'] }).route('in', { match: { path: { prefix: '/' } }, to: s });
    const model = m.toModel().model!;
    expect(model.services[0]!.routes[0]!.hosts).toEqual(['s.a.svc.cluster.local']);
    expect(model.gateways[0]!.routes[0]!).toMatchObject({ hosts: ['shop.example.com'], owner: { kind: 'gateway', gateway: 'gw' } });
    expect(model.gateways[0]!.port).toBe(80);
  });

  it('needs exactly one action', () => {
    const m = mesh();
    const s = m.team('a').service('s', { port: 80, versions: { v1: { image: 'i:1' } } });
    s.route('none', {});
    s.route('two', { to: s, directResponse: { status: 200 } });
    expect(m.toModel().diagnostics.map((d) => d.message)).toEqual([
      expect.stringContaining('exactly one of `to`, `redirect` or `directResponse`'),
      expect.stringContaining('exactly one of `to`, `redirect` or `directResponse`'),
    ]);
  });

  it('lower-cases header names and upper-cases methods; a bare string is an exact match', () => {
    const m = mesh();
    const s = m.team('a').service('s', { port: 80, versions: { v1: { image: 'i:1' } } });
    s.route('r', { match: { headers: { 'End-User': 'jason' }, methods: ['get'] }, to: s });
    expect(m.toModel().model!.services[0]!.routes[0]!.match).toEqual([{ headers: { 'end-user': { exact: 'jason' } }, methods: ['GET'], sourceService: undefined }]);
  });

  it('keeps a duplicate name in the model for the analyzer to report', () => {
    const m = mesh();
    const s = m.team('a').service('s', { port: 80, versions: { v1: { image: 'i:1' } } });
    s.route('r', { to: s });
    s.route('r', { to: s });
    expect(m.toModel().model!.services[0]!.routes.map((r) => r.name)).toEqual(['r', 'r']);
  });
});

describe('security and observability', () => {
  it('collects allow/deny rules, JWT rules and SLOs on the service', () => {
    const m = mesh();
    const t = m.team('a');
    const caller = t.service('caller', { port: 80, versions: { v1: { image: 'i:1' } } });
    const s = t.service('s', { port: 80, versions: { v1: { image: 'i:1' } } });
    s.allow('callers', { from: { services: [caller], jwtClaims: { group: 'admin' } }, to: { methods: ['get'] } });
    s.deny('outside', { from: { ipBlocks: ['10.0.0.0/8'] } });
    s.requireJwt('idp', { issuer: 'https://idp', jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } });
    s.slo('latency', { latency: { threshold: '300ms', percent: 99 } });
    const model = m.toModel().model!.services[1]!;
    expect(model.security.authorization).toMatchObject([
      { name: 'callers', action: 'allow', from: { services: [{ namespace: 'a', name: 'caller' }], jwtClaims: { group: ['admin'] } }, to: { methods: ['GET'] } },
      { name: 'outside', action: 'deny', from: { ipBlocks: ['10.0.0.0/8'] } },
    ]);
    expect(model.security.jwt[0]).toMatchObject({ issuer: 'https://idp', jwks: '{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}', required: true, forwardOriginalToken: false });
    expect(model.observability.slos[0]).toMatchObject({ name: 'latency', windowDays: 28, objective: { kind: 'latency', thresholdMs: 300, targetPercent: 99 } });
  });
});

describe('environments', () => {
  it('applies per-environment security and service overrides', () => {
    const m = new Mesh('shop', {
      environments: {
        dev: { mesh: 'weft', security: { mtls: 'permissive' }, services: { s: { replicas: 1, versions: { v2: { image: 'i:dev' } } } } },
      },
    });
    m.team('a').service('s', { port: 80, versions: { v1: { image: 'i:1', replicas: 3 }, v2: { image: 'i:2', replicas: 3 } } });
    const model = m.toModel().model!;
    const dev = modelForEnvironment(model, model.environments[0]!);
    expect(dev.security.mtls).toBe('permissive');
    expect(dev.services[0]!.versions.map((v) => [v.image, v.replicas])).toEqual([['i:1', 1], ['i:dev', 1]]);
    expect(model.services[0]!.versions[0]!.replicas).toBe(3);
  });

  it('reports an override of an unknown service as WEFT005', () => {
    const m = new Mesh('shop', { environments: { dev: { mesh: 'weft', services: { ghost: { replicas: 1 } } } } });
    expect(m.toModel().diagnostics.map((d) => d.code)).toEqual(['WEFT005']);
  });
});
