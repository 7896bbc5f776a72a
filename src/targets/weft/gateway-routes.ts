/**
 * The routes of a gateway proxy: each gateway route, with the routes of the service it forwards
 * to merged in behind it, so that a request entering through the gateway obeys the service's
 * own routes (its version split, header matches, rewrites, resilience) exactly as a request from
 * a sidecar in the mesh does. The merge is Istio's VirtualService delegation, flattened at
 * compile time as istiod flattens a delegate into its root: for a gateway route G and each route
 * R of its destination, one route that matches when both G and R match (conditions ANDed, paths
 * intersected), takes R's action, and applies G's rewrite before R's. The service's catch-all
 * (its resilience, every version) closes the list when none of its routes catches everything.
 *
 * A gateway route that already chooses a version or splits between destinations is final, as a
 * root route with a destination (not a delegate) is in Istio. Where G and R cannot be expressed
 * as one proxy route — a regex path under a rewrite, a header both match on differently, both
 * mirroring — WEFT666 says so and the gateway route forwards without the service's routes.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#Delegate
 */
import { serviceFqdn, serviceKey } from '../../model/common';
import type { Gateway } from '../../model/mesh';
import type { Service } from '../../model/service';
import type { MatchInput } from './match';
import { proxyRoutesOf, implicitRoute, type RouteInput, type RouteScope } from './routes';
import { proxiedRoutesOf } from './routes-by-destination';

type PathInput = NonNullable<MatchInput['path']>;
type HeaderOpsInput = NonNullable<NonNullable<RouteInput['headers']>['request']>;

/** Why a pair cannot be merged, or `never` when no request can match both (the pair is left out). */
type Merged = RouteInput | 'never' | { unsupported: string };

/**
 * The gateway's routes in declaration order, each followed by its destination's routes as seen
 * from the gateway (routes with a `from` naming a service do not apply: the gateway is not one).
 */
export function gatewayRoutes(scope: RouteScope, gateway: Gateway, asOwner: Service): RouteInput[] {
  const out: RouteInput[] = [];
  for (const route of gateway.routes) {
    for (const outer of proxyRoutesOf(scope, asOwner, route)) {
      const target = delegateOf(scope, route);
      if (!target) {
        out.push(outer);
        continue;
      }
      const inner = [...serviceRoutes(scope, target, outer)];
      const merged: RouteInput[] = [];
      let failure: string | undefined;
      for (const r of inner) {
        const m = mergeRoutes(outer, r);
        if (m === 'never') continue;
        if ('unsupported' in m) {
          failure = `${r.name}: ${m.unsupported}`;
          break;
        }
        merged.push(m);
      }
      if (failure !== undefined) {
        scope.report(
          'WEFT666',
          route,
          `gateway route "${route.name}" of gateway "${gateway.name}" forwards to service "${target.name}", whose route ${failure}; the gateway proxy cannot apply it behind the gateway route, so requests through the gateway reach "${target.name}" without its own routes`,
          `declare the path match or rewrite on one side only (the gateway route or the route of "${target.name}"), or route the gateway to a version of "${target.name}"`,
        );
        out.push(outer);
        continue;
      }
      out.push(...merged);
    }
  }
  return out;
}

/** The service a gateway route hands over to: its only destination, when that names no version. */
function delegateOf(scope: RouteScope, route: Gateway['routes'][number]): Service | undefined {
  const a = route.action;
  if (a.kind !== 'forward' || a.destinations.length !== 1) return undefined;
  const d = a.destinations[0]!;
  if (d.version !== undefined) return undefined;
  return scope.index.service(d.service);
}

/** The target's routes as the gateway's proxy applies them, then its catch-all unless one of them catches everything. */
function* serviceRoutes(scope: RouteScope, target: Service, outer: RouteInput): Generator<RouteInput> {
  const routes = proxiedRoutesOf(scope.model).reaching([serviceKey(target)], [serviceFqdn(target, scope.model.clusterDomain)]);
  let catchAll = false;
  for (const { owner, route } of routes) {
    for (const r of proxyRoutesOf(scope, owner, route)) {
      yield r;
      if (isEmptyMatch(r.match)) catchAll = true;
    }
    if (catchAll) return;
  }
  const name = outer.action.type === 'forward' ? outer.action.destinations[0]!.service : target.name;
  yield implicitRoute(scope, target, name, []);
}

