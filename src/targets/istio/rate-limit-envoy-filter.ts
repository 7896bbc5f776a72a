import { formatMillis } from '../../model/duration';
import type { RateLimit } from '../../model/resilience';
import type { Service } from '../../model/service';
import type { Route } from '../../model/traffic';
import { SyncWave } from '../sync-waves';
import type { Manifest } from '../target';
import { API, manifest, type IstioContext } from './common';
import { ROUTE_TAG_HEADER, routeTag, routesLimitedAt } from './route-tag';
import { isHttpPort } from './routing';

type Obj = Record<string, unknown>;

const FILTER = 'envoy.filters.http.local_ratelimit';
const TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit';
const DESCRIPTOR_KEY = 'weft-route';
/** Envoy's token_bucket max_tokens is a uint32; the "no service-wide limit" bucket uses all of it. */
const UNLIMITED = 4294967295;
/** Envoy refuses fill intervals under 50ms. */
const MIN_FILL_MS = 50;

/**
 * Local (per-instance) rate limits, following Istio's documented EnvoyFilter pattern: the
 * `envoy.filters.http.local_ratelimit` filter is inserted into the HTTP connection manager of
 * the service's SIDECAR_INBOUND listener.
 * - a service-wide limit only: the token bucket sits on the filter (all routes share it);
 * - route limits: per inbound virtual host (`inbound|http|<port>`), an HTTP_ROUTE patch with a
 *   per-route filter config whose descriptors give each Weft route its own bucket, keyed on the
 *   route tag header the caller's VirtualService route sets (route-tag.ts). The service-wide
 *   bucket, if any, stays the default bucket and is consumed by every request, so a route limit
 *   applies "in addition to the service's".
 * @see https://istio.io/latest/docs/tasks/policy-enforcement/rate-limit/#local-rate-limit
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/local_rate_limit_filter
 */
export function rateLimitEnvoyFilters(ic: IstioContext): Manifest[] {
  const out: Manifest[] = [];
  for (const s of ic.model.services) {
    const routes = routesLimitedAt(ic.model, s);
    const serviceLimit = s.resilience.rateLimit;
    if (!serviceLimit && routes.length === 0) continue;
    if (serviceLimit) checkInterval(ic, s, `service "${s.name}": rateLimit`, serviceLimit);
    for (const r of routes) checkInterval(ic, r, `route "${r.name}": rateLimit`, r.rateLimit!);
    const flags = ic.model.verification?.responseFlagsHeader;
    const patches: Obj[] = [httpFilterPatch(routes.length === 0 ? serviceLimit : undefined, flags)];
    if (routes.length) {
      const base = defaultBucket(ic, s, serviceLimit, routes);
      for (const p of s.ports.filter(isHttpPort)) patches.push(routePatch(p.port, base, serviceLimit !== undefined, routes, flags));
    }
    out.push(
      manifest(ic, API.envoyFilter, 'EnvoyFilter', `${s.name}-local-ratelimit`, s.namespace, s.name, SyncWave.tightening, {
        workloadSelector: { labels: { app: s.name } },
        configPatches: patches,
      }),
    );
  }
  return out;
}

function checkInterval(ic: IstioContext, at: { path: string; location?: Route['location'] }, what: string, l: RateLimit): void {
  if (l.perMs < MIN_FILL_MS)
    ic.report('WEFT600', at, `${what}: a refill interval of ${l.perMs}ms cannot be expressed in Istio's local rate limit (Envoy requires at least ${MIN_FILL_MS}ms)`, `use an interval of ${MIN_FILL_MS}ms or more and scale requests to match (e.g. ${l.requests * Math.ceil(MIN_FILL_MS / l.perMs)} per ${Math.ceil(MIN_FILL_MS / l.perMs) * l.perMs}ms)`);
}

function tokenBucket(l: RateLimit): Obj {
  return { max_tokens: l.burst, tokens_per_fill: l.requests, fill_interval: formatMillis(l.perMs) };
}

/**
 * A LocalRateLimit config (the filter's, or a route's, which replaces it on that route). A
 * limited gRPC call gets RESOURCE_EXHAUSTED rather than Envoy's default UNAVAILABLE, which gRPC
 * clients treat as retriable; plain HTTP requests get 429 either way. The weft proxy answers the
 * same (src/proxy/server/h2/response-writer.ts).
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/local_ratelimit/v3/local_rate_limit.proto
 * @see https://github.com/grpc/grpc/blob/master/doc/statuscodes.md (RESOURCE_EXHAUSTED: "some resource has been exhausted, perhaps a per-user quota")
 */
function localRateLimit(extra: Obj): Obj {
  return {
    '@type': 'type.googleapis.com/udpa.type.v1.TypedStruct',
    type_url: TYPE_URL,
    value: { stat_prefix: 'http_local_rate_limiter', rate_limited_as_resource_exhausted: true, ...extra },
  };
}

