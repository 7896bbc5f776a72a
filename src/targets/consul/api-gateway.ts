import type { Gateway } from '../../model/mesh';
import type { StringMatch } from '../../model/common';
import type { Match, Route } from '../../model/traffic';
import { commonLabels } from '../naming';
import { SyncWave, syncWave } from '../sync-waves';
import type { Manifest } from '../target';
import { compact, nonEmpty, prefixRegex, type ConsulContext } from './common';

type Obj = Record<string, unknown>;

export const GATEWAY_API = 'gateway.networking.k8s.io/v1';
export const REFERENCE_GRANT_API = 'gateway.networking.k8s.io/v1beta1';
/** The GatewayClass consul-k8s installs for its API gateway. */
export const CONSUL_GATEWAY_CLASS = 'consul';

/**
 * Ingress through Consul's API gateway, which consul-k8s configures from Kubernetes Gateway API
 * resources: a `Gateway` of class `consul` with one listener per host, and an `HTTPRoute` with the
 * gateway's routes. Current Consul recommends the API gateway; ingress gateways are deprecated
 * since Consul 1.16 / consul-k8s 1.2 (docs/consul.md says more). Backends in another namespace
 * need a `ReferenceGrant` there.
 * @see https://developer.hashicorp.com/consul/docs/north-south/k8s
 * @see https://developer.hashicorp.com/consul/docs/connect/gateways/api-gateway/configuration/routes
 * @see https://gateway-api.sigs.k8s.io/reference/spec/
 */
export function apiGateways(cc: ConsulContext): Manifest[] {
  const out: Manifest[] = [];
  for (const g of cc.model.gateways) {
    reportGatewayLimits(cc, g);
    out.push(meta(cc, GATEWAY_API, 'Gateway', g.name, g.namespace, g.name, SyncWave.destinations, { gatewayClassName: CONSUL_GATEWAY_CLASS, listeners: listeners(g) }));
    const rules = g.routes.flatMap((r) => rule(cc, g, r));
    const hostnames = [...new Set(g.routes.flatMap((r) => r.hosts))].sort();
    for (const [name, part] of httpRouteParts(g.name, rules))
      out.push(meta(cc, GATEWAY_API, 'HTTPRoute', name, g.namespace, g.name, SyncWave.routes, { parentRefs: [{ name: g.name }], hostnames, rules: part }));
    const foreign = new Set<string>();
    for (const r of g.routes) if (r.action.kind === 'forward') for (const d of r.action.destinations) if (d.service.namespace !== g.namespace) foreign.add(d.service.namespace);
    for (const ns of [...foreign].sort())
      out.push(
        meta(cc, REFERENCE_GRANT_API, 'ReferenceGrant', `${g.name}-from-${g.namespace}`, ns, g.name, SyncWave.destinations, {
          from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: g.namespace }],
          to: [{ group: '', kind: 'Service' }],
        }),
      );
  }
  return out;
}

/**
 * An HTTPRoute holds at most 16 rules (Gateway API v1 `spec.rules` maxItems), so a gateway with
 * more is written as several HTTPRoutes on the same parent: `<gateway>`, `<gateway>-02`, … The
 * split changes no match: the Gateway API ranks matches by specificity across all routes of a
 * listener, and only exact ties fall back to the older route, then to the route name — the
 * zero-padded suffix keeps that name order equal to the declaration order.
 * @see https://gateway-api.sigs.k8s.io/reference/spec/#httproutespec
 * @see https://gateway-api.sigs.k8s.io/reference/spec/#httprouterule (matching precedence)
 */
export const HTTP_ROUTE_MAX_RULES = 16;

function httpRouteParts(gateway: string, rules: Obj[]): [string, Obj[]][] {
  const count = Math.ceil(rules.length / HTTP_ROUTE_MAX_RULES);
  const width = Math.max(2, String(count).length);
  const parts: [string, Obj[]][] = [];
  for (let i = 0; i < count; i++) parts.push([i === 0 ? gateway : `${gateway}-${String(i + 1).padStart(width, '0')}`, rules.slice(i * HTTP_ROUTE_MAX_RULES, (i + 1) * HTTP_ROUTE_MAX_RULES)]);
  return parts;
}

function meta(cc: ConsulContext, apiVersion: string, kind: string, name: string, namespace: string, component: string, wave: number, spec: Obj): Manifest {
  return { apiVersion, kind, metadata: { name, namespace, labels: commonLabels(cc.model, component), annotations: syncWave(wave) }, spec };
}

/** One listener per host (a listener has one hostname); TLS terminates with the declared secret. */
function listeners(g: Gateway): Obj[] {
  return g.hosts.map((host) =>
    compact({
      name: listenerName(host),
      hostname: host,
      port: g.port,
      protocol: g.tls ? 'HTTPS' : 'HTTP',
      tls: g.tls ? { mode: 'Terminate', certificateRefs: [{ name: g.tls.secretName }] } : undefined,
      allowedRoutes: { namespaces: { from: 'Same' } },
    }),
  );
}

function listenerName(host: string): string {
  return host.toLowerCase().replace(/\*/g, 'wildcard').replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63);
}

