/**
 * What of a TCP-only service's traffic policy the weft proxy's TCP path applies, as Istio does
 * on a tcp port:
 * - routes: the first route that applies to the caller (no match clause, or one whose only
 *   condition is this caller as `sourceService`) and forwards to versions of the service itself
 *   is the caller's TCP route — one weighted version pick per connection (Istio `TCPRoute`,
 *   Envoy tcp_proxy `weighted_clusters`); with none, every pod of every version.
 * - circuit breaker: consecutive errors as outlier detection per pod (connect failures and
 *   connect timeouts are local-origin failures), `maxConnections` as the listener's connection
 *   limit (per calling proxy, as an Envoy cluster circuit breaker is), `minHealthPercent` as the
 *   panic threshold.
 * - load balancer: round robin only.
 * Everything HTTP (timeout, retries, fault, rate limit, HTTP match conditions, redirects,
 * rewrites, mirrors; the breaker's request limits and ratio breaker) has no TCP meaning and is
 * reported (WEFT670), as is a route to another service.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#TCPRoute
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#OutlierDetection
 */
import { sameService } from '../../model/common';
import type { Service } from '../../model/service';
import type { Route } from '../../model/traffic';
import type { ProxyConfigInput } from '../../proxy/config/schema';
import { outlierDetectionConfig } from './circuit-breaker';

type TcpDestinationInput = NonNullable<ProxyConfigInput['tcpListeners']>[number]['destinations'][number];
type ServiceInput = NonNullable<ProxyConfigInput['services']>[number];

/** HTTP-only parts of a route on a TCP-only service (empty: the route is a TCP route the proxy applies). */
export function httpPartsOfTcpRoute(owner: Service, route: Route): string[] {
  const out: string[] = [];
  for (const m of route.match) {
    if (m.path) out.push('path match');
    if (m.methods?.length) out.push('method match');
    if (m.headers && Object.keys(m.headers).length > 0) out.push('header match');
    if (m.query && Object.keys(m.query).length > 0) out.push('query match');
  }
  const a = route.action;
  if (a.kind !== 'forward') out.push(a.kind);
  else if (a.destinations.some((d) => !sameService(d.service, owner))) out.push('a destination other than the service itself');
  if (route.rewrite) out.push('rewrite');
  if (route.headers) out.push('headers');
  if (route.cors) out.push('cors');
  if (route.mirror) out.push('mirror');
  if (route.timeoutMs !== undefined) out.push('timeout');
  if (route.retries) out.push('retries');
  if (route.fault) out.push('fault');
  if (route.rateLimit) out.push('rate limit');
  if (route.fallback) out.push('fallback');
  return [...new Set(out)];
}

/** The weighted versions a caller's connections to `service` go to, or undefined for every pod of every version. */
export function tcpDestinationsFor(service: Service, caller: Service, proxyName: string): TcpDestinationInput[] | undefined {
  for (const route of service.routes) {
    if (httpPartsOfTcpRoute(service, route).length > 0) continue;
    const applies = route.match.length === 0 || route.match.some((m) => !m.sourceService || sameService(m.sourceService, caller));
    if (!applies || route.action.kind !== 'forward') continue;
    return route.action.destinations.map((d) => ({ service: proxyName, ...(d.version !== undefined ? { subset: d.version } : {}), weight: d.weight }));
  }
  return undefined;
}

/** Outlier detection (with its panic threshold) of a TCP upstream's proxy service entry: the service's DestinationRule holds on every port. */
export function tcpServicePolicy(service: Service): Pick<ServiceInput, 'outlierDetection'> {
  const cb = service.resilience.circuitBreaker;
  const outlier = cb && outlierDetectionConfig(cb);
  return outlier ? { outlierDetection: outlier } : {};
}

/** The connection limit of a caller's TCP listener for `service`. */
export function tcpMaxConnections(service: Service): number | undefined {
  return service.resilience.circuitBreaker?.maxConnections;
}

/** Declared settings of a TCP-only service that have no TCP meaning (WEFT670), each named. */
export function tcpSettingsNotApplied(service: Service): string[] {
  const r = service.resilience;
  const cb = r.circuitBreaker;
  return [
    ...service.routes.flatMap((route) => {
      const parts = httpPartsOfTcpRoute(service, route);
      return parts.length > 0 ? [`route "${route.name}" (${parts.join(', ')})`] : [];
    }),
    ...(r.timeoutMs !== undefined ? ['timeout'] : []),
    ...(r.retries ? ['retries'] : []),
    ...(r.fault ? ['fault injection'] : []),
    ...(r.rateLimit ? ['rate limit'] : []),
    ...(r.fallback ? ['fallback'] : []),
    ...(r.loadBalancer && r.loadBalancer.policy !== 'round-robin' ? [`load balancer "${r.loadBalancer.policy}" (TCP connections go round robin)`] : []),
    ...(cb?.maxPendingRequests !== undefined ? ['circuit breaker maxPendingRequests'] : []),
    ...(cb?.maxRequests !== undefined ? ['circuit breaker maxRequests'] : []),
    ...(cb?.maxRequestsPerConnection !== undefined ? ['circuit breaker maxRequestsPerConnection'] : []),
    ...(cb?.ratio ? ['circuit breaker ratio'] : []),
  ];
}
