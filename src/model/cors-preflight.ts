import type { Match } from './traffic';

/**
 * The CORS preflight of a route's clause. Envoy's CORS filter (and the weft proxy's) answers a
 * preflight with the policy of the route the preflight matched; a browser's preflight is an
 * `OPTIONS` request with `Origin` and `Access-Control-Request-Method` and none of the
 * application's own headers. So a clause that matches only some methods never sees it, and the
 * preflight falls through to a route without the policy. Its preflight clause has the same path
 * and query, method `OPTIONS`, and both CORS request headers present.
 * @see https://fetch.spec.whatwg.org/#cors-preflight-fetch
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/cors_filter
 */
const PREFLIGHT_HEADERS = ['origin', 'access-control-request-method'] as const;
const CORS_REQUEST_HEADERS = new Set<string>([...PREFLIGHT_HEADERS, 'access-control-request-headers']);

export type Preflight =
  /** The clause already admits the preflight (no method condition, or OPTIONS among its methods). */
  | { kind: 'reaches' }
  | { kind: 'clause'; clause: Match }
  /** The clause requires request headers no preflight carries: no preflight can match it. */
  | { kind: 'unreachable'; headers: string[] };

export function preflightOf(clause: Match): Preflight {
  if (!clause.methods?.length || clause.methods.includes('OPTIONS')) return { kind: 'reaches' };
  const other = Object.keys(clause.headers ?? {}).filter((h) => !CORS_REQUEST_HEADERS.has(h));
  if (other.length) return { kind: 'unreachable', headers: other };
  const headers = { ...clause.headers };
  for (const h of PREFLIGHT_HEADERS) headers[h] ??= { regex: '.+' };
  return { kind: 'clause', clause: { ...clause, methods: ['OPTIONS'], headers } };
}
