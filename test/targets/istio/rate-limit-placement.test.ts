import { describe, expect, it } from 'vitest';
import { Mesh } from '../../../src/index';
import { emit, expectValid, find, ofKind } from './helpers';

const FILTER = 'envoy.filters.http.local_ratelimit';

function limited(): Mesh {
  const m = new Mesh('m', { environments: { prod: { mesh: 'istio' } } });
  const t = m.team('a');
  const api = t.service('api', { port: 8080, versions: { v1: { image: 'i' } }, resilience: { rateLimit: { requests: 100 } } });
  api.route('search', { match: { path: { prefix: '/search' } }, to: api, rateLimit: { requests: 5, per: '2s' } });
  const shadow = t.service('shadow', { port: 8080, versions: { v1: { image: 'i' } } });
  shadow.route('copy', { to: shadow, mirror: { to: api, percent: 10 } });
  t.service('plain', { port: 8080, versions: { v1: { image: 'i' } } });
  m.gateway('public', { hosts: ['api.example.com'], port: 80 }).route('all', { to: api });
  return m;
}

describe('istio local rate limit: placement, gRPC status, unspoofable route tag', () => {
  it('sits right before the router, after jwt_authn/istio_authn/rbac, so denied requests take no token', () => {
    const { manifests, diagnostics } = emit(limited());
    expect(diagnostics).toEqual([]);
    const ef = ofKind(manifests, 'EnvoyFilter');
    expectValid(ef);
    const filterPatch = find(manifests, 'EnvoyFilter', 'api-local-ratelimit', 'a').spec.configPatches[0];
    expect(filterPatch.applyTo).toBe('HTTP_FILTER');
    expect(filterPatch.match.listener.filterChain.filter).toEqual({ name: 'envoy.filters.network.http_connection_manager', subFilter: { name: 'envoy.filters.http.router' } });
    expect(filterPatch.patch.operation).toBe('INSERT_BEFORE');
  });

  it('answers a limited gRPC call RESOURCE_EXHAUSTED, on the filter and on every per-route config', () => {
    const { manifests } = emit(limited());
    const [filterPatch, routePatch] = find(manifests, 'EnvoyFilter', 'api-local-ratelimit', 'a').spec.configPatches;
    expect(filterPatch.patch.value.typed_config.value.rate_limited_as_resource_exhausted).toBe(true);
    expect(routePatch.patch.value.typed_per_filter_config[FILTER].value.rate_limited_as_resource_exhausted).toBe(true);
    const only = new Mesh('m', { environments: { prod: { mesh: 'istio' } } });
    only.team('a').service('rpc', { ports: [{ port: 9090, protocol: 'grpc' }], versions: { v1: { image: 'i' } }, resilience: { rateLimit: { requests: 10 } } });
    const cfg = find(emit(only).manifests, 'EnvoyFilter', 'rpc-local-ratelimit').spec.configPatches[0].patch.value.typed_config.value;
    expect(cfg.rate_limited_as_resource_exhausted).toBe(true);
  });

  it('every route reaching a service with route buckets sets its own tag or removes the header', () => {
    const { manifests } = emit(limited());
    const api = find(manifests, 'VirtualService', 'api', 'a').spec.http;
    expect(api.map((r: any) => [r.name, r.headers?.request])).toEqual([
      ['search', { set: { 'x-weft-route': 'a.api.search' } }],
      ['default', { remove: ['x-weft-route'] }],
    ]);
    // A mirror copies the route's request headers: the mirroring route clears the tag too.
    const shadow = find(manifests, 'VirtualService', 'shadow', 'a').spec.http;
    expect(shadow[0].headers).toEqual({ request: { remove: ['x-weft-route'] } });
    const gateway = ofKind(manifests, 'VirtualService').filter((v) => v.metadata.namespace === 'istio-system');
    const gatewayOps = gateway.flatMap((v: any) => v.spec.http.map((r: any) => r.headers?.request));
    expect(gatewayOps.length).toBeGreaterThan(0);
    for (const op of gatewayOps) expect(op.set?.['x-weft-route'] !== undefined || op.remove?.includes('x-weft-route')).toBe(true);
    expect(gatewayOps).toContainEqual({ remove: ['x-weft-route'] });
    // A service whose buckets do not key on the tag gets no header operation.
    expect(find(manifests, 'VirtualService', 'plain', 'a').spec.http[0].headers).toBeUndefined();
  });

  it('keeps declared header removals next to the tag removal', () => {
    const m = new Mesh('m', { environments: { prod: { mesh: 'istio' } } });
    const api = m.team('a').service('api', { port: 8080, versions: { v1: { image: 'i' } } });
    api.route('search', { match: { path: { prefix: '/search' } }, to: api, rateLimit: { requests: 5, per: '2s' } });
    api.route('rest', { to: api, headers: { request: { remove: ['x-debug'] } } });
    const http = find(emit(m).manifests, 'VirtualService', 'api', 'a').spec.http;
    expect(http[1].headers).toEqual({ request: { remove: ['x-debug', 'x-weft-route'] } });
  });
});