function isEmptyMatch(m: MatchInput | undefined): boolean {
  return !m || Object.keys(m).length === 0;
}

/** G then R as one route (see the file comment); R's action, hosts of G. */
export function mergeRoutes(g: RouteInput, r: RouteInput): Merged {
  const gm = g.match ?? {};
  const rm = r.match ?? {};
  const path = mergePath(gm.path, g.rewrite?.uri, rm.path, r.rewrite?.uri);
  if (path === 'never' || 'unsupported' in path) return path;
  const match: MatchInput = {};
  if (path.match) match.path = path.match;
  const methods = gm.methods && rm.methods ? gm.methods.filter((x) => rm.methods!.includes(x)) : (gm.methods ?? rm.methods);
  if (methods) {
    if (methods.length === 0) return 'never';
    match.methods = methods;
  }
  for (const key of ['headers', 'query'] as const) {
    const a = gm[key] ?? {};
    const b = rm[key] ?? {};
    for (const k of Object.keys(b)) if (k in a && JSON.stringify(a[k]) !== JSON.stringify(b[k])) return { unsupported: `matches ${key === 'headers' ? 'header' : 'query parameter'} "${k}" differently from the gateway route` };
    if (Object.keys(a).length + Object.keys(b).length > 0) match[key] = { ...a, ...b };
  }
  const out: RouteInput = { ...structuredClone(r), name: `${g.name}+${r.name}`, hosts: [...(g.hosts ?? ['*'])], match };
  const authority = r.rewrite?.authority ?? g.rewrite?.authority;
  if (path.uri !== undefined || authority !== undefined) out.rewrite = { ...(path.uri !== undefined ? { uri: path.uri } : {}), ...(authority !== undefined ? { authority } : {}) };
  else delete out.rewrite;
  const headers = mergeHeaders(g.headers, r.headers);
  if (typeof headers === 'string') return { unsupported: headers };
  if (headers) out.headers = headers;
  for (const key of ['cors', 'fault', 'rateLimit', 'shape', 'mirror'] as const) {
    if (g[key] !== undefined && r[key] !== undefined) return { unsupported: `declares ${key === 'rateLimit' ? 'a rate limit' : key} as the gateway route does` };
    if (g[key] !== undefined) (out as Record<string, unknown>)[key] = structuredClone(g[key]);
  }
  const forwards = out.action.type === 'forward';
  // The gateway route's timeout bounds the whole exchange; its retries replace the service's.
  const timeout = [g.timeoutMs, r.timeoutMs].filter((t): t is number => t !== undefined && t > 0);
  if (forwards && timeout.length > 0) out.timeoutMs = Math.min(...timeout);
  if (forwards && g.retries) out.retries = structuredClone(g.retries);
  if (!forwards) {
    delete out.timeoutMs;
    delete out.retries;
    delete out.mirror;
  }
  if (g.fallback && !r.fallback) out.fallback = structuredClone(g.fallback);
  return out;
}

/**
 * The path condition on the original request under which the gateway route matches and the
 * service route matches the path the gateway forwards (after the gateway's rewrite), and the
 * single rewrite that gives the path the service route forwards.
 */
