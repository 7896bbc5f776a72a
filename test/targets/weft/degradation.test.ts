/**
 * Degradation from mesh.config.ts to the weft proxy config: fallbacks (service and route level,
 * response and `to`), switch rules on the caller's routes, environment switch states in the
 * weft-switches ConfigMap, the sidecar's mount, the ratio breaker and shaping; plus the
 * analyzer's degradation diagnostics. Every emitted config is checked by the proxy's own loader.
 */
import { describe, expect, it } from 'vitest';
import { analyze } from '../../../src/analyze/index';
import { compileModel } from '../../../src/synth/compile';
import { emit, modelOf, weftMesh } from './helpers';

function scenario(envSwitches?: Record<string, 'on' | 'off'>, other: 'istio' | 'consul' = 'istio') {
  const mesh = weftMesh(envSwitches ? { environments: { dev: { mesh: 'weft', switches: envSwitches }, prod: { mesh: other } } } : {});
  const t = mesh.team('shop');
  const captcha = t.service('captcha', {
    port: 5000,
    versions: { v1: { image: 'x/c:1' }, static: { image: 'x/c:static' } },
    resilience: {
      fallback: { on: ['timeout', '5xx'], response: { body: 'busy' } },
      circuitBreaker: { ratio: { failureRatio: 50, minRequests: 10, window: '20s', openFor: '3s', halfOpenProbes: 2 } },
      rateLimit: { requests: 10, per: '1s', mode: 'shape', maxQueue: 5 },
    },
  });
  captcha.route('api', { match: { path: { prefix: '/api' } }, to: captcha.version('v1'), fallback: { on: ['circuit-open'], to: captcha.version('static') } });
  const gw = t.service('gateway', { port: 8080, versions: { v1: { image: 'x/g:1' } }, calls: [captcha] });
  const sw = mesh.switch('shed-captcha', { description: 'skip captcha' });
  gw.degrade(sw, { calls: [captcha], response: { status: 200, body: 'skip' } });
  return mesh;
}

