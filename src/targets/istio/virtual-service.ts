import type { At } from '../../diagnostics/location';
import { formatMillis } from '../../model/duration';
import type { StringMatch } from '../../model/common';
import type { Fault, Retries } from '../../model/resilience';
import type { Cors, Destination, HeaderOperations, Match, Route } from '../../model/traffic';
import { SyncWave } from '../sync-waves';
import type { Manifest } from '../target';
import { API, compact, hostOf, manifest, type IstioContext } from './common';
import { withPreflightClauses } from './cors-preflight';
import { istioRewrite } from './rewrite';
import { GRPC_RETRY_ON, IDEMPOTENT_METHODS, isAcceptedRetryOn, nonIdempotentRetryOn } from './retry-on';
import { ROUTE_TAG_HEADER, routeTagHeaderOps } from './route-tag';
import { sharedPart } from '../emit-memo';
import { MESH, httpOnlyFeatures, policyService, routeProtocol, type RouteEntry, type RoutePolicy, type VirtualServicePlan } from './routing';

type Obj = Record<string, unknown>;

/**
 * One VirtualService per planned host (see routing.ts), routes in declaration order.
 * Applied in the `routes` sync wave, after the DestinationRules that define their subsets.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/
 */
export function virtualServices(ic: IstioContext, plans: readonly VirtualServicePlan[]): Manifest[] {
  return plans.map((plan) => {
    const http: Obj[] = [];
    const tcp: Obj[] = [];
    for (const entry of plan.entries) {
      const protocol = routeProtocol(ic.ctx.index, entry.route);
      if (protocol === 'tcp') {
        // Routes with HTTP-only parts on a TCP port are reported by checks/http-on-tcp.ts.
        if (httpOnlyFeatures(entry.route, entry.policy).length === 0) tcp.push(tcpRoute(ic, plan, entry));
        continue;
      }
      if (protocol === 'mixed') continue; // reported by checks/http-on-tcp.ts
      http.push(...sharedHttpRoutes(ic, plan, entry));
    }
    return manifest(ic, API.networking, 'VirtualService', plan.name, plan.namespace, plan.component, SyncWave.routes, compact({
      hosts: [plan.host],
      gateways: plan.bindings,
      http: http.length ? http : undefined,
      tcp: tcp.length ? tcp : undefined,
    }));
  });
}

function stringMatch(m: StringMatch): Obj {
  return { ...m };
}

/** Weft's "any of these methods" as one Istio StringMatch (RE2, full match). */
function methodMatch(methods: readonly string[]): Obj {
  return methods.length === 1 ? { exact: methods[0] } : { regex: methods.join('|') };
}

function matchClause(m: Match, gateways: string[] | undefined): Obj {
  return compact({
    uri: m.path && stringMatch(m.path),
    method: m.methods?.length ? methodMatch(m.methods) : undefined,
    headers: m.headers && Object.keys(m.headers).length ? mapValues(m.headers, stringMatch) : undefined,
    queryParams: m.query && Object.keys(m.query).length ? mapValues(m.query, stringMatch) : undefined,
    sourceLabels: m.sourceService ? { app: m.sourceService.name } : undefined,
    sourceNamespace: m.sourceService?.namespace,
    gateways,
  });
}

/**
 * Match clauses of one route. When a VirtualService is bound to several gateways (or a gateway
 * and the mesh), each route is limited to its own binding with `match[].gateways`.
 */
function matches(clauses: readonly Match[], plan: VirtualServicePlan, entry: RouteEntry): Obj[] | undefined {
  const gateways = plan.bindings.length > 1 ? [entry.binding] : undefined;
  const out = clauses.map((m) => matchClause(m, gateways));
  // No clause, or one that matches everything (`{}`), means the route matches every request.
  if (out.length === 0 || out.some((m) => Object.keys(m).length === 0)) return gateways ? [{ gateways }] : undefined;
  return out;
}

/**
 * A route destination. On the mesh a destination without a port keeps the port the request
 * came in on, which is what a service with several ports wants. A gateway's request arrives on
 * the gateway's port, so there a service with several ports needs one named: the declared
 * port, else the service's first (the model's default), as `istioctl analyze` requires (IST0112).
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#Destination
 * @see https://istio.io/latest/docs/reference/config/analysis/ist0112/
 */
