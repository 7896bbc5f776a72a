import type { At } from '../../diagnostics/location';
import { canonicalHost } from '../../model/hosts';
import { clauseCovers } from '../../model/match';
import type { ModelIndex } from '../../model/query';
import type { Destination, HeaderOperations, Match, Route } from '../../model/traffic';
import { hostOf } from './common';
import { intersectClauses } from './match-intersection';
import type { RoutePolicy } from './routing';

/**
 * Gateway traffic obeys the service's own routes.
 *
 * Istio applies a VirtualService where the request leaves a proxy: a mesh caller's sidecar
 * applies the service's VirtualService (bound to `mesh`), but a request from the ingress
 * gateway is routed by the gateway's VirtualService alone and goes straight to a pod; the
 * receiving sidecar routes nothing. So a gateway route that just "sends to service S" must
 * carry S's routes itself, or internet traffic skips S's canary weights, rewrites, mirrors,
 * CORS and route rate limits.
 *
 * Weft copies them into the gateway's VirtualService: for a gateway route that forwards to one
 * service without naming a version, each route of that service becomes a gateway route whose
 * match is the intersection of both matches, in the service's order, followed by the gateway
 * route itself (the service's "as usual" fallback).
 *
 * Why a copy and not the alternatives:
 * - Binding the service's VirtualService to the gateway too does not work: it is keyed on the
 *   service's host (`s.ns.svc.cluster.local`) while gateway requests carry the public host, and
 *   the gateway's own routes (which path goes to which service) would be lost.
 * - Delegation (`http[].delegate`) needs a delegate VirtualService without `hosts`, so it cannot
 *   be the service's mesh VirtualService: a second copy is needed anyway. And istiod drops a
 *   delegated route whose match is not a subset of the root's, silently, at runtime; here every
 *   combination is computed at synth time and one that Istio cannot express is a diagnostic.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#VirtualService (gateways)
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#Delegate
 */

export interface GatewayRouteCopy {
  /** The service route as it applies to this gateway's traffic (owner and name stay the service route's, so rate-limit tags match). */
  route: Route;
  policy: RoutePolicy;
  /** The Istio route name: `<gateway route>-<service route>`. */
  name: string;
}

export interface GatewayRouteConflict {
  at: At;
  message: string;
  hint: string;
}

export interface GatewayRouteExpansion {
  copies: GatewayRouteCopy[];
  /** False when a copied route matches every request the gateway route sends, so the gateway route itself is unreachable. */
  keepFallback: boolean;
  conflicts: GatewayRouteConflict[];
}

/**
 * The service routes that govern `gatewayRoute`'s traffic, or undefined when it does not send to
 * a service's routes (a split, a named version, a redirect: the gateway decided itself).
 */
export function expandGatewayRoute(index: ModelIndex, gatewayRoute: Route, policyOf: (route: Route) => RoutePolicy): GatewayRouteExpansion | undefined {
  const d = carriedDestination(gatewayRoute);
  const service = d && index.service(d.service);
  if (!d || !service || service.routes.length === 0) return undefined;

  const out: GatewayRouteExpansion = { copies: [], keepFallback: true, conflicts: [] };
  const gatewayClauses = gatewayRoute.match.length ? gatewayRoute.match : [{}];
  // Only the routes of the service's own host: a route declared for another host governs requests to that host.
  const own = hostOf(index.model, service);
  for (const route of service.routes.filter((r) => r.hosts.some((h) => canonicalHost(h, service.namespace, index.model) === own))) {
    // A clause that names its caller never matches the gateway's requests: the gateway is not that caller.
    const open = route.match.length ? route.match.filter((m) => m.sourceService === undefined) : [{}];
    if (open.length === 0) continue;
    const clauses: Match[] = [];
    for (const g of gatewayClauses)
      for (const s of open) {
        const both = intersectClauses(g, s);
        if (both.kind === 'match') clauses.push(both.clause);
        else if (both.kind === 'inexpressible')
          out.conflicts.push({
            at: route,
            message: `route "${route.name}" of service "${service.name}" cannot govern traffic from gateway route "${gatewayRoute.name}": their ${both.field} conditions do not combine into one Istio match`,
            hint: `give one of the two routes a ${both.field} condition the other can be folded into (an exact value or a prefix), or route the gateway to a version explicitly`,
          });
      }
    if (clauses.length === 0) continue;
    const rewrite = composeRewrite(gatewayRoute, route, clauses);
    if (typeof rewrite === 'string') {
      out.conflicts.push({ at: route, message: `route "${route.name}" of service "${service.name}" cannot govern traffic from gateway route "${gatewayRoute.name}": ${rewrite}`, hint: 'rewrite in one of the two routes only, or route the gateway to a version explicitly' });
      continue;
    }
    const copy = combine(gatewayRoute, route, clauses, rewrite, d.port);
    out.copies.push({ route: copy, policy: combinePolicy(policyOf(gatewayRoute), route), name: `${gatewayRoute.name}-${route.name}` });
    if (gatewayClauses.every((g) => clauses.some((c) => clauseCovers(c, g)))) {
      out.keepFallback = false;
      break;
    }
  }
  return out;
}