/**
 * Enforced for every request, with the `x-local-rate-limit` response header Istio's task uses —
 * and, in the verification overlay (`flagsHeader`), the response flag `RL` as a literal: the
 * filter sets its RL flag only after its local reply is sent (source/extensions/filters/http/
 * local_ratelimit/local_ratelimit.cc: `setResponseFlag(RateLimited)` follows `sendLocalReply`),
 * so neither `%RESPONSE_FLAGS%` nor a local reply mapper sees it (response-flags-envoy-filter.ts).
 */
function enforcement(flagsHeader?: string): Obj {
  return {
    filter_enabled: { runtime_key: 'local_rate_limit_enabled', default_value: { numerator: 100, denominator: 'HUNDRED' } },
    filter_enforced: { runtime_key: 'local_rate_limit_enforced', default_value: { numerator: 100, denominator: 'HUNDRED' } },
    response_headers_to_add: [{ append: false, header: { key: 'x-local-rate-limit', value: 'true' } }, ...(flagsHeader ? [{ append: false, header: { key: flagsHeader, value: 'RL' } }] : [])],
  };
}

/**
 * The filter goes right before the router, the last filter of every HTTP connection manager,
 * and so after Istio's authentication and authorization filters (`envoy.filters.http.jwt_authn`,
 * `istio_authn`, `envoy.filters.http.rbac`): a request that is denied never reaches the limiter
 * and takes no token. (Istio's task inserts it first in the chain, before RBAC, where denied
 * requests would drain the bucket of the allowed ones.) Matching the router rather than the RBAC
 * filter keeps the patch applied on a workload without AuthorizationPolicy, which has no RBAC
 * filter for INSERT_AFTER to find.
 * @see https://istio.io/latest/docs/reference/config/networking/envoy-filter/#EnvoyFilter-ListenerMatch-SubFilterMatch
 */
function httpFilterPatch(serviceLimit: RateLimit | undefined, flagsHeader: string | undefined): Obj {
  return {
    applyTo: 'HTTP_FILTER',
    match: {
      context: 'SIDECAR_INBOUND',
      listener: { filterChain: { filter: { name: 'envoy.filters.network.http_connection_manager', subFilter: { name: 'envoy.filters.http.router' } } } },
    },
    patch: {
      operation: 'INSERT_BEFORE',
      value: { name: FILTER, typed_config: localRateLimit(serviceLimit ? { token_bucket: tokenBucket(serviceLimit), ...enforcement(flagsHeader) } : {}) },
    },
  };
}

/**
 * The default bucket of a per-route config. Envoy requires each descriptor's fill interval to
 * be a multiple of the default bucket's: with a service-wide limit that is the service's
 * interval (reported when a route's is not a multiple); without one, an unlimited bucket
 * refilled at the greatest common divisor of the route intervals.
 */
function defaultBucket(ic: IstioContext, s: Service, serviceLimit: RateLimit | undefined, routes: Route[]): Obj {
  if (serviceLimit) {
    for (const r of routes)
      if (r.rateLimit!.perMs % serviceLimit.perMs !== 0)
        ic.report(
          'WEFT600',
          r,
          `route "${r.name}": a rate-limit interval of ${formatMillis(r.rateLimit!.perMs)} that is not a multiple of service "${s.name}"'s ${formatMillis(serviceLimit.perMs)} cannot be expressed in Envoy's local rate limit`,
          `make the route's interval a multiple of ${formatMillis(serviceLimit.perMs)}`,
        );
    return tokenBucket(serviceLimit);
  }
  const g = routes.map((r) => r.rateLimit!.perMs).reduce(gcd);
  if (g < MIN_FILL_MS)
    ic.report(
      'WEFT600',
      s,
      `service "${s.name}": route rate-limit intervals (${routes.map((r) => formatMillis(r.rateLimit!.perMs)).join(', ')}) have no common interval of at least ${MIN_FILL_MS}ms, which Envoy's local rate limit needs for its default bucket`,
      'use intervals that are multiples of a common interval of 50ms or more (e.g. whole seconds)',
    );
  return { max_tokens: UNLIMITED, tokens_per_fill: UNLIMITED, fill_interval: formatMillis(g) };
}

function routePatch(port: number, base: Obj, consumeDefault: boolean, routes: Route[], flagsHeader: string | undefined): Obj {
  return {
    applyTo: 'HTTP_ROUTE',
    match: { context: 'SIDECAR_INBOUND', routeConfiguration: { vhost: { name: `inbound|http|${port}`, route: { action: 'ANY' } } } },
    patch: {
      operation: 'MERGE',
      value: {
        route: { rate_limits: [{ actions: [{ request_headers: { header_name: ROUTE_TAG_HEADER, descriptor_key: DESCRIPTOR_KEY } }] }] },
        typed_per_filter_config: {
          [FILTER]: localRateLimit({
            token_bucket: base,
            ...enforcement(flagsHeader),
            always_consume_default_token_bucket: consumeDefault,
            descriptors: routes.map((r) => ({ entries: [{ key: DESCRIPTOR_KEY, value: routeTag(r) }], token_bucket: tokenBucket(r.rateLimit!) })),
          }),
        },
      },
    },
  };
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
