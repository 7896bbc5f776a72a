import type { Route } from '../../model/traffic';

/**
 * Per-route local rate limits are enforced by the receiving sidecar (SIDECAR_INBOUND), which
 * never sees which VirtualService route the caller's sidecar picked. The caller's route sets
 * this request header (overwriting any value the application sent), and the receiver's
 * `local_ratelimit` descriptors key on it. Only sidecars of the mesh set it, so under strict
 * mTLS a caller cannot skip its route's limit; the service-wide bucket applies regardless.
 */
export const ROUTE_TAG_HEADER = 'x-weft-route';

/** A value unique per route: its owner and its name. */
export function routeTag(route: Route): string {
  return route.owner.kind === 'service'
    ? `${route.owner.service.namespace}.${route.owner.service.name}.${route.name}`
    : `gateway.${route.owner.gateway}.${route.name}`;
}