function destination(ic: IstioContext, d: Pick<Destination, 'service' | 'version' | 'port'>, binding: string): Obj {
  const ports = ic.ctx.index.service(d.service)?.ports ?? [];
  const port = d.port ?? (binding !== MESH && ports.length > 1 ? ports[0]!.port : undefined);
  return compact({ host: hostOf(ic.model, d.service), subset: d.version, port: port === undefined ? undefined : { number: port } });
}

/**
 * Header values as literals. Envoy reads `%` in a value it adds as the start of a substitution
 * formatter (`%DOWNSTREAM_REMOTE_ADDRESS%`), and istiod's webhook rejects a value whose `%` does
 * not form one; a literal `%` is written `%%`.
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/headers#custom-request-response-headers
 */
export function literalValues(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [name, value.replaceAll('%', '%%')]));
}

function headerOps(h: HeaderOperations | undefined, extra: { set?: Record<string, string>; remove?: string[] } = {}): Obj | undefined {
  const set = h?.set || extra.set ? { ...(h?.set ?? {}), ...(extra.set ?? {}) } : undefined;
  const remove = [...(h?.remove ?? []), ...(extra.remove ?? [])];
  const out = compact({ set: set && literalValues(set), add: h?.add && literalValues(h.add), remove: remove.length ? remove : undefined });
  return Object.keys(out).length ? out : undefined;
}

function cors(ic: IstioContext, route: Route, c: Cors): Obj {
  if (c.maxAgeMs === 0)
    ic.report('WEFT600', route, `route "${route.name}": cors.maxAge of 0 cannot be expressed in Istio (its CRD requires at least 1ms); it is left out`, 'omit maxAge, or give it at least 1ms', 'warning');
  return compact({
    allowOrigins: c.allowOrigins.map(stringMatch),
    allowMethods: c.allowMethods,
    allowHeaders: c.allowHeaders,
    exposeHeaders: c.exposeHeaders,
    maxAge: c.maxAgeMs ? formatMillis(c.maxAgeMs) : undefined,
    allowCredentials: c.allowCredentials,
  });
}

function fault(ic: IstioContext, route: Route, f: Fault): Obj | undefined {
  let delay: Obj | undefined;
  if (f.delay && f.delay.fixedDelayMs === 0)
    ic.report('WEFT600', route, `route "${route.name}": a fault delay of 0 cannot be expressed in Istio (fixedDelay must be at least 1ms); it is left out`, 'remove the delay or give it at least 1ms', 'warning');
  else if (f.delay) delay = { fixedDelay: formatMillis(f.delay.fixedDelayMs), percentage: { value: f.delay.percent } };
  const abort = f.abort ? { httpStatus: f.abort.status, percentage: { value: f.abort.percent } } : undefined;
  return delay || abort ? compact({ delay, abort }) : undefined;
}

/**
 * Retries as declared. Where none are declared the field is left out, so that Istio's default
 * policy stays in force (2 retries on connect-failure, refused-stream, unavailable, cancelled and
 * 503): writing `attempts: 0` there would switch off retries the user never asked to lose.
 * `attempts: 0` is written only when declared (or when the declared classes leave nothing
 * Istio can retry on, which an empty `retryOn` would turn back into the defaults).
 * @see https://istio.io/latest/docs/concepts/traffic-management/#retries
 */
function retries(ic: IstioContext, route: Route, r: Retries | undefined, onlyPreRequest: boolean): Obj | undefined {
  if (!r) return undefined;
  // Retries inherited from the service are reported once, at the service.
  const at: At = r && r !== route.retries ? (policyService(ic.ctx.index, route) ?? route) : route;
  const where = at === route ? `route "${route.name}"` : `service "${(at as unknown as { name: string }).name}"`;
  if (r.attempts === 0) return { attempts: 0 };
  // Unknown classes are reported by checks/retry-on.ts.
  const accepted = r.on.filter(isAcceptedRetryOn);
  const classes = onlyPreRequest ? nonIdempotentRetryOn(accepted) : accepted;
  const codes = onlyPreRequest || !classes.includes('retriable-status-codes') ? [] : (r.retriableStatusCodes ?? []).map(String);
  const retryOn = [...classes, ...codes.filter((c) => !classes.includes(c))];
  // An empty retryOn would give Istio's default classes, not "never".
  if (retryOn.length === 0) return { attempts: 0 };
  if (r.backoff && r.backoff.maxMs !== r.backoff.baseMs * 10 && ic.once(`backoff|${at.path}`))
    ic.report(
      'WEFT600',
      at,
      `${where}: retries.backoff.max ${formatMillis(r.backoff.maxMs)} cannot be expressed in Istio, which only sets the base interval (Envoy caps back-off at 10 × base = ${formatMillis(r.backoff.baseMs * 10)})`,
      'set backoff.max to 10 × backoff.base, or accept Envoy\'s cap',
      'warning',
    );
  return compact({
    attempts: r.attempts,
    perTryTimeout: r.perTryTimeoutMs ? formatMillis(r.perTryTimeoutMs) : undefined,
    retryOn: retryOn.join(','),
    backoff: r.backoff && r.backoff.baseMs > 0 ? formatMillis(r.backoff.baseMs) : undefined,
  });
}

