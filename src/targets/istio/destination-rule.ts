import { formatMillis } from '../../model/duration';
import type { CircuitBreaker, LoadBalancer } from '../../model/resilience';
import type { Service } from '../../model/service';
import { SyncWave } from '../sync-waves';
import type { Manifest } from '../target';
import { API, compact, hostOf, manifest, type IstioContext } from './common';
import { sharedPart } from '../emit-memo';

type Obj = Record<string, unknown>;

/**
 * One DestinationRule per service with the client-side traffic policy (load balancer,
 * connection pool, outlier detection) and the TLS mode callers use, and one per version with
 * its subset (see `subsetRule`).
 * Written in the `destinations` sync wave, before the VirtualServices that route to its
 * subsets ("make before break").
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/
 * @see https://istio.io/latest/docs/ops/best-practices/traffic-management/#avoid-503-errors-while-reconfiguring-service-routes
 */
export function destinationRules(ic: IstioContext): Manifest[] {
  return ic.model.services.flatMap((s) => [
    manifest(ic, API.networking, 'DestinationRule', s.name, s.namespace, s.name, SyncWave.destinations, {
      host: hostOf(ic.model, s),
      // Everything trafficPolicy reads, so that the overlay takes the environment's (../emit-memo.ts).
      trafficPolicy: sharedPart(ic.ctx, `istio-traffic-policy|${s.namespace}|${s.name}`, [s.resilience, clientTlsMode(ic, s)], () => trafficPolicy(ic, s)),
    }),
    ...s.versions.map((v) => subsetRule(ic, s, v.name)),
  ]);
}

/**
 * One DestinationRule per version, holding only that version's subset: removing a version is
 * then a deletion, which Argo CD performs after every wave is applied and healthy (the
 * Application's `PruneLast=true`, src/targets/argocd/sync-policy.ts), so the VirtualService
 * (wave `routes`) stops routing to the subset before the subset goes. With the subsets in the
 * service's one DestinationRule, dropping one would be an update in wave `destinations`, applied
 * before the routes change: 503s until then. Adding a version stays make-before-break: the new
 * subset's rule is created in wave `destinations`, before the routes that use it.
 * istiod merges the DestinationRules of one host in one namespace: subsets are concatenated and
 * the top-level traffic policy is the one rule that has it (the service's).
 * The name `<service>.<version>` cannot collide: both parts are DNS labels, without dots.
 * @see https://github.com/istio/istio/blob/master/pilot/pkg/model/destination_rule.go (mergeDestinationRule)
 * @see https://istio.io/latest/docs/ops/best-practices/traffic-management/#avoid-503-errors-while-reconfiguring-service-routes
 * @see https://argo-cd.readthedocs.io/en/stable/user-guide/sync-options/#prune-last
 */
function subsetRule(ic: IstioContext, s: Service, version: string): Manifest {
  return manifest(ic, API.networking, 'DestinationRule', `${s.name}.${version}`, s.namespace, s.name, SyncWave.destinations, {
    host: hostOf(ic.model, s),
    // Subset labels are ANDed with the Service's selector (`app`), so `version` is enough.
    subsets: [{ name: version, labels: { version } }],
  });
}

/** The DestinationRule TLS mode for calls to a service: Istio mTLS unless the service's mTLS is disabled. */
export function clientTlsMode(ic: IstioContext, s: Service): 'ISTIO_MUTUAL' | 'DISABLE' {
  return ic.ctx.index.mtlsOf(s) === 'disable' ? 'DISABLE' : 'ISTIO_MUTUAL';
}

function trafficPolicy(ic: IstioContext, s: Service): Obj {
  const r = s.resilience;
  return compact({
    loadBalancer: r.loadBalancer && loadBalancer(r.loadBalancer),
    connectionPool: r.circuitBreaker && connectionPool(r.circuitBreaker),
    outlierDetection: r.circuitBreaker && outlierDetection(ic, s, r.circuitBreaker),
    tls: { mode: clientTlsMode(ic, s) },
  });
}