function reportGatewayLimits(cc: ConsulContext, g: Gateway): void {
  if (g.tls?.mode === 'mutual')
    cc.report('WEFT704', g, `gateway "${g.name}" asks for client certificates (mutual TLS), which the Consul API gateway's listeners cannot verify`, 'terminate mutual TLS in front of the gateway, or use tls mode "simple" in consul environments');
  if (g.tls?.httpsRedirect)
    cc.report('WEFT704', g, `gateway "${g.name}" redirects HTTP to HTTPS, which the Consul API gateway's HTTPRoute filters cannot express`, 'redirect at the load balancer in front of the gateway');
  // Gateway API orders matches by precedence (exact path, longest prefix, method, headers,
  // query), not by declaration; Weft's first match wins. Say when the two disagree.
  // Only an earlier prefix can take a later, longer path: an earlier exact path matches itself alone.
  const prefixes = g.routes.map((r) => r.match.map((m) => (m.path && 'prefix' in m.path ? m.path.prefix : undefined)));
  const paths = g.routes.map((r) => r.match.map((m) => (m.path && 'prefix' in m.path ? m.path.prefix : m.path && 'exact' in m.path ? m.path.exact : undefined)));
  g.routes.forEach((later, j) => {
    for (let i = 0; i < j; i++)
      for (const a of prefixes[i]!)
        for (const b of paths[j]!)
          if (a !== undefined && b !== undefined && b.length > a.length && b.startsWith(a))
            cc.report('WEFT704', later, `route "${later.name}" of gateway "${g.name}" is more specific than the earlier route "${g.routes[i]!.name}"; the Gateway API picks the longest path first, so in consul environments it takes requests that the earlier route takes elsewhere`, `declare route "${later.name}" before "${g.routes[i]!.name}"`);
  });
}

/** HTTPRoute rules for one gateway route: matches, header and path filters, weighted backends. */
function rule(cc: ConsulContext, g: Gateway, r: Route): Obj[] {
  const limit = (what: string, hint: string) => cc.report('WEFT704', r, `route "${r.name}" of gateway "${g.name}" declares ${what}, which the Consul API gateway cannot express`, hint);
  if (r.action.kind !== 'forward') {
    limit(r.action.kind === 'redirect' ? 'a redirect' : 'a direct response', 'answer it in a service behind the gateway');
    return [];
  }
  if (r.fault) limit('fault injection', 'inject faults with the istio or weft target');
  if (r.mirror) limit('mirroring', 'mirror with the istio or weft target');
  if (r.cors) limit('a CORS policy', 'answer CORS in the application');
  if (r.retries || r.timeoutMs !== undefined) limit('retries or a timeout', 'set them on the destination service, whose ServiceRouter applies them inside the mesh');
  if (r.rateLimit) limit('a rate limit', 'limit the destination service instead');
  for (const d of r.action.destinations)
    if (d.version) limit(`a destination version ("${d.service.name}" ${d.version})`, `the API gateway routes to Services; route "${d.service.name}"'s versions with a route on the service (its ServiceSplitter or ServiceRouter applies behind the gateway)`);
  const matches = r.match.flatMap((m) => httpMatches(cc, g, r, m));
  const filters: Obj[] = [];
  const req = r.headers?.request;
  const res = r.headers?.response;
  if (req) filters.push({ type: 'RequestHeaderModifier', requestHeaderModifier: headerFilter(req) });
  if (res) filters.push({ type: 'ResponseHeaderModifier', responseHeaderModifier: headerFilter(res) });
  if (r.rewrite)
    filters.push({
      type: 'URLRewrite',
      urlRewrite: compact({ hostname: r.rewrite.authority, path: r.rewrite.uri === undefined ? undefined : { type: 'ReplacePrefixMatch', replacePrefixMatch: r.rewrite.uri } }),
    });
  return [
    compact({
      matches: nonEmpty(matches),
      filters: nonEmpty(filters),
      backendRefs: r.action.destinations.map((d) => {
        const svc = cc.ctx.index.service(d.service);
        return compact({ name: d.service.name, namespace: d.service.namespace === g.namespace ? undefined : d.service.namespace, port: d.port ?? svc?.ports[0]?.port, weight: r.action.kind === 'forward' && r.action.destinations.length > 1 ? d.weight : undefined });
      }),
    }),
  ];
}

/** One HTTPRouteMatch per method (a match has one method); prefixes of headers and query become regexes. */
function httpMatches(cc: ConsulContext, g: Gateway, r: Route, m: Match): Obj[] {
  if (m.sourceService) {
    cc.report('WEFT704', r, `route "${r.name}" of gateway "${g.name}" matches on the calling service, which a gateway cannot know`, 'remove the source condition from gateway routes');
    return [];
  }
  const value = (sm: StringMatch) => ('exact' in sm ? { type: 'Exact', value: sm.exact } : 'regex' in sm ? { type: 'RegularExpression', value: sm.regex } : { type: 'RegularExpression', value: prefixRegex(sm.prefix) });
  const base = compact({
    path: m.path && ('exact' in m.path ? { type: 'Exact', value: m.path.exact } : 'prefix' in m.path ? { type: 'PathPrefix', value: m.path.prefix } : { type: 'RegularExpression', value: m.path.regex }),
    headers: nonEmpty(Object.entries(m.headers ?? {}).map(([name, sm]) => ({ name, ...value(sm) }))),
    queryParams: nonEmpty(Object.entries(m.query ?? {}).map(([name, sm]) => ({ name, ...value(sm) }))),
  });
  return m.methods?.length ? m.methods.map((method) => ({ ...base, method })) : [base];
}

function headerFilter(ops: { set?: Record<string, string>; add?: Record<string, string>; remove?: string[] }): Obj {
  const pairs = (rec: Record<string, string> | undefined) => nonEmpty(Object.entries(rec ?? {}).map(([name, value]) => ({ name, value })));
  return compact({ set: pairs(ops.set), add: pairs(ops.add), remove: nonEmpty(ops.remove ?? []) });
}