function mergePath(gPath: PathInput | undefined, gUri: string | undefined, rPath: PathInput | undefined, rUri: string | undefined): { match?: PathInput; uri?: string } | 'never' | { unsupported: string } {
  if (gUri === undefined) {
    if (rUri !== undefined && !(rPath && 'prefix' in rPath) && gPath && 'prefix' in gPath) return { unsupported: 'rewrites the whole path while the gateway route matches a prefix' };
    const match = intersect(gPath, rPath);
    if (match === 'never' || (typeof match === 'object' && 'unsupported' in match)) return match;
    // R's prefix rewrite replaces R's prefix; when G's prefix is the longer one, the merged route matches G's.
    if (rUri !== undefined && rPath && 'prefix' in rPath && match && 'prefix' in match) return { match, uri: rUri + match.prefix.slice(rPath.prefix.length) };
    return { ...(match ? { match } : {}), ...(rUri !== undefined ? { uri: rUri } : {}) };
  }
  // The gateway rewrites: the service route sees U + rest for a prefix P (or U for an exact path).
  if (!gPath || 'regex' in gPath) return { unsupported: 'matches a path behind a gateway route that rewrites without a prefix or exact path' };
  if (rPath && 'regex' in rPath) return { unsupported: 'matches a regex path behind a gateway route that rewrites the path' };
  if ('exact' in gPath) {
    if (rPath && !('exact' in rPath ? rPath.exact === gUri : gUri.startsWith(rPath.prefix))) return 'never';
    const uri = rUri === undefined ? gUri : rPath && 'prefix' in rPath ? rUri + gUri.slice(rPath.prefix.length) : rUri;
    return { match: gPath, uri };
  }
  const p = gPath.prefix;
  if (!rPath) {
    if (rUri !== undefined) return { unsupported: 'rewrites the whole path behind a gateway route that rewrites a prefix' };
    return { match: gPath, uri: gUri };
  }
  if ('exact' in rPath) {
    if (!rPath.exact.startsWith(gUri)) return 'never';
    return { match: { exact: p + rPath.exact.slice(gUri.length) }, uri: rUri ?? rPath.exact };
  }
  const q = rPath.prefix;
  if (q.startsWith(gUri)) return { match: { prefix: p + q.slice(gUri.length) }, uri: rUri ?? q };
  if (gUri.startsWith(q)) return { match: gPath, uri: rUri === undefined ? gUri : rUri + gUri.slice(q.length) };
  return 'never';
}

/** Both path conditions at once, as one; undefined = any path. */
function intersect(a: PathInput | undefined, b: PathInput | undefined): PathInput | undefined | 'never' | { unsupported: string } {
  if (!a) return b;
  if (!b) return a;
  if ('regex' in a || 'regex' in b) return JSON.stringify(a) === JSON.stringify(b) ? a : { unsupported: 'matches a regex path that cannot be combined with the gateway route\'s path' };
  if ('exact' in a && 'exact' in b) return a.exact === b.exact ? a : 'never';
  if ('exact' in a) return a.exact.startsWith((b as { prefix: string }).prefix) ? a : 'never';
  if ('exact' in b) return b.exact.startsWith(a.prefix) ? b : 'never';
  if (b.prefix.startsWith(a.prefix)) return b;
  if (a.prefix.startsWith(b.prefix)) return a;
  return 'never';
}

function mergeOps(a: HeaderOpsInput | undefined, b: HeaderOpsInput | undefined): HeaderOpsInput | undefined | string {
  if (!a) return b;
  if (!b) return a;
  for (const k of Object.keys(b.add ?? {})) if (a.add && k in a.add) return `adds header "${k}" as the gateway route does`;
  // One route applies remove, then set, then add: a header the gateway sets and the service removes has no single-route form.
  for (const k of b.remove ?? []) if ((a.set && k in a.set) || (a.add && k in a.add)) return `removes header "${k}" that the gateway route sets`;
  const out: HeaderOpsInput = {};
  const remove = [...new Set([...(a.remove ?? []), ...(b.remove ?? [])])];
  if (remove.length) out.remove = remove;
  if (a.set || b.set) out.set = { ...a.set, ...b.set };
  if (a.add || b.add) out.add = { ...a.add, ...b.add };
  return out;
}

function mergeHeaders(a: RouteInput['headers'], b: RouteInput['headers']): RouteInput['headers'] | string {
  const request = mergeOps(a?.request, b?.request);
  const response = mergeOps(a?.response, b?.response);
  if (typeof request === 'string') return request;
  if (typeof response === 'string') return response;
  return request || response ? { ...(request ? { request } : {}), ...(response ? { response } : {}) } : undefined;
}
