import type { At } from '../../diagnostics/location';
import { serviceKey } from '../../model/common';
import type { Gateway, MeshModel } from '../../model/mesh';
import type { ModelIndex } from '../../model/query';
import type { Fault, Retries } from '../../model/resilience';
import type { Port, Service } from '../../model/service';
import type { Destination, Route } from '../../model/traffic';
import { canonicalHost } from '../../model/hosts';
import { dnsName, hostOf } from './common';
import { expandGatewayRoute, type GatewayRouteConflict } from './gateway-routes';

/**
 * How Weft's routes become VirtualServices: one VirtualService per host and namespace, the
 * routes of that host merged in declaration order (service routes first, then gateway routes,
 * as `ModelIndex.allRoutes()` orders them). Every emitter and check that needs to know which
 * route lands where reads this plan, so that they cannot disagree.
 */

/** The reserved gateway name for "all sidecars in the mesh". */
export const MESH = 'mesh';

/** Timeout, retries and fault that apply to a route: its own, else its service's. */
export interface RoutePolicy {
  timeoutMs?: number;
  retries?: Retries;
  fault?: Fault;
}

export interface RouteEntry {
  route: Route;
  /** `mesh` or `<namespace>/<gateway>`. */
  binding: string;
  policy: RoutePolicy;
  /** The catch-all route Weft adds after a service's own routes (see `planVirtualServices`). */
  synthetic: boolean;
  /** The Istio route name when it is not `route.name`: a service route copied onto a gateway (gateway-routes.ts). */
  name?: string;
}

export interface VirtualServicePlan {
  name: string;
  namespace: string;
  /** The host as first written. */
  host: string;
  /** The host as Istio resolves it (short names expanded against `namespace`). */
  canonical: string;
  bindings: string[];
  entries: RouteEntry[];
  /** Where the first route of this host was declared. */
  at: At;
  /** `app.kubernetes.io/name` of the object. */
  component: string;
  /** Service routes that could not be copied onto this gateway's routes (gateway-routes.ts), reported as WEFT621. */
  conflicts: GatewayRouteConflict[];
}

export function gatewayBinding(g: Pick<Gateway, 'namespace' | 'name'>): string {
  return `${g.namespace}/${g.name}`;
}

/** Ports that carry HTTP (Istio protocol selection: http, http2, grpc). */
export function isHttpPort(p: Port): boolean {
  return p.protocol !== 'tcp';
}

export function hasHttpPort(s: Service): boolean {
  return s.ports.some(isHttpPort);
}

/** The service port a destination resolves to: its explicit port, else the service's first port. */
export function destinationPort(index: ModelIndex, d: Pick<Destination, 'service' | 'port'>): Port | undefined {
  const s = index.service(d.service);
  if (!s) return undefined;
  return d.port === undefined ? s.ports[0] : s.ports.find((p) => p.port === d.port);
}

/** The service whose resilience applies to a route: its owner, or (gateway routes) the one service it forwards to. */
export function policyService(index: ModelIndex, route: Route): Service | undefined {
  if (route.owner.kind === 'service') return index.service(route.owner.service);
  if (route.action.kind !== 'forward') return undefined;
  const keys = new Set(route.action.destinations.map((d) => serviceKey(d.service)));
  return keys.size === 1 ? index.service(route.action.destinations[0]!.service) : undefined;
}

export function policyOf(index: ModelIndex, route: Route): RoutePolicy {
  const s = policyService(index, route)?.resilience;
  return { timeoutMs: route.timeoutMs ?? s?.timeoutMs, retries: route.retries ?? s?.retries, fault: route.fault ?? s?.fault };
}

/** The route every service gets after its declared ones, so that unmatched requests still reach it. */
export function defaultRoute(model: MeshModel, s: Service): Route {
  return {
    path: `${s.path}/route:default`,
    location: s.location,
    name: 'default',
    owner: { kind: 'service', service: { namespace: s.namespace, name: s.name } },
    hosts: [hostOf(model, s)],
    match: [],
    action: { kind: 'forward', destinations: [{ service: { namespace: s.namespace, name: s.name }, weight: 100 }] },
  };
}

function routeNamespace(model: MeshModel, route: Route): string | undefined {
  if (route.owner.kind === 'service') return route.owner.service.namespace;
  const gatewayName = route.owner.gateway;
  return model.gateways.find((g) => g.name === gatewayName)?.namespace;
}

function bindingOf(model: MeshModel, route: Route): string {
  if (route.owner.kind === 'service') return MESH;
  const gatewayName = route.owner.gateway;
  const g = model.gateways.find((x) => x.name === gatewayName);
  return g ? gatewayBinding(g) : gatewayName;
}

