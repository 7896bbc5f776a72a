import { preflightOf } from '../../model/cors-preflight';
import type { Match, Route } from '../../model/traffic';

/**
 * CORS preflights reach the route that carries the CORS policy: after each clause that matches
 * only some methods, its preflight clause (model/cors-preflight.ts). A clause that also requires
 * other request headers cannot be reached by a preflight at all; the analyzer reports it
 * (WEFT128) rather than widening it, which would hand the policy to requests the route does not serve.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#CorsPolicy
 */
export function withPreflightClauses(route: Route): Match[] {
  if (!route.cors || route.action.kind !== 'forward') return route.match;
  const out: Match[] = [];
  for (const clause of route.match) {
    out.push(clause);
    const preflight = preflightOf(clause);
    if (preflight.kind === 'clause') out.push(preflight.clause);
  }
  return out;
}