/**
 * Envoy retries any method; Weft (like its proxy) repeats a non-idempotent request that reached
 * the upstream only when `retryNonIdempotent` is declared. So a route whose retries could repeat
 * a POST is written as two Istio routes: idempotent methods with the declared retries, then
 * every other method retried only on failures that happen before the request is sent, and on
 * declared gRPC status classes (every gRPC call is a POST; see `nonIdempotentRetryOn`).
 */
function idempotencySplit(route: Route, policy: RoutePolicy): { full: Match[]; restricted: Match[] } | undefined {
  const r = policy.retries;
  if (!r || r.attempts === 0 || r.retryNonIdempotent || route.action.kind !== 'forward') return undefined;
  const accepted = r.on.filter(isAcceptedRetryOn);
  const pre = new Set(['connect-failure', 'refused-stream', 'reset-before-request']);
  // Pre-request and gRPC status classes apply to every method alike: no split needed.
  if (accepted.every((c) => pre.has(c) || GRPC_RETRY_ON.has(c))) return undefined;
  const full: Match[] = [];
  const restricted: Match[] = [];
  for (const clause of route.match.length ? route.match : [{}]) {
    if (clause.methods?.length) {
      const idem = clause.methods.filter((m) => (IDEMPOTENT_METHODS as readonly string[]).includes(m));
      const other = clause.methods.filter((m) => !(IDEMPOTENT_METHODS as readonly string[]).includes(m));
      if (idem.length) full.push({ ...clause, methods: idem });
      if (other.length) restricted.push({ ...clause, methods: other });
    } else {
      full.push({ ...clause, methods: [...IDEMPOTENT_METHODS] });
      // Idempotent requests were taken by the route before this one.
      restricted.push(clause);
    }
  }
  return { full, restricted };
}

/**
 * `httpRoutes` through the environment/overlay shared parts (../emit-memo.ts), keyed by every
 * input it reads: the route and its policy's parts (the overlay keeps them as the same
 * objects), the binding, the entry's name, whether the plan has several bindings, the cluster
 * domain, the route-tag operation, and on a gateway binding the destination services' ports.
 */
function sharedHttpRoutes(ic: IstioContext, plan: VirtualServicePlan, entry: RouteEntry): Obj[] {
  const { route, policy, binding } = entry;
  const tag = routeTagHeaderOps(ic.model, route);
  const inputs: unknown[] = [route, binding, entry.name, plan.bindings.length > 1, policy.timeoutMs, policy.retries, policy.fault, ic.model.clusterDomain, tag.set?.[ROUTE_TAG_HEADER], tag.remove?.join()];
  if (binding !== MESH) {
    // `destination` reads a service's ports only off the mesh (a gateway names the port).
    if (route.action.kind === 'forward') for (const d of route.action.destinations) inputs.push(ic.ctx.index.service(d.service)?.ports);
    if (route.mirror) inputs.push(ic.ctx.index.service(route.mirror.destination.service)?.ports);
  }
  return sharedPart(ic.ctx, `istio-http|${route.path}|${binding}|${entry.name ?? ''}`, inputs, () => httpRoutes(ic, plan, entry, tag));
}

type TagOps = ReturnType<typeof routeTagHeaderOps>;

function httpRoutes(ic: IstioContext, plan: VirtualServicePlan, given: RouteEntry, tag: TagOps): Obj[] {
  const match = withPreflightClauses(given.route);
  const entry = match === given.route.match ? given : { ...given, route: { ...given.route, match } };
  const { route, policy } = entry;
  const name = entry.name ?? route.name;
  const split = idempotencySplit(route, policy);
  if (!split) return [httpRoute(ic, plan, entry, route.match, name, false, tag)];
  const out: Obj[] = [];
  if (split.full.length) out.push(httpRoute(ic, plan, entry, split.full, name, false, tag));
  if (split.restricted.length) out.push(httpRoute(ic, plan, entry, split.restricted, split.full.length ? `${name}-non-idempotent` : name, true, tag));
  return out;
}