/**
 * Plans the VirtualServices of one environment.
 *
 * - Service routes are bound to `mesh` and live in the service's namespace; gateway routes are
 *   bound to `<gateway namespace>/<gateway name>` and live in the gateway's namespace. A
 *   gateway route may split across services in several namespaces, so the gateway's namespace
 *   is the one place that owns it; the fully qualified `gateways` reference works from any
 *   namespace.
 *   @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#VirtualService (gateways)
 * - A gateway route that sends to a service carries that service's routes, copied in front of
 *   it (gateway-routes.ts): gateway traffic never passes the service's mesh VirtualService.
 * - Every service with an HTTP port gets a VirtualService for its own host, ending with a
 *   catch-all `default` route to the service unless a declared route already matches
 *   everything: Weft's "no route matched → the service as usual" must not become Istio's 404,
 *   and the service's timeout/retries/fault must apply to unrouted requests too.
 */
export function planVirtualServices(model: MeshModel, index: ModelIndex): VirtualServicePlan[] {
  const plans = new Map<string, VirtualServicePlan>();
  const add = (route: Route, host: string, synthetic: boolean) => {
    const namespace = routeNamespace(model, route);
    if (namespace === undefined) return; // unknown gateway: the analyzer reports the reference
    const canonical = canonicalHost(host, namespace, model);
    const key = `${namespace}|${canonical}`;
    let plan = plans.get(key);
    if (!plan) {
      plan = { name: '', namespace, host, canonical, bindings: [], entries: [], at: route, component: '', conflicts: [] };
      plans.set(key, plan);
    }
    const binding = bindingOf(model, route);
    if (!plan.bindings.includes(binding)) plan.bindings.push(binding);
    const expansion = binding === MESH ? undefined : expandGatewayRoute(index, route, (r) => policyOf(index, r));
    if (expansion) {
      for (const copy of expansion.copies) plan.entries.push({ route: copy.route, binding, policy: copy.policy, synthetic: false, name: copy.name });
      plan.conflicts.push(...expansion.conflicts);
      if (!expansion.keepFallback) return;
    }
    plan.entries.push({ route, binding, policy: policyOf(index, route), synthetic });
  };

  for (const route of index.allRoutes()) for (const host of route.hosts) add(route, host, false);

  for (const s of model.services) {
    if (!hasHttpPort(s)) continue;
    const own = hostOf(model, s);
    const plan = plans.get(`${s.namespace}|${own}`);
    const catchAll = plan?.entries.some((e) => e.binding === MESH && e.route.match.length === 0);
    if (!catchAll) add(defaultRoute(model, s), own, true);
  }

  // Services by `namespace|FQDN`, the first declared winning as a scan would: one lookup per plan.
  const owners = new Map<string, Service>();
  for (const s of model.services) {
    const key = `${s.namespace}|${hostOf(model, s)}`;
    if (!owners.has(key)) owners.set(key, s);
  }
  for (const plan of plans.values()) {
    const owner = owners.get(`${plan.namespace}|${plan.canonical}`);
    const onlyGateway = plan.bindings.length === 1 && plan.bindings[0] !== MESH;
    if (owner && !onlyGateway) {
      plan.name = owner.name;
      plan.component = owner.name;
    } else if (onlyGateway) {
      const gw = plan.bindings[0]!.split('/')[1]!;
      plan.name = `${gw}-${dnsName(plan.host)}`;
      plan.component = gw;
    } else {
      plan.name = dnsName(plan.host);
      plan.component = plan.name;
    }
  }
  return [...plans.values()];
}

/** Whether a route forwards to TCP ports (all its destinations), to HTTP ports (none), or both. */
export function routeProtocol(index: ModelIndex, route: Route): 'http' | 'tcp' | 'mixed' {
  if (route.action.kind !== 'forward') return 'http';
  const kinds = new Set(
    route.action.destinations.map((d) => {
      const p = destinationPort(index, d);
      return p && !isHttpPort(p) ? 'tcp' : 'http';
    }),
  );
  return kinds.size > 1 ? 'mixed' : kinds.has('tcp') ? 'tcp' : 'http';
}

/**
 * The parts of a route that only an HTTP route can carry. Istio's `tcp` routes match on port,
 * source labels and subnets and forward with weights; nothing else.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#TCPRoute
 */
export function httpOnlyFeatures(route: Route, policy: RoutePolicy): string[] {
  const out: string[] = [];
  for (const m of route.match) {
    if (m.path) out.push('match.path');
    if (m.methods?.length) out.push('match.methods');
    if (m.headers && Object.keys(m.headers).length) out.push('match.headers');
    if (m.query && Object.keys(m.query).length) out.push('match.query');
  }
  if (route.action.kind !== 'forward') out.push(route.action.kind === 'redirect' ? 'redirect' : 'directResponse');
  if (route.rewrite) out.push('rewrite');
  if (route.headers) out.push('headers');
  if (route.cors) out.push('cors');
  if (route.mirror) out.push('mirror');
  if (policy.timeoutMs) out.push('timeout');
  if (policy.retries && policy.retries.attempts > 0) out.push('retries');
  if (policy.fault) out.push('fault');
  if (route.rateLimit) out.push('rateLimit');
  return [...new Set(out)];
}
