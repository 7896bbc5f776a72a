import type { At } from '../../diagnostics/location';
import { sameService, type ServiceRef } from '../../model/common';
import type { MeshModel } from '../../model/mesh';
import type { ModelIndex } from '../../model/query';
import type { Service } from '../../model/service';
import type { Destination, Match, Route } from '../../model/traffic';
import type { ProxyConfigInput } from '../../proxy/config/schema';
import { furtherPortHosts, routeHosts } from './hosts';
import { canonicalHost, serviceOfHost } from '../../model/hosts';
import { matchConfig } from './match';
import { preflightOf } from '../../model/cors-preflight';
import { isFurtherHttpPort, proxiedPort } from './ports';
import type { Report } from '../../diagnostics/reporter';
import { faultConfig, retriesConfig, tokenBucket } from './resilience';
import type { ServiceTable } from './services';
import { addDegradation, shapingInput } from './degradation';

export type RouteInput = NonNullable<ProxyConfigInput['routes']>[number];
type ActionInput = RouteInput['action'];

/** What compiling a route for one caller needs. */
export interface RouteScope {
  readonly model: MeshModel;
  readonly index: ModelIndex;
  /** The workload's service: the proxy runs in its pods and applies these routes to its calls. */
  readonly caller: Service;
  readonly table: ServiceTable;
  readonly report: Report;
}

/**
 * Route names must be unique within a config and say where they come from (access logs show
 * `route_name`): `<service>.<namespace>/<route>`, and `#<n>` (1-based clause index) when the
 * route has several match clauses, since the proxy's `match` is one clause (see below).
 */
export function routeName(owner: ServiceRef, route: string, clause?: number, servicePort?: number): string {
  return `${owner.name}.${owner.namespace}${servicePort === undefined ? '' : `:${servicePort}`}/${route}${clause === undefined ? '' : `#${clause}`}`;
}

/** Name of the catch-all Weft appends for a called service (see implicitRoute); `:<port>` for a further HTTP port. */
export function implicitRouteName(owner: ServiceRef, servicePort?: number): string {
  return `${owner.name}.${owner.namespace}${servicePort === undefined ? '' : `:${servicePort}`}/(default)`;
}

/**
 * A route's hosts for requests to a further HTTP port `servicePort` (not the first): the
 * port-qualified forms of the route's hosts that name a service with that port. Istio applies a
 * VirtualService without a `port` match on every port of its host; the proxy has one outbound
 * listener, so the copy for each further port carries that port's authorities.
 */
function furtherPortRouteHosts(scope: RouteScope, route: Route, owner: Service, servicePort: number): string[] {
  const out: string[] = [];
  for (const h of route.hosts) {
    const target = serviceOfHost(canonicalHost(h, owner.namespace, scope.model), scope.model);
    if (!target || !isFurtherHttpPort(target, { port: servicePort })) continue;
    for (const f of furtherPortHosts(scope.model, target, servicePort, scope.caller.namespace)) if (!out.includes(f)) out.push(f);
  }
  return out;
}

/**
 * One model route of `owner` as the caller's outbound proxy applies it — routing is client-side,
 * as in Istio, where the caller's sidecar applies the destination's VirtualService.
 *
 * - Match clauses are ORed in the model but the proxy's `match` is a single clause: each clause
 *   becomes its own proxy route, in order, with the same action. First match wins either way.
 * - `sourceService` is resolved here: each config belongs to one workload, so a clause that names
 *   another source is left out and one that names this caller keeps its other conditions —
 *   exactly Istio's `sourceLabels`. A route none of whose clauses apply to the caller is absent.
 * - Resilience: the route's `timeout`, `retries` and `fault` override the owner service's
 *   `resilience`, which is otherwise the default of every route to it. Timeouts, retries and
 *   mirrors need a forwarding route (the proxy rejects them elsewhere); faults apply to any route,
 *   as Envoy's fault filter runs before the router.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRoute
 */
