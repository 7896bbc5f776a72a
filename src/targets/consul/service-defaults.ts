import type { At } from '../../diagnostics/location';
import { serviceKey } from '../../model/common';
import type { CircuitBreaker, RateLimit } from '../../model/resilience';
import type { Service } from '../../model/service';
import type { Route } from '../../model/traffic';
import { SyncWave } from '../sync-waves';
import type { Manifest } from '../target';
import { compact, consulName, crd, goDuration, nonEmpty, protocolOf, type ConsulContext } from './common';

type Obj = Record<string, unknown>;

/**
 * ServiceDefaults per service:
 * - `protocol` of its first port, which turns on L7 routing, splitting and intentions (consul-k8s
 *   registers one port per service; more ports are reported);
 * - `mutualTLSMode` (`strict`, or `permissive`, which the Mesh entry must allow);
 * - `localRequestTimeoutMs`: the sidecar's timeout towards its own application. Envoy's default
 *   route timeout (15s) would otherwise cut a longer declared timeout on the server side;
 * - `rateLimits.instanceLevel`: the service's and its routes' rate limits, per instance (a
 *   Consul Enterprise 1.17+ feature, said with WEFT707);
 * - `upstreamConfig.overrides`: Consul configures circuit breakers on the caller's side, so the
 *   breaker declared on a service is written into the ServiceDefaults of each service that calls it.
 * @see https://developer.hashicorp.com/consul/docs/connect/config-entries/service-defaults
 */
export function serviceDefaults(cc: ConsulContext): Manifest[] {
  const overrides = upstreamOverrides(cc);
  return cc.model.services.map((s) => {
    const mtls = cc.ctx.index.mtlsOf(s);
    if (mtls === 'disable')
      cc.report('WEFT705', s, `service "${s.name}" disables mutual TLS; Consul's service mesh always uses mTLS between sidecars, so its callers' traffic stays encrypted`, 'use mtls "permissive" to accept plaintext callers too in consul environments');
    if (s.ports.length > 1)
      cc.report('WEFT700', s, `service "${s.name}" declares ${s.ports.length} ports; consul-k8s registers one port per Consul service, so only port ${s.ports[0]!.port} (${s.ports[0]!.name}) is in the Consul mesh`, 'declare one service per port for consul environments (consul-k8s multi-port pods need one Kubernetes Service and ServiceAccount per port)');
    // With ACLs, consul-k8s's Kubernetes auth method only lets a pod register as the service
    // its ServiceAccount is named after. @see https://developer.hashicorp.com/consul/docs/k8s/connect#service-accounts
    if (s.serviceAccount !== s.name)
      cc.report('WEFT709', s, `service "${s.name}" runs as ServiceAccount "${s.serviceAccount}"; with Consul ACLs enabled, consul-k8s only lets pods whose ServiceAccount is named "${s.name}" register as "${s.name}"`, `name the ServiceAccount "${s.name}" (or drop serviceAccount) if the consul environments enable ACLs`);
    const localTimeout = largestTimeout(s);
    return crd(cc.model, 'ServiceDefaults', consulName(s), s.namespace, s.name, SyncWave.destinations,
      compact({
        protocol: protocolOf(s),
        mutualTLSMode: mtls === 'permissive' || mtls === 'disable' ? 'permissive' : 'strict',
        localRequestTimeoutMs: localTimeout,
        rateLimits: rateLimits(cc, s),
        upstreamConfig: nonEmpty(overrides.get(serviceKey(s)) ?? []) && { overrides: overrides.get(serviceKey(s)) },
      }),
    );
  });
}

/** The longest request timeout callers may wait on this service (its own and its routes'). */
function largestTimeout(s: Service): number | undefined {
  const all = [s.resilience.timeoutMs, ...s.routes.map((r) => r.timeoutMs)].filter((t): t is number => t !== undefined);
  return all.length && protocolOf(s) !== 'tcp' ? Math.max(...all) : undefined;
}

/** The breaker of each called service, as an `UpstreamConfig.Overrides` entry of each caller. */
function upstreamOverrides(cc: ConsulContext): Map<string, Obj[]> {
  const byCaller = new Map<string, Obj[]>();
  const callers = new Map<string, number>();
  for (const caller of cc.model.services)
    for (const call of caller.calls) {
      if (call.target.kind !== 'service') continue;
      const target = cc.ctx.index.service(call.target.service);
      if (!target?.resilience.circuitBreaker) continue;
      callers.set(serviceKey(target), (callers.get(serviceKey(target)) ?? 0) + 1);
      const list = byCaller.get(serviceKey(caller)) ?? [];
      if (!list.some((o) => o.name === consulName(target))) list.push(upstreamOverride(cc, target, target.resilience.circuitBreaker));
      byCaller.set(serviceKey(caller), list);
    }
  for (const s of cc.model.services)
    if (s.resilience.circuitBreaker && !callers.has(serviceKey(s)))
      cc.report('WEFT701', s, `the circuit breaker of service "${s.name}" has no effect in Consul: Consul configures breakers in the callers' ServiceDefaults, and no service declares a call to "${s.name}"`, `add "${s.name}" to the calls of the services that use it`);
  for (const list of byCaller.values()) list.sort((a, b) => String(a.name).localeCompare(String(b.name)));
  return byCaller;
}