/** The destination of a gateway route that carries its service's routes: it forwards to one service and leaves the version to it. */
export function carriedDestination(gatewayRoute: Route): Destination | undefined {
  const a = gatewayRoute.action;
  if (gatewayRoute.owner.kind !== 'gateway' || a.kind !== 'forward' || a.destinations.length !== 1) return undefined;
  const d = a.destinations[0]!;
  return d.version === undefined ? d : undefined;
}

/** The service route's own timeout, retries and fault, else the gateway route's (which already fall back to the service's). */
function combinePolicy(gateway: RoutePolicy, route: Route): RoutePolicy {
  return { timeoutMs: route.timeoutMs ?? gateway.timeoutMs, retries: route.retries ?? gateway.retries, fault: route.fault ?? gateway.fault };
}

/**
 * The path rewrite of the copy. Istio replaces the matched prefix (or the whole path after an
 * exact or regex match) with `rewrite.uri`, so a service route's rewrite stays right when the
 * gateway narrows its prefix only if the extra part is carried over; a gateway rewrite runs
 * before the service's routes would match, which one Envoy route cannot do.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRewrite
 */
function composeRewrite(gateway: Route, route: Route, clauses: readonly Match[]): Route['rewrite'] | string {
  const g = gateway.rewrite;
  const r = route.rewrite;
  if (g?.uri !== undefined && (r?.uri !== undefined || route.match.some((m) => m.path)))
    return 'the gateway route rewrites the path before the service route would match or rewrite it, which one Istio route cannot express';
  let uri = r?.uri ?? g?.uri;
  if (r?.uri !== undefined) {
    const own = route.match.find((m) => m.path)?.path;
    const paths = new Set(clauses.map((c) => JSON.stringify(c.path ?? null)));
    if (paths.size > 1) return 'the rewrite would apply to several combined path conditions with different prefixes';
    const combined = clauses[0]!.path;
    if (own && combined && 'prefix' in own && 'prefix' in combined && combined.prefix !== own.prefix) uri = joinPath(r.uri, combined.prefix.slice(own.prefix.length));
    else if (!own && combined) return 'the service route rewrites the whole path, but on the gateway only the gateway\'s matched prefix would be replaced';
  }
  const authority = r?.authority ?? g?.authority;
  return uri === undefined && authority === undefined ? undefined : { ...(uri !== undefined ? { uri } : {}), ...(authority !== undefined ? { authority } : {}) };
}

/** `/` + `/x` is `/x`: one slash where the rewritten prefix and the rest meet (as rewrite.ts and the weft proxy do). */
function joinPath(head: string, tail: string): string {
  return head.endsWith('/') && tail.startsWith('/') ? head + tail.slice(1) : head + tail;
}

function combine(gateway: Route, route: Route, clauses: Match[], rewrite: Route['rewrite'], port: number | undefined): Route {
  const forward = route.action.kind === 'forward';
  const action =
    route.action.kind === 'forward' && port !== undefined
      ? { ...route.action, destinations: route.action.destinations.map((x) => (x.port === undefined && sameRef(x.service, gateway) ? { ...x, port } : x)) }
      : route.action;
  return {
    ...route,
    match: clauses,
    action,
    rewrite: forward ? rewrite : route.rewrite,
    headers: mergeHeaders(gateway.headers, route.headers, forward),
    cors: route.cors ?? gateway.cors,
    mirror: forward ? (route.mirror ?? gateway.mirror) : route.mirror,
    timeoutMs: forward ? (route.timeoutMs ?? gateway.timeoutMs) : route.timeoutMs,
    retries: forward ? (route.retries ?? gateway.retries) : route.retries,
    fault: forward ? (route.fault ?? gateway.fault) : route.fault,
  };
}

/** Whether a destination is the gateway route's own destination service. */
function sameRef(ref: { namespace: string; name: string }, gateway: Route): boolean {
  const a = gateway.action;
  if (a.kind !== 'forward') return false;
  const d = a.destinations[0]!.service;
  return d.namespace === ref.namespace && d.name === ref.name;
}

function mergeHeaders(gateway: Route['headers'], route: Route['headers'], forward: boolean): Route['headers'] {
  if (!gateway) return route;
  const request = forward ? mergeOps(gateway.request, route?.request) : route?.request;
  const response = mergeOps(gateway.response, route?.response);
  return request || response ? { ...(request ? { request } : {}), ...(response ? { response } : {}) } : undefined;
}

/** The gateway route's operations, then the service route's (which win on the same header). */
function mergeOps(first: HeaderOperations | undefined, second: HeaderOperations | undefined): HeaderOperations | undefined {
  if (!first) return second;
  if (!second) return first;
  const out: HeaderOperations = {};
  if (first.set || second.set) out.set = { ...first.set, ...second.set };
  if (first.add || second.add) out.add = { ...first.add, ...second.add };
  if (first.remove || second.remove) out.remove = [...new Set([...(first.remove ?? []), ...(second.remove ?? [])])];
  return out;
}
