import { serviceKey, type ServiceRef } from '../../model/common';
import type { MeshModel } from '../../model/mesh';
import { reachOf } from '../../model/reach';
import type { Route } from '../../model/traffic';

/**
 * Per-route local rate limits are enforced by the receiving sidecar (SIDECAR_INBOUND), which
 * never sees which VirtualService route the caller's sidecar picked. The caller's route sets
 * this request header (overwriting any value the application sent), and the receiver's
 * `local_ratelimit` descriptors key on it. Every other route that reaches such a receiver
 * removes the header (routeTagHeaderOps), so an application cannot spend another route's
 * tokens by sending the tag itself. Only sidecars of the mesh set it, so under strict mTLS a
 * caller cannot skip its route's limit; the service-wide bucket applies regardless.
 */
export const ROUTE_TAG_HEADER = 'x-weft-route';

/** A value unique per route: its owner and its name. */
export function routeTag(route: Route): string {
  return route.owner.kind === 'service'
    ? `${route.owner.service.namespace}.${route.owner.service.name}.${route.name}`
    : `gateway.${route.owner.gateway}.${route.name}`;
}

/** Routes with a rate limit that forward to `s`: its inbound sidecar keys a bucket on each one's tag. */
export function routesLimitedAt(model: MeshModel, s: ServiceRef): Route[] {
  const key = serviceKey(s);
  return reachOf(model)
    .routesTo(s)
    .filter((r) => r.rateLimit && r.action.kind === 'forward' && r.action.destinations.some((d) => serviceKey(d.service) === key));
}

/**
 * The tag operation of a forwarding route: `set` its own tag when it has a rate limit; `remove`
 * the header when it has none but forwards or mirrors to a service whose per-route limits key on
 * the tag (a mirrored copy carries the route's request headers too); nothing otherwise.
 */
export function routeTagHeaderOps(model: MeshModel, route: Route): { set?: Record<string, string>; remove?: string[] } {
  if (route.rateLimit) return { set: { [ROUTE_TAG_HEADER]: routeTag(route) } };
  const reached = route.action.kind === 'forward' ? route.action.destinations.map((d) => d.service) : [];
  if (route.mirror) reached.push(route.mirror.destination.service);
  return reached.some((s) => routesLimitedAt(model, s).length > 0) ? { remove: [ROUTE_TAG_HEADER] } : {};
}
