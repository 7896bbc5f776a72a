import type { Rule } from '../rule';
import { preflightOf } from '../../model/cors-preflight';

/**
 * WEFT128: a route with a CORS policy whose clause matches only some methods and also requires a
 * request header of its own. The targets add an `OPTIONS` preflight clause to method-restricted
 * CORS routes (model/cors-preflight.ts), but a browser's preflight carries only CORS headers, so
 * no preflight can match this clause: the browser gets no CORS answer from this route and blocks
 * the real request. Widening the clause would hand the policy to requests the route does not serve.
 * @see https://fetch.spec.whatwg.org/#cors-preflight-fetch
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#CorsPolicy
 */
export const corsPreflight: Rule = {
  id: 'cors-preflight',
  codes: { WEFT128: { severity: 'warning', title: 'CORS preflight cannot reach the route with the CORS policy' } },
  check(ctx) {
    for (const route of ctx.index.allRoutes()) {
      if (!route.cors || route.action.kind !== 'forward') continue;
      for (const clause of route.match) {
        const preflight = preflightOf(clause);
        if (preflight.kind !== 'unreachable') continue;
        ctx.report(
          'WEFT128',
          route,
          `route "${route.name}" has a CORS policy but matches only ${clause.methods!.join('/')} requests with header ${preflight.headers.map((h) => `"${h}"`).join(', ')}; a browser's OPTIONS preflight carries no such header, so it never reaches this route's CORS policy`,
          'match the route on path (and query) only, or declare a route for OPTIONS on the path with the same CORS policy',
        );
        break;
      }
    }
  },
};