function httpRoute(ic: IstioContext, plan: VirtualServicePlan, entry: RouteEntry, clauses: readonly Match[], name: string, onlyPreRequest: boolean, tag: TagOps): Obj {
  const { route, policy } = entry;
  const a = route.action;
  const base: Obj = { name, match: matches(clauses, plan, entry) };
  if (a.kind === 'redirect') {
    if (a.uri === undefined && a.authority === undefined && a.scheme === undefined && a.port === undefined)
      ic.report('WEFT600', route, `route "${route.name}": a redirect that changes nothing cannot be expressed in Istio (it needs a uri, authority, scheme or port)`, 'give the redirect a uri, authority, scheme or port');
    noUpstreamFeatures(ic, route);
    return compact({
      ...base,
      redirect: compact({ uri: a.uri, authority: a.authority, scheme: a.scheme, port: a.port, redirectCode: a.status }),
      headers: route.headers ? compact({ response: headerOps(route.headers.response) }) : undefined,
      corsPolicy: route.cors && cors(ic, route, route.cors),
    });
  }
  if (a.kind === 'direct-response') {
    noUpstreamFeatures(ic, route);
    return compact({
      ...base,
      directResponse: compact({ status: a.status, body: a.body === undefined ? undefined : { string: a.body } }),
      headers: route.headers ? compact({ response: headerOps(route.headers.response) }) : undefined,
      corsPolicy: route.cors && cors(ic, route, route.cors),
    });
  }
  const single = a.destinations.length === 1 && a.destinations[0]!.weight === 100;
  const request = headerOps(route.headers?.request, tag);
  const response = headerOps(route.headers?.response);
  return compact({
    ...base,
    route: a.destinations.map((d) => compact({ destination: destination(ic, d, entry.binding), weight: single ? undefined : d.weight })),
    rewrite: istioRewrite(route, clauses),
    headers: request || response ? compact({ request, response }) : undefined,
    corsPolicy: route.cors && cors(ic, route, route.cors),
    mirror: route.mirror && destination(ic, route.mirror.destination, entry.binding),
    mirrorPercentage: route.mirror && { value: route.mirror.percent },
    timeout: policy.timeoutMs ? formatMillis(policy.timeoutMs) : undefined,
    retries: retries(ic, route, policy.retries, onlyPreRequest),
    fault: policy.fault && fault(ic, route, policy.fault),
  });
}

/** Redirects and direct responses never reach an upstream: route-level upstream features are reported, not dropped. */
function noUpstreamFeatures(ic: IstioContext, route: Route): void {
  const kind = route.action.kind === 'redirect' ? 'redirect' : 'directResponse';
  const features = [
    route.rewrite && 'rewrite',
    route.headers?.request && 'headers.request',
    route.mirror && 'mirror',
    route.timeoutMs !== undefined && 'timeout',
    route.retries && 'retries',
    route.fault && 'fault',
  ].filter((f): f is string => typeof f === 'string');
  for (const f of features)
    ic.report('WEFT600', route, `route "${route.name}": ${f} cannot be expressed on an Istio ${kind} route, which never reaches an upstream`, `remove ${f} from the route, or forward instead of answering with a ${kind}`);
}

/**
 * A forward-only route to TCP ports: an Istio `tcp` route (port, source labels, weights).
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#TCPRoute
 */
function tcpRoute(ic: IstioContext, plan: VirtualServicePlan, entry: RouteEntry): Obj {
  const a = entry.route.action;
  if (a.kind !== 'forward') throw new Error('istio target bug: tcp route without forward action');
  const gateways = plan.bindings.length > 1 ? [entry.binding] : undefined;
  const clauses = entry.route.match
    .map((m) => compact({ sourceLabels: m.sourceService ? { app: m.sourceService.name } : undefined, sourceNamespace: m.sourceService?.namespace, gateways }))
    .filter((m) => Object.keys(m).length > 0);
  const single = a.destinations.length === 1 && a.destinations[0]!.weight === 100;
  return compact({
    match: clauses.length ? clauses : gateways ? [{ gateways }] : undefined,
    route: a.destinations.map((d) => compact({ destination: destination(ic, d, entry.binding), weight: single ? undefined : d.weight })),
  });
}

function mapValues<V, R>(o: Record<string, V>, f: (v: V) => R): Record<string, R> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));
}