describe('weft target: degradation', () => {
  it('puts fallbacks and switch rules on the caller routes, the ratio breaker on the service, shaping inbound', () => {
    const e = emit(scenario());
    const api = e.route('shop/gateway-v1', 'captcha.shop/api');
    expect(api.fallback).toEqual({ on: ['circuit-open'], to: { service: 'captcha', subset: 'static' } });
    expect(api.degrade).toEqual([{ switch: 'shed-captcha', response: { status: 200, body: 'skip' } }]);
    const implicit = e.route('shop/gateway-v1', 'captcha.shop/(default)');
    expect(implicit.fallback).toEqual({ on: ['timeout', '5xx'], response: { status: 200, body: 'busy' } });
    expect(implicit.degrade).toHaveLength(1);
    expect(e.service('shop/gateway-v1', 'captcha').ratioBreaker).toEqual({ failureRatioPercent: 50, minRequests: 10, windowMs: 20_000, openMs: 3_000, halfOpenProbes: 2 });
    const own = e.config('shop/captcha-v1');
    expect(own.listeners.inbound?.shape).toEqual({ requests: 10, perMs: 1000, maxQueue: 5 });
    expect(own.listeners.inbound?.rateLimit).toBeUndefined();
    expect(e.config('shop/gateway-v1').switches).toEqual({ declared: [{ name: 'shed-captcha', default: 'off' }], file: '/etc/weft-switches/switches.json' });
  });

  it('answers a rate-limited fallback at the limited service\'s inbound listener, where the limit rejects', () => {
    // A caller's proxy sees only another proxy's 429, never its RL flag: the answer must be given inbound.
    const mesh = weftMesh({});
    const t = mesh.team('shop');
    const quota = t.service('quota', { port: 5000, versions: { v1: { image: 'x/q:1' } }, resilience: { fallback: { on: ['rate-limited', '5xx'], response: { status: 200, body: 'over quota' } }, rateLimit: { requests: 2, per: '1s' } } });
    const plain = t.service('plain', { port: 5000, versions: { v1: { image: 'x/p:1' } }, resilience: { fallback: { on: ['5xx'], response: { body: 'x' } }, rateLimit: { requests: 2, per: '1s' } } });
    t.service('gw', { port: 8080, versions: { v1: { image: 'x/g:1' } }, calls: [quota, plain] });
    const e = emit(mesh);
    expect(e.config('shop/quota-v1').listeners.inbound?.fallback).toEqual({ on: ['rate-limited'], response: { status: 200, body: 'over quota' } });
    expect(e.config('shop/plain-v1').listeners.inbound?.fallback).toBeUndefined();
  });

  it('says where a rate-limited fallback cannot answer the service\'s own limit: a `to` fallback, a caller\'s call fallback (WEFT671); Istio and Consul name theirs', () => {
    const mesh = weftMesh({ environments: { dev: { mesh: 'weft' }, prod: { mesh: 'istio' }, staging: { mesh: 'consul' } } });
    const t = mesh.team('shop');
    const backup = t.service('backup', { port: 5000, versions: { v1: { image: 'x/b:1' } } });
    const quota = t.service('quota', { port: 5000, versions: { v1: { image: 'x/q:1' } }, resilience: { fallback: { on: ['rate-limited'], to: backup }, rateLimit: { requests: 2, per: '1s' } } });
    const preset = t.service('preset', { port: 5000, versions: { v1: { image: 'x/p:1' } }, resilience: { rateLimit: { requests: 2, per: '1s' } } });
    const gw = t.service('gw', { port: 8080, versions: { v1: { image: 'x/g:1' } }, calls: [quota, preset, backup] });
    gw.fallbackFor(preset, { on: ['rate-limited'], response: { status: 200, body: 'later' } });
    const e = emit(mesh, 'dev');
    // Compiled where it applies (the caller's route: route limits, and every other reason), never silently dropped.
    expect(e.route('shop/gw-v1', 'quota.shop/(default)').fallback).toEqual({ on: ['rate-limited'], to: { service: 'backup' } });
    expect(e.config('shop/quota-v1').listeners.inbound?.fallback).toBeUndefined();
    const weft851 = e.diagnostics.filter((d) => d.code === 'WEFT671');
    expect(weft851.map((d) => d.path)).toEqual(['shop/shop/quota', 'shop/shop/gw/fallback-for:preset']);
    expect(weft851[0]!.message).toContain('sends to service "backup", which the weft proxy does not do for the service\'s own rate limit');
    expect(weft851[1]!.message).toContain('does not answer the rate limit of service "preset"');
    // A preset response on the service itself is answered inbound: no WEFT671.
    const ok = weftMesh({});
    const o = ok.team('shop');
    const q2 = o.service('q2', { port: 5000, versions: { v1: { image: 'x/q:1' } }, resilience: { fallback: { on: ['rate-limited'], response: { body: 'later' } }, rateLimit: { requests: 2, per: '1s' } } });
    o.service('gw', { port: 8080, versions: { v1: { image: 'x/g:1' } }, calls: [q2] });
    expect(emit(ok).diagnostics.filter((d) => d.code === 'WEFT671')).toEqual([]);
    // Istio cannot re-route a local reply (WEFT848), and a call fallback on rate-limited is not the caller's to answer there; Consul has no fallbacks (WEFT840).
    const istio = compileModel(modelOf(mesh), { environments: ['prod'] }).diagnostics.filter((d) => d.code === 'WEFT848');
    expect(istio.map((d) => d.path).sort()).toEqual(['shop/shop/gw/fallback-for:preset', 'shop/shop/quota']);
    expect(istio.find((d) => d.path === 'shop/shop/quota')!.message).toContain('sends to service "backup"');
    expect(analyze(modelOf(mesh)).filter((d) => d.code === 'WEFT840' && d.message.includes('consul')).map((d) => d.path).sort()).toEqual(['shop/shop/gw/fallback-for:preset', 'shop/shop/quota']);
  });

  it('writes the environment switch states into the weft-switches ConfigMap of each namespace', () => {
    const e = emit(scenario({ 'shed-captcha': 'on' }), 'dev');
    const cm = e.output.manifests.find((m) => m.kind === 'ConfigMap' && m.metadata.name === 'weft-switches')!;
    expect(cm.metadata.namespace).toBe('shop');
    expect(JSON.parse((cm as unknown as { data: Record<string, string> }).data['switches.json']!)).toEqual({ switches: { 'shed-captcha': 'on' } });
    // The proxy's own default is the environment's state, so it sheds before (or without) the file.
    expect(e.config('shop/gateway-v1').switches?.declared).toEqual([{ name: 'shed-captcha', default: 'on' }]);
    const wiring = e.ctx.wiring(e.model.services.find((s) => s.name === 'gateway')!, e.model.services.find((s) => s.name === 'gateway')!.versions[0]!);
    expect(JSON.stringify(wiring.volumes)).toContain('"configMap":{"name":"weft-switches"}');
    expect(JSON.stringify(wiring.containers)).toContain('"mountPath":"/etc/weft-switches"');
  });

  it('reports what consul does not express, and wrong references', () => {
    const mesh = scenario({ 'shed-captcha': 'on', 'no-such-switch': 'on' }, 'consul');
    const t = mesh.node.findChild('shop') as ReturnType<typeof mesh.team>;
    const other = t.service('other', { port: 8080, versions: { v1: { image: 'x/o:1' } } });
    const lonely = t.service('lonely', { port: 8080, versions: { v1: { image: 'x/l:1' } }, resilience: { fallback: { on: ['5xx'], to: other.version('v9') } } });
    lonely.degrade(mesh.switch('shed-other', { description: 'x' }), { calls: [other], response: { status: 200 } });
    const codes = analyze(modelOf(mesh)).map((d) => d.code);
    for (const c of ['WEFT840', 'WEFT841', 'WEFT842', 'WEFT843', 'WEFT845', 'WEFT846', 'WEFT847']) expect(codes, c).toContain(c);
  });

  it('gives a caller\'s own fallback for a call precedence over the callee\'s, for that caller only', () => {
    const mesh = weftMesh();
    const t = mesh.team('shop');
    const api = t.service('api', { port: 8080, versions: { v1: { image: 'x/a:1' } }, resilience: { fallback: { on: ['5xx'], response: { body: 'service-wide' } } } });
    const web = t.service('web', { port: 8080, versions: { v1: { image: 'x/w:1' } }, calls: [api] });
    t.service('app', { port: 8080, versions: { v1: { image: 'x/p:1' } }, calls: [api] });
    web.fallbackFor(api, { on: ['timeout', 'circuit-open'], response: { status: 200, body: 'web-only' } });
    const e = emit(mesh);
    expect(e.route('shop/web-v1', 'api.shop/(default)').fallback).toEqual({ on: ['timeout', 'circuit-open'], response: { status: 200, body: 'web-only' } });
    expect(e.route('shop/app-v1', 'api.shop/(default)').fallback).toEqual({ on: ['5xx'], response: { status: 200, body: 'service-wide' } });
  });

  it('reports a call fallback for a service the caller does not call (WEFT850)', () => {
    const mesh = weftMesh();
    const t = mesh.team('shop');
    const api = t.service('api', { port: 8080, versions: { v1: { image: 'x/a:1' } } });
    const web = t.service('web', { port: 8080, versions: { v1: { image: 'x/w:1' } } });
    web.fallbackFor(api, { on: ['timeout'], response: { body: 'x' } });
    const found = analyze(modelOf(mesh)).filter((d) => d.code === 'WEFT850');
    expect(found.map((d) => d.message)).toEqual(['service "web" declares a fallback for its calls to "api", which it does not call']);
    expect(found[0]!.location?.line).toBeGreaterThan(0);
  });

  it('writes minHealthPercent into the caller\'s outlier detection (the proxy\'s panic mode)', () => {
    const mesh = weftMesh();
    const t = mesh.team('shop');
    const api = t.service('api', { port: 8080, versions: { v1: { image: 'x/a:1' } }, resilience: { circuitBreaker: { consecutive5xx: 2, minHealthPercent: 40 } } });
    t.service('web', { port: 8080, versions: { v1: { image: 'x/w:1' } }, calls: [api] });
    const e = emit(mesh);
    expect(e.service('shop/web-v1', 'api').outlierDetection).toMatchObject({ consecutive5xxErrors: 2, minHealthPercent: 40 });
    expect(analyze(modelOf(mesh)).map((d) => d.code)).not.toContain('WEFT844');
  });

  it('leaves fallbacks, switches and the ratio breaker to the Istio target in istio environments (it maps them and names the rest, WEFT848/849)', () => {
    const codes = analyze(modelOf(scenario({ 'shed-captcha': 'on' }, 'istio'))).map((d) => d.code);
    for (const c of ['WEFT840', 'WEFT841', 'WEFT842']) expect(codes, c).not.toContain(c);
    expect(codes).toContain('WEFT843');
  });

  it('rejects a fallback with both or neither of response and to (a construct diagnostic, not a throw)', () => {
    const mesh = weftMesh();
    const t = mesh.team('shop');
    const a = t.service('a', { port: 8080, versions: { v1: { image: 'x/a:1' } } });
    t.service('b', { port: 8080, versions: { v1: { image: 'x/b:1' } }, resilience: { fallback: { on: ['5xx'], response: { body: 'x' }, to: a } } });
    const { diagnostics } = mesh.toModel();
    expect(diagnostics.map((d) => d.message).join('\n')).toContain('exactly one of `response` and `to`');
  });
});
