/**
 * What a request entering through an ingress gateway must get, from the model: the first of the
 * gateway's routes for the request's host (declaration order) whose clauses match, or 404 when
 * none does (Istio's and the weft gateway's answer for an unrouted request). A gateway route that
 * hands over to a service — one destination, no version — is Istio's VirtualService delegation:
 * the service's own routes then decide, with the gateway as the caller, so a clause that names a
 * calling service (`from`) never applies. They see the path as the gateway forwards it (after the
 * gateway route's rewrite; headers and query as sent), and the effects compose: the gateway
 * route's rewrite, then the service route's; both routes' header operations (the service
 * route's `set` wins on the same header). A gateway route that chooses a version or splits is
 * final, as a root route with a destination is in Istio.
 *
 * This evaluates the declaration on its own; the weft target flattens the same semantics into
 * proxy routes at compile time (src/targets/weft/gateway-routes.ts), which the probes then check.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#Delegate
 */
import type { ServiceRef } from '../../model/common';
import type { Gateway, MeshModel } from '../../model/mesh';
import type { Service } from '../../model/service';
import type { HeaderOperations, Route } from '../../model/traffic';
import { expectedOutcome, outcomeOf, rewritePath, routeMatches, sameRef, splitPath } from './route-eval';
import type { Outcome, ProbeRequest } from './types';

export interface GatewayOracle {
  gateway: Gateway;
  /** The concrete host probes carry (Host, and SNI over https). */
  host: string;
  /** The gateway as the services behind it see their caller (it is no service: `from` clauses never match it). */
  caller: ServiceRef;
  /** The gateway's routes that serve `host`, in declaration order. */
  routes: Route[];
  /** The gateway route that takes `request` (undefined: none, 404), skipping `without`. */
  routeFor(request: ProbeRequest, without?: Route): Route | undefined;
  /** The service a gateway route hands over to (its routes decide), if it does. */
  delegateOf(route: Route): Service | undefined;
  /** The request as `route` forwards it: its path rewritten, headers and query as sent. */
  forwarded(route: Route, request: ProbeRequest): ProbeRequest;
  /** What the mesh must do with `request` (404 when no gateway route takes it); `without`: as if that gateway route were absent. */
  expected(request: ProbeRequest, without?: Route): Outcome;
  /** What `route` must do with `request`, its delegate's routes included (`innerWithout`: as if that service route were absent). */
  through(route: Route, request: ProbeRequest, innerWithout?: Route): Outcome;
  /** What `route` then `inner` (a route of its delegate) do with `request`, whether or not `inner` matches. */
  throughRoute(route: Route, inner: Route, request: ProbeRequest): Outcome;
}

export function gatewayOracle(model: MeshModel, gateway: Gateway, host: string): GatewayOracle {
  const caller: ServiceRef = { namespace: gateway.namespace, name: gateway.name };
  const routes = gateway.routes.filter((r) => r.hosts.some((h) => h === host || h === '*' || (h.startsWith('*') && host.endsWith(h.slice(1)))));
  const delegateOf = (route: Route): Service | undefined => {
    const a = route.action;
    if (a.kind !== 'forward' || a.destinations.length !== 1 || a.destinations[0]!.version !== undefined) return undefined;
    const dest = a.destinations[0]!.service;
    return model.services.find((s) => sameRef(s, dest));
  };
  const forwarded = (route: Route, request: ProbeRequest): ProbeRequest => {
    const uri = route.rewrite?.uri;
    if (uri === undefined) return request;
    const { query } = splitPath(request.path);
    const qs = query.toString();
    return { ...request, path: `${rewritePath(route, request, uri)}${qs ? `?${qs}` : ''}` };
  };
  const compose = (route: Route, request: ProbeRequest, inner: Outcome): Outcome => {
    const id = `${gateway.name}/${route.name}+${inner.route}`;
    if (inner.kind !== 'forward') return { ...inner, route: id };
    const own = outcomeOf(model.services[0]!, route, request);
    const out: Outcome = { ...inner, route: id };
    const rewritten = inner.rewrittenPath ?? (own.kind === 'forward' ? own.rewrittenPath : undefined);
    if (rewritten !== undefined) out.rewrittenPath = rewritten;
    const authority = inner.rewrittenAuthority ?? route.rewrite?.authority;
    if (authority !== undefined) out.rewrittenAuthority = authority;
    const rq = mergeOps(route.headers?.request, inner.requestHeaders);
    const rs = mergeOps(route.headers?.response, inner.responseHeaders);
    if (rq) out.requestHeaders = rq;
    if (rs) out.responseHeaders = rs;
    if (out.abortStatus === undefined && route.fault?.abort && route.fault.abort.percent > 0) out.abortStatus = route.fault.abort.status;
    return out;
  };
  const direct = (route: Route, request: ProbeRequest): Outcome => {
    const a = route.action;
    const id = `${gateway.name}/${route.name}`;
    if (a.kind !== 'forward') return { ...outcomeOf(model.services[0]!, route, request), route: id };
    const service = model.services.find((s) => sameRef(s, a.destinations[0]!.service));
    if (!service) return { kind: 'direct-response', route: id, status: 503 };
    return { ...outcomeOf(service, route, request), route: id };
  };
  const oracle: GatewayOracle = {
    gateway,
    host,
    caller,
    routes,
    routeFor: (request, without) => routes.find((r) => r !== without && routeMatches(r, request, caller)),
    delegateOf,
    forwarded,
    through(route, request, innerWithout) {
      const service = delegateOf(route);
      if (!service) return direct(route, request);
      return compose(route, request, expectedOutcome(service, forwarded(route, request), caller, innerWithout));
    },
    throughRoute(route, inner, request) {
      const service = delegateOf(route)!;
      return compose(route, request, outcomeOf(service, inner, forwarded(route, request)));
    },
    expected(request, without) {
      const route = oracle.routeFor(request, without);
      if (!route) return { kind: 'direct-response', route: `${gateway.name}/(no route)`, status: 404 };
      return oracle.through(route, request);
    },
  };
  return oracle;
}

/** Both routes' header operations as one (the second's `set` wins; `add` and `remove` accumulate). */
function mergeOps(a: HeaderOperations | undefined, b: HeaderOperations | undefined): HeaderOperations | undefined {
  if (!a) return b;
  if (!b) return a;
  const remove = [...new Set([...(a.remove ?? []), ...(b.remove ?? [])])];
  return {
    ...(a.set || b.set ? { set: { ...a.set, ...b.set } } : {}),
    ...(a.add || b.add ? { add: { ...a.add, ...b.add } } : {}),
    ...(remove.length ? { remove } : {}),
  };
}