/**
 * `Limits` (max connections, pending requests, concurrent requests) and `PassiveHealthCheck`
 * (outlier detection: `MaxFailures` consecutive 5xx within `Interval` eject for
 * `BaseEjectionTime`, at most `MaxEjectionPercent` of the hosts).
 * @see https://developer.hashicorp.com/consul/docs/connect/config-entries/service-defaults#upstreamconfig-overrides-passivehealthcheck
 */
function upstreamOverride(cc: ConsulContext, target: Service, cb: CircuitBreaker): Obj {
  if (cb.consecutiveGatewayErrors !== undefined)
    cc.report('WEFT701', target, `the circuit breaker of service "${target.name}" counts consecutive gateway errors (${cb.consecutiveGatewayErrors}); Consul's passive health check counts consecutive 5xx responses only`, 'count consecutive5xx instead in consul environments');
  if (cb.maxRequestsPerConnection !== undefined)
    cc.report('WEFT701', target, `the circuit breaker of service "${target.name}" limits requests per connection (${cb.maxRequestsPerConnection}); Consul's upstream limits have no such field`, 'leave it to the istio and weft targets');
  const limits = compact({ maxConnections: cb.maxConnections, maxPendingRequests: cb.maxPendingRequests, maxConcurrentRequests: cb.maxRequests });
  return compact({
    name: consulName(target),
    limits: nonEmpty(limits),
    passiveHealthCheck:
      cb.consecutive5xx === undefined
        ? undefined
        : { interval: goDuration(cb.intervalMs), maxFailures: cb.consecutive5xx, maxEjectionPercent: Math.round(cb.maxEjectionPercent), baseEjectionTime: goDuration(cb.baseEjectionMs) },
  });
}

/**
 * Instance-level rate limits: requests per second and burst, for the whole service and per
 * route path. Consul counts whole requests per second; a rate that is not a whole number per
 * second is reported.
 * @see https://developer.hashicorp.com/consul/docs/connect/config-entries/service-defaults#ratelimits
 * @see https://developer.hashicorp.com/consul/docs/manage-traffic/rate-limit (Enterprise, v1.17.0 or later)
 */
function rateLimits(cc: ConsulContext, s: Service): Obj | undefined {
  const perSecond = (rl: RateLimit, what: string, at: At): number | undefined => {
    const rps = (rl.requests * 1000) / rl.perMs;
    if (Number.isInteger(rps)) return rps;
    cc.report('WEFT701', at, `the rate limit of ${what} (${rl.requests} per ${rl.perMs}ms) is ${rps.toFixed(3)} requests per second; Consul's rate limits count whole requests per second`, 'declare a limit that is a whole number of requests per second');
    return undefined;
  };
  const instance: Obj = {};
  const svc = s.resilience.rateLimit;
  if (svc && protocolOf(s) !== 'tcp') {
    const rps = perSecond(svc, `service "${s.name}"`, s);
    if (rps !== undefined) Object.assign(instance, { requestsPerSecond: rps, requestsMaxBurst: svc.burst });
  }
  const routes: Obj[] = [];
  for (const r of s.routes) {
    if (!r.rateLimit) continue;
    const paths = routePaths(r);
    if (!paths) {
      cc.report('WEFT701', r, `route "${r.name}" of service "${s.name}" has a rate limit, but Consul's per-route rate limits select requests by path only, and the route matches on more than a path`, 'give the rate-limited route a path-only match, or limit the whole service');
      continue;
    }
    const rps = perSecond(r.rateLimit, `route "${r.name}"`, r);
    if (rps === undefined) continue;
    for (const p of paths) routes.push({ ...p, requestsPerSecond: rps, requestsMaxBurst: r.rateLimit.burst });
  }
  if (routes.length) instance.routes = routes;
  if (Object.keys(instance).length === 0) return undefined;
  cc.report('WEFT707', s, `the rate limits of service "${s.name}" are written to its ServiceDefaults (RateLimits.InstanceLevel), which only Consul Enterprise 1.17 or later enforces`, 'run Consul Enterprise 1.17+ where these limits must hold, or enforce them in the application');
  return { instanceLevel: instance };
}

/** `PathExact` / `PathPrefix` / `PathRegex` per clause, when every clause is a path and nothing else. */
function routePaths(r: Route): Obj[] | undefined {
  if (r.match.length === 0) return [{ pathPrefix: '/' }];
  const out: Obj[] = [];
  for (const m of r.match) {
    if (!m.path || m.headers || m.query || m.methods || m.sourceService) return undefined;
    out.push('exact' in m.path ? { pathExact: m.path.exact } : 'prefix' in m.path ? { pathPrefix: m.path.prefix } : { pathRegex: m.path.regex });
  }
  return out;
}
