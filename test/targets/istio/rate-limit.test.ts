import { describe, expect, it } from 'vitest';
import { Mesh } from '../../../src/index';
import { emit, expectGolden, expectValid, find, ofKind } from './helpers';

describe('istio local rate limit', () => {
  it('inserts envoy.filters.http.local_ratelimit on SIDECAR_INBOUND with the service token bucket', () => {
    const m = new Mesh('m', { environments: { prod: { mesh: 'istio' } } });
    m.team('a').service('api', { port: 8080, versions: { v1: { image: 'i' } }, resilience: { rateLimit: { requests: 100, per: '1s', burst: 200 } } });
    const { manifests, diagnostics } = emit(m);
    expect(diagnostics).toEqual([]);
    const ef = ofKind(manifests, 'EnvoyFilter');
    expectValid(ef);
    expectGolden('rate-limit-service', ef);
    const patch = find(manifests, 'EnvoyFilter', 'api-local-ratelimit', 'a').spec.configPatches[0];
    expect(patch.match.context).toBe('SIDECAR_INBOUND');
    expect(patch.patch.value.name).toBe('envoy.filters.http.local_ratelimit');
    expect(patch.patch.value.typed_config.value.token_bucket).toEqual({ max_tokens: 200, tokens_per_fill: 100, fill_interval: '1s' });
  });

  it('gives each route its own bucket, keyed on the route tag its VirtualService route sets', () => {
    const m = new Mesh('m', { environments: { prod: { mesh: 'istio' } } });
    const s = m.team('a').service('api', { port: 8080, versions: { v1: { image: 'i' } }, resilience: { rateLimit: { requests: 100 } } });
    s.route('search', { match: { path: { prefix: '/search' } }, to: s, rateLimit: { requests: 5, per: '2s' } });
    const { manifests, diagnostics } = emit(m);
    expect(diagnostics).toEqual([]);
    const ef = ofKind(manifests, 'EnvoyFilter');
    expectValid(ef);
    expectGolden('rate-limit-route', ef);
    const route = find(manifests, 'EnvoyFilter', 'api-local-ratelimit').spec.configPatches[1];
    expect(route.applyTo).toBe('HTTP_ROUTE');
    expect(route.match.routeConfiguration.vhost.name).toBe('inbound|http|8080');
    const cfg = route.patch.value.typed_per_filter_config['envoy.filters.http.local_ratelimit'].value;
    expect(cfg.token_bucket).toEqual({ max_tokens: 100, tokens_per_fill: 100, fill_interval: '1s' });
    expect(cfg.descriptors).toEqual([{ entries: [{ key: 'weft-route', value: 'a.api.search' }], token_bucket: { max_tokens: 5, tokens_per_fill: 5, fill_interval: '2s' } }]);
    const vs = find(manifests, 'VirtualService', 'api');
    expect(vs.spec.http[0].headers).toEqual({ request: { set: { 'x-weft-route': 'a.api.search' } } });
  });

  it('uses an unlimited default bucket at the common interval when only routes are limited', () => {
    const m = new Mesh('m', { environments: { prod: { mesh: 'istio' } } });
    const s = m.team('a').service('api', { port: 8080, versions: { v1: { image: 'i' } } });
    s.route('a', { match: { path: { prefix: '/a' } }, to: s, rateLimit: { requests: 5, per: '2s' } });
    s.route('b', { match: { path: { prefix: '/b' } }, to: s, rateLimit: { requests: 5, per: '3s' } });
    const cfg = find(emit(m).manifests, 'EnvoyFilter', 'api-local-ratelimit').spec.configPatches[1].patch.value.typed_per_filter_config['envoy.filters.http.local_ratelimit'].value;
    expect(cfg.token_bucket).toEqual({ max_tokens: 4294967295, tokens_per_fill: 4294967295, fill_interval: '1s' });
    expect(cfg.always_consume_default_token_bucket).toBe(false);
  });

  it('reports intervals Envoy cannot take', () => {
    const m = new Mesh('m', { environments: { prod: { mesh: 'istio' } } });
    const s = m.team('a').service('api', { port: 8080, versions: { v1: { image: 'i' } }, resilience: { rateLimit: { requests: 10, per: '2s' } } });
    s.route('fast', { to: s, rateLimit: { requests: 1, per: '20ms' } });
    const { diagnostics } = emit(m);
    expect(diagnostics.map((d) => d.code)).toEqual(['WEFT600', 'WEFT600']);
    expect(diagnostics[0]!.message).toContain('at least 50ms');
    expect(diagnostics[1]!.message).toContain('not a multiple');
  });
});
