import { describe, expect, it } from 'vitest';
import { Mesh } from '../../../src/index';
import { codes, emit, expectGolden, expectValid, find, ofKind } from './helpers';

/**
 * Degradation in Istio (docs/degradation.md): preset fallbacks through the HTTP connection
 * manager's local reply mappers, matched on Envoy's response flags.
 */
function shop(fallback: Record<string, unknown>) {
  const m = new Mesh('m', { environments: { prod: { mesh: 'istio' } } });
  const a = m.team('a');
  const api = a.service('api', {
    port: 8080,
    versions: { v1: { image: 'i' } },
    resilience: { rateLimit: { requests: 10 }, circuitBreaker: { consecutive5xx: 3 }, fallback: fallback as never },
  });
  a.service('web', { port: 8080, versions: { v1: { image: 'w' } }, calls: [api] });
  m.team('b').service('other', { port: 9090, versions: { v1: { image: 'o' } }, calls: [api] });
  return m;
}

const RESPONSE = { status: 200, headers: { 'content-type': 'application/json', 'x-cache': 'static' }, body: '{"verdict":"unknown","load":"100%"}' };

describe('istio fallbacks (local reply mappers)', () => {
  it('answers circuit-open, timeout and connect-failure in each caller\'s outbound sidecar, rate-limited in the callee\'s inbound', () => {
    const { manifests, diagnostics } = emit(shop({ on: ['circuit-open', 'timeout', 'connect-failure', 'rate-limited'], response: RESPONSE }));
    expect(diagnostics).toEqual([]);
    const filters = ofKind(manifests, 'EnvoyFilter').filter((f) => f.metadata.name.endsWith('-fallbacks'));
    expect(filters.map((f) => `${f.metadata.namespace}/${f.metadata.name}`).sort()).toEqual(['a/api-fallbacks', 'a/web-fallbacks', 'b/other-fallbacks']);
    expectValid(filters);
    expectGolden('fallbacks', filters);

    const web = find(manifests, 'EnvoyFilter', 'web-fallbacks', 'a').spec;
    expect(web.workloadSelector).toEqual({ labels: { app: 'web' } });
    const [patch] = web.configPatches;
    expect(patch.applyTo).toBe('NETWORK_FILTER');
    expect(patch.match).toEqual({ context: 'SIDECAR_OUTBOUND', listener: { portNumber: 8080, filterChain: { filter: { name: 'envoy.filters.network.http_connection_manager' } } } });
    const mappers = patch.patch.value.typed_config.local_reply_config.mappers;
    expect(mappers.map((m: any) => m.filter.and_filter.filters[0].response_flag_filter.flags)).toEqual([['UO', 'UH'], ['UT'], ['UF', 'UC']]);
    const authority = new RegExp(mappers[0].filter.and_filter.filters[1].header_filter.header.string_match.safe_regex.regex);
    for (const host of ['api', 'api:8080', 'api.a', 'api.a.svc', 'api.a.svc.cluster.local:8080']) expect(authority.test(host), host).toBe(true);
    for (const host of ['apix', 'api.b', 'api:9090', 'web']) expect(authority.test(host), host).toBe(false);
    expect(mappers[1]).toMatchObject({
      status_code: 200,
      body: { inline_string: RESPONSE.body },
      body_format_override: { text_format_source: { inline_string: '%LOCAL_REPLY_BODY%' }, content_type: 'application/json' },
      headers_to_add: [
        { header: { key: 'x-cache', value: 'static' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
        { header: { key: 'x-weft-fallback', value: 'timeout' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
      ],
    });

    // From another namespace the bare name is another service: only qualified names match.
    const other = find(manifests, 'EnvoyFilter', 'other-fallbacks', 'b').spec.configPatches[0];
    const qualified = new RegExp(other.patch.value.typed_config.local_reply_config.mappers[0].filter.and_filter.filters[1].header_filter.header.string_match.safe_regex.regex);
    expect(qualified.test('api')).toBe(false);
    expect(qualified.test('api.a')).toBe(true);

    const inbound = find(manifests, 'EnvoyFilter', 'api-fallbacks', 'a').spec.configPatches;
    expect(inbound).toHaveLength(1);
    expect(inbound[0].match.context).toBe('SIDECAR_INBOUND');
    expect(inbound[0].patch.value.typed_config.local_reply_config.mappers[0].filter).toEqual({ response_flag_filter: { flags: ['RL'] } });
  });

  it('names what Istio does not answer: the 5xx reason (WEFT848)', () => {
    const { diagnostics } = emit(shop({ on: ['timeout', '5xx'], response: RESPONSE }));
    expect(codes(diagnostics)).toEqual(['WEFT848']);
    expect(diagnostics[0]!.message).toContain('on "5xx"');
  });

  it('names a fallback to another service as not applied at all, and emits no mapper for it (WEFT848)', () => {
    const m = new Mesh('m', { environments: { prod: { mesh: 'istio' } } });
    const a = m.team('a');
    const backup = a.service('backup', { port: 8080, versions: { v1: { image: 'b' } } });
    const api = a.service('api', { port: 8080, versions: { v1: { image: 'i' } }, resilience: { fallback: { on: ['timeout'], to: backup } } });
    a.service('web', { port: 8080, versions: { v1: { image: 'w' } }, calls: [api, backup] });
    const { manifests, diagnostics } = emit(m);
    expect(codes(diagnostics)).toEqual(['WEFT848']);
    expect(diagnostics[0]!.message).toMatch(/not applied in Istio at all \(it sends to service "backup"/);
    expect(ofKind(manifests, 'EnvoyFilter')).toEqual([]);
  });
});

describe('istio switches (compiled into the routes)', () => {
  function switched(state: 'on' | 'off', withRoutes: boolean) {
    const m = new Mesh('m', { environments: { prod: { mesh: 'istio', switches: { 'shed-captcha': state } } } });
    const sw = m.switch('shed-captcha', { description: 'skip captcha checks', default: 'off' });
    const a = m.team('a');
    const captcha = a.service('captcha', { port: 5000, versions: { v1: { image: 'c' } } });
    if (withRoutes) captcha.route('default', { to: captcha, timeout: '1s' });
    const gw = a.service('gw', { port: 8080, versions: { v1: { image: 'g' } }, calls: [captcha] });
    gw.degrade(sw, { calls: [captcha], response: { status: 200, headers: { 'content-type': 'application/json' }, body: '{"verdict":"skip"}' } });
    a.service('other', { port: 8080, versions: { v1: { image: 'o' } }, calls: [captcha] });
    return emit(m);
  }

  it('answers the degraded caller\'s calls with a directResponse ahead of the declared routes while the switch is on', () => {
    const { manifests, diagnostics } = switched('on', true);
    expect(diagnostics).toEqual([]);
    const vs = find(manifests, 'VirtualService', 'captcha', 'a');
    expectValid([vs]);
    expectGolden('switch-routes', [vs]);
    expect(vs.spec.http[0]).toEqual({
      name: 'switch-shed-captcha-gw',
      match: [{ sourceLabels: { app: 'gw' }, sourceNamespace: 'a' }],
      directResponse: { status: 200, body: { string: '{"verdict":"skip"}' } },
      headers: { response: { set: { 'content-type': 'application/json', 'x-weft-fallback': 'switch/shed-captcha' } } },
    });
    // Other callers keep the declared route.
    expect(vs.spec.http.slice(1).map((r: { name?: string }) => r.name)).toEqual(['default']);
    expect(vs.spec.http[1].timeout).toBe('1s');
  });

  it('puts the switch route ahead of the default route of a callee without declared routes', () => {
    const { manifests } = switched('on', false);
    const vs = find(manifests, 'VirtualService', 'captcha', 'a');
    expectValid([vs]);
    expect(vs.spec.hosts).toEqual(['captcha.a.svc.cluster.local']);
    expect(vs.spec.http.map((r: { name: string }) => r.name)).toEqual(['switch-shed-captcha-gw', 'default']);
    expect(vs.spec.http[1].route).toEqual([{ destination: { host: 'captcha.a.svc.cluster.local' } }]);
  });

  it('writes nothing for a switch that is off: flipping it is a GitOps change', () => {
    const off = switched('off', false);
    const names = ofKind(off.manifests, 'VirtualService').flatMap((v) => ((v.spec as { http?: Array<{ name?: string }> }).http ?? []).map((r) => r.name));
    expect(names.filter((n) => n?.startsWith('switch-'))).toEqual([]);
    const offRouted = switched('off', true);
    expect(find(offRouted.manifests, 'VirtualService', 'captcha', 'a').spec.http.map((r: { name: string }) => r.name)).toEqual(['default']);
  });
});

describe('istio ratio breaker (failure-percentage outlier detection)', () => {
  function ratio(consecutive5xx?: number) {
    const m = new Mesh('m', { environments: { prod: { mesh: 'istio' } } });
    const a = m.team('a');
    const api = a.service('api', {
      port: 8080,
      versions: { v1: { image: 'i' } },
      resilience: { circuitBreaker: { ...(consecutive5xx ? { consecutive5xx } : {}), maxEjectionPercent: 50, ratio: { failureRatio: 40, minRequests: 8, window: '20s', openFor: '3s', halfOpenProbes: 2 } } },
    });
    a.service('web', { port: 8080, versions: { v1: { image: 'w' } }, calls: [api] });
    return emit(m);
  }

  it('merges failure-percentage ejection into the callee\'s clusters in each caller, and names what differs (WEFT849)', () => {
    const { manifests, diagnostics } = ratio();
    const ef = find(manifests, 'EnvoyFilter', 'web-ratio-breakers', 'a');
    expectValid([ef]);
    expectGolden('ratio-breakers', [ef]);
    expect(ef.spec.workloadSelector).toEqual({ labels: { app: 'web' } });
    expect(ef.spec.configPatches).toEqual([
      {
        applyTo: 'CLUSTER',
        match: { context: 'SIDECAR_OUTBOUND', cluster: { service: 'api.a.svc.cluster.local' } },
        patch: {
          operation: 'MERGE',
          value: {
            outlier_detection: {
              failure_percentage_threshold: 40,
              enforcing_failure_percentage: 100,
              failure_percentage_request_volume: 8,
              failure_percentage_minimum_hosts: 1,
              interval: '20s',
              base_ejection_time: '3s',
              max_ejection_percent: 50,
              // No consecutive-5xx limit declared: Envoy's default of 5 stays off.
              enforcing_consecutive_5xx: 0,
            },
          },
        },
      },
    ]);
    expect(codes(diagnostics)).toEqual(['WEFT849']);
    expect(diagnostics[0]!.message).toMatch(/a host \(not the service\) is ejected when at least 40% .* one 20s interval .* at least 8 requests .* no 2 half-open probe requests/);
  });

  it('keeps a declared consecutive-5xx limit enforced', () => {
    const { manifests } = ratio(5);
    const od = find(manifests, 'EnvoyFilter', 'web-ratio-breakers', 'a').spec.configPatches[0].patch.value.outlier_detection;
    expect(od.enforcing_consecutive_5xx).toBeUndefined();
    expect(find(manifests, 'DestinationRule', 'api', 'a').spec.trafficPolicy.outlierDetection.consecutive5xxErrors).toBe(5);
  });
});

describe('istio call-level fallbacks', () => {
  it('answers one caller\'s calls with its own fallback, others with the callee\'s', () => {
    const m = shop({ on: ['timeout'], response: { status: 200, body: 'service-wide' } });
    const a = m.node.findChild('a') as ReturnType<typeof m.team>;
    const web = a.node.findChild('web') as unknown as { fallbackFor: (c: unknown, p: unknown) => void };
    web.fallbackFor(a.node.findChild('api'), { on: ['circuit-open', 'rate-limited'], response: { status: 503, body: 'web-only' } });
    const { manifests, diagnostics } = emit(m);
    expectValid(ofKind(manifests, 'EnvoyFilter'));
    const mappers = (name: string, ns: string) => find(manifests, 'EnvoyFilter', name, ns).spec.configPatches[0].patch.value.typed_config.local_reply_config.mappers;
    expect(mappers('web-fallbacks', 'a').map((x: any) => [x.body.inline_string, x.status_code, x.headers_to_add.at(-1).header.value])).toEqual([['web-only', 503, 'circuit-open']]);
    expect(mappers('other-fallbacks', 'b').map((x: any) => [x.body.inline_string, x.headers_to_add.at(-1).header.value])).toEqual([['service-wide', 'timeout']]);
    // rate-limited is answered by the callee's own sidecar, which cannot tell the caller apart.
    expect(codes(diagnostics)).toEqual(['WEFT848']);
    expect(diagnostics[0]!.message).toContain('for its calls to "api" is not applied in Istio on "rate-limited"');
  });
});