/**
 * A cookie hash without a declared ttl hashes on a session cookie the sidecar generates. Istio
 * hands `httpCookie.ttl` to Envoy's cookie hash policy as is: absent, Envoy never generates the
 * cookie (a client without one is spread over all endpoints, request by request); present and
 * zero, Envoy generates a session cookie. So the "no ttl" case is written `ttl: 0s`.
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#LoadBalancerSettings-ConsistentHashLB-HTTPCookie
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#config-route-v3-routeaction-hashpolicy-cookie
 */
const SESSION_COOKIE_TTL_MS = 0;

/** @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#LoadBalancerSettings */
function loadBalancer(lb: LoadBalancer): Obj {
  switch (lb.policy) {
    case 'round-robin':
      return { simple: 'ROUND_ROBIN' };
    case 'least-request':
      return { simple: 'LEAST_REQUEST' };
    case 'random':
      return { simple: 'RANDOM' };
    case 'consistent-hash': {
      const h = lb.hashOn;
      const key: Obj =
        h.kind === 'header'
          ? { httpHeaderName: h.name }
          : h.kind === 'cookie'
            ? { httpCookie: compact({ name: h.name, path: h.path, ttl: formatMillis(h.ttlMs ?? SESSION_COOKIE_TTL_MS) }) }
            : h.kind === 'query'
              ? { httpQueryParameterName: h.name }
              : { useSourceIp: true };
      return { consistentHash: compact({ ...key, ringHash: lb.ringSize === undefined ? undefined : { minimumRingSize: lb.ringSize } }) };
    }
  }
}

/** @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#ConnectionPoolSettings */
function connectionPool(cb: CircuitBreaker): Obj | undefined {
  const tcp = compact({ maxConnections: cb.maxConnections });
  const http = compact({
    http1MaxPendingRequests: cb.maxPendingRequests,
    http2MaxRequests: cb.maxRequests,
    maxRequestsPerConnection: cb.maxRequestsPerConnection,
  });
  const out = compact({ tcp: Object.keys(tcp).length ? tcp : undefined, http: Object.keys(http).length ? http : undefined });
  return Object.keys(out).length ? out : undefined;
}

/**
 * Outlier detection, only when an ejection trigger is declared. Envoy ejects on 5 consecutive
 * 5xx by default; when only gateway errors are declared, `consecutive5xxErrors: 0` turns that
 * default off so that what runs is what was declared.
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#OutlierDetection
 */
function outlierDetection(ic: IstioContext, s: Service, cb: CircuitBreaker): Obj | undefined {
  if (cb.consecutive5xx === undefined && cb.consecutiveGatewayErrors === undefined) return undefined;
  if (!Number.isInteger(cb.maxEjectionPercent))
    ic.report('WEFT600', s, `service "${s.name}": circuitBreaker.maxEjectionPercent ${cb.maxEjectionPercent} is written as ${Math.floor(cb.maxEjectionPercent)}; Istio takes a whole percentage`, 'use a whole number', 'warning');
  for (const [field, ms] of [['interval', cb.intervalMs], ['baseEjection', cb.baseEjectionMs]] as const)
    if (ms === 0) ic.report('WEFT600', s, `service "${s.name}": circuitBreaker.${field} of 0 cannot be expressed in Istio (at least 1ms); Envoy's default is used`, `give ${field} at least 1ms`, 'warning');
  return compact({
    consecutive5xxErrors: cb.consecutive5xx ?? 0,
    consecutiveGatewayErrors: cb.consecutiveGatewayErrors,
    interval: cb.intervalMs ? formatMillis(cb.intervalMs) : undefined,
    baseEjectionTime: cb.baseEjectionMs ? formatMillis(cb.baseEjectionMs) : undefined,
    maxEjectionPercent: Math.floor(cb.maxEjectionPercent),
    // Envoy's healthy_panic_threshold: below this share of healthy hosts, ejection is ignored.
    minHealthPercent: cb.minHealthPercent === undefined ? undefined : Math.floor(cb.minHealthPercent),
  });
}