export function proxyRoutesOf(scope: RouteScope, owner: Service, route: Route, servicePort?: number): RouteInput[] {
  const clauses: Match[] = route.match.length === 0 ? [{}] : route.match;
  const applicable = clauses.map((m, i) => ({ m, i })).filter(({ m }) => !m.sourceService || sameService(m.sourceService, scope.caller));
  if (applicable.length === 0) return [];
  const hosts = servicePort === undefined ? routeHosts(scope.model, route.hosts, owner.namespace, scope.caller.namespace, (s) => proxiedPort(s)?.port) : furtherPortRouteHosts(scope, route, owner, servicePort);
  if (hosts.length === 0) return [];

  const action = actionOf(scope, owner, route, servicePort);
  if (!action) return [];

  const base: Omit<RouteInput, 'name' | 'match'> = { hosts, action };
  if (route.rewrite && (route.rewrite.uri !== undefined || route.rewrite.authority !== undefined)) base.rewrite = { ...route.rewrite };
  if (route.headers && (route.headers.request || route.headers.response)) base.headers = structuredClone(route.headers);
  if (route.cors) base.cors = structuredClone(route.cors);

  const r = owner.resilience;
  const forwards = action.type === 'forward';
  if (!forwards) {
    const declared = [route.timeoutMs !== undefined && 'timeout', route.retries && 'retries', route.mirror && 'mirror'].filter(Boolean);
    if (declared.length > 0) {
      scope.report(
        'WEFT650',
        route,
        `route "${route.name}" of service "${owner.name}" declares ${declared.join(', ')}, which only apply to requests the proxy forwards; this route answers with a ${route.action.kind}`,
        'remove them from the route, or forward the requests instead',
      );
    }
  } else {
    const timeoutMs = route.timeoutMs ?? r.timeoutMs;
    if (timeoutMs) base.timeoutMs = timeoutMs;
    const retries = route.retries ?? r.retries;
    if (retries) {
      const at: At = route.retries ? route : owner;
      const what = route.retries ? `route "${route.name}" of service "${owner.name}"` : `service "${owner.name}"`;
      const config = retriesConfig(retries, at, what, scope.report);
      if (config) base.retries = config;
    }
    if (route.mirror) {
      const mirror = mirrorOf(scope, owner, route, servicePort);
      if (mirror) base.mirror = mirror;
    }
  }
  const fault = route.fault ?? r.fault;
  const faultInput = fault && faultConfig(fault);
  if (faultInput) base.fault = faultInput;
  addDegradation(scope, owner, base as RouteInput, route.fallback ?? r.fallback, route.fallback ? route : owner);
  if (route.rateLimit) {
    if (route.rateLimit.mode === 'shape') base.shape = shapingInput(route.rateLimit);
    else base.rateLimit = tokenBucket(route.rateLimit);
    scope.report(
      'WEFT648',
      route,
      `the rate limit of route "${route.name}" is a token bucket in each calling workload's outbound proxy: every caller instance gets ${route.rateLimit.requests} requests per ${route.rateLimit.perMs} ms (burst ${route.rateLimit.burst}), not every receiving instance${clauses.length > 1 ? `; and each of the route's ${clauses.length} match clauses is a proxy route with its own bucket` : ''}`,
      `for a limit the receiving service enforces for all callers together, set resilience.rateLimit on service "${owner.name}"`,
    );
  }

  const several = clauses.length > 1;
  // A CORS route that matches only some methods also takes its browser preflights (model/cors-preflight.ts), as in the istio target.
  const preflights = route.cors && forwards ? applicable.flatMap(({ m, i }) => {
    const p = preflightOf(m);
    return p.kind === 'clause' ? [{ m: p.clause, i, preflight: true }] : [];
  }) : [];
  return [...applicable.map((x) => ({ ...x, preflight: false })), ...preflights].sort((a, b) => a.i - b.i).map(({ m, i, preflight }) => ({
    name: `${routeName(owner, route.name, several ? i + 1 : undefined, servicePort)}${preflight ? '-preflight' : ''}`,
    match: matchConfig(m),
    ...structuredClone(base),
  }));
}

/**
 * The catch-all Weft appends for a called service whose routes (as this caller sees them) leave
 * some requests unmatched, as the istio target does: those requests reach every endpoint of the
 * service, as they would without a mesh, with the service's timeout, retries and fault.
 */
