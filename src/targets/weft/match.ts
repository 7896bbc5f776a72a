import type { Match } from '../../model/traffic';
import type { ProxyConfigInput } from '../../proxy/config/schema';

type RouteInput = NonNullable<ProxyConfigInput['routes']>[number];
export type MatchInput = NonNullable<RouteInput['match']>;

/**
 * One model match clause without its `sourceService` (the caller filters on it at compile time,
 * see routes.ts) as the proxy's `match`: Istio `HTTPMatchRequest` semantics on both sides —
 * conditions ANDed, `prefix` a plain string prefix, `regex` a full match. Header names are
 * lower-case already (the constructs lower-case them; the proxy compares case-insensitively).
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPMatchRequest
 */
export function matchConfig(m: Match): MatchInput {
  const out: MatchInput = {};
  if (m.path) out.path = { ...m.path };
  if (m.methods?.length) out.methods = m.methods.map((x) => x.toUpperCase());
  if (m.headers && Object.keys(m.headers).length > 0) out.headers = Object.fromEntries(Object.entries(m.headers).map(([k, v]) => [k, { ...v }]));
  if (m.query && Object.keys(m.query).length > 0) out.query = Object.fromEntries(Object.entries(m.query).map(([k, v]) => [k, { ...v }]));
  return out;
}