export function implicitRoute(scope: RouteScope, service: Service, proxyName: string, hosts: string[], servicePort?: number): RouteInput {
  const route: RouteInput = {
    name: implicitRouteName(service, servicePort),
    hosts,
    match: {},
    action: { type: 'forward', destinations: [{ service: proxyName, weight: 100 }] },
  };
  const r = service.resilience;
  if (r.timeoutMs) route.timeoutMs = r.timeoutMs;
  const retries = r.retries && retriesConfig(r.retries, service, `service "${service.name}"`, scope.report);
  if (retries) route.retries = retries;
  const fault = r.fault && faultConfig(r.fault);
  if (fault) route.fault = fault;
  addDegradation(scope, service, route, r.fallback, service);
  return route;
}

function actionOf(scope: RouteScope, owner: Service, route: Route, servicePort?: number): ActionInput | undefined {
  const a = route.action;
  switch (a.kind) {
    case 'forward': {
      const destinations: Array<{ service: string; subset?: string; weight: number }> = [];
      for (const d of a.destinations) {
        const name = destinationName(scope, owner, route, d, 'forwards to', servicePort);
        if (name === undefined) return undefined;
        destinations.push({ service: name, ...(d.version !== undefined ? { subset: d.version } : {}), weight: d.weight });
      }
      return { type: 'forward', destinations };
    }
    case 'redirect':
      // Istio `HTTPRedirect.uri` replaces the whole path: the proxy's `path`.
      return {
        type: 'redirect',
        status: a.status,
        ...(a.uri !== undefined ? { path: a.uri } : {}),
        ...(a.authority !== undefined ? { authority: a.authority } : {}),
        ...(a.scheme !== undefined ? { scheme: a.scheme } : {}),
        ...(a.port !== undefined ? { port: a.port } : {}),
      };
    case 'direct-response':
      return { type: 'directResponse', status: a.status, ...(a.body !== undefined ? { body: a.body } : {}) };
  }
}

function mirrorOf(scope: RouteScope, owner: Service, route: Route, servicePort?: number): RouteInput['mirror'] | undefined {
  const m = route.mirror!;
  const name = destinationName(scope, owner, route, m.destination, 'mirrors to', servicePort);
  if (name === undefined) return undefined;
  return { service: name, ...(m.destination.version !== undefined ? { subset: m.destination.version } : {}), percent: m.percent };
}

/**
 * The proxy service name of a destination, or undefined when the route cannot be compiled for it.
 * An unknown service or version is the analyzer's error (WEFT10x) and is not reported again.
 * A destination without a port takes the port the request came in on when the destination has
 * it (`servicePort`, the route's copy for a further port), else its first HTTP port — as Istio
 * picks the listener port for a destination without one.
 */
function destinationName(scope: RouteScope, owner: Service, route: Route, d: Omit<Destination, 'weight'>, verb: string, servicePort?: number): string | undefined {
  const target = scope.index.service(d.service);
  if (!target) return undefined;
  if (d.version !== undefined && !target.versions.some((v) => v.name === d.version)) return undefined;
  const what = `route "${route.name}" of service "${owner.name}" ${verb} "${target.name}"`;
  const port = proxiedPort(target);
  if (!port) {
    scope.report(
      'WEFT649',
      route,
      `${what}, which has no HTTP port the weft proxy carries (${target.ports.map((p) => `${p.port}/${p.protocol}`).join(', ')}); the route is left out of the weft config`,
      `give "${target.name}" an http port, or use the istio target for ${target.ports[0]?.protocol ?? 'its'} routing`,
    );
    return undefined;
  }
  if (d.port !== undefined && d.port !== port.port && !isFurtherHttpPort(target, { port: d.port })) {
    scope.report(
      'WEFT649',
      route,
      `${what} on port ${d.port}, which is not an HTTP or gRPC port of "${target.name}" (${target.ports.map((p) => `${p.port}/${p.protocol}`).join(', ')}); the route is left out of the weft config`,
      `route to one of its HTTP ports, or drop the port from the destination`,
    );
    return undefined;
  }
  const viaPort = d.port ?? (servicePort !== undefined && isFurtherHttpPort(target, { port: servicePort }) ? servicePort : undefined);
  return scope.table.add(target, 'none', route, viaPort);
}
