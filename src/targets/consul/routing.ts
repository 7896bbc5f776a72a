import { serviceKey } from '../../model/common';
import { canonicalHost, serviceOfHost } from '../../model/hosts';
import type { Service } from '../../model/service';
import type { StringMatch } from '../../model/common';
import type { Destination, HeaderOperations, Match, Route } from '../../model/traffic';
import { compact, consulName, goDuration, nonEmpty, prefixRegex, type ConsulContext } from './common';
import { IDEMPOTENT_METHODS, needsIdempotencySplit, retryFields } from './retries';

type Obj = Record<string, unknown>;

/** One ServiceSplitter to write: the service's own (a catch-all split) or a virtual one for a matched split. */
export interface SplitterPlan {
  name: string;
  service: Service;
  route: Route;
  splits: Obj[];
}

/** What the discovery chain of one service needs: router routes, splitters, the resolver's default subset. */
export interface ChainPlan {
  service: Service;
  routes: Obj[];
  splitters: SplitterPlan[];
  defaultSubset?: string;
  /** Routes that send to the service itself without a version: Consul sends them through its splitter or default subset. */
  unversionedSelf: Route[];
  /** Consul service names of the mesh (services and external services), shared by all plans. */
  takenNames: ReadonlySet<string>;
}

/**
 * The discovery chain of every service, from its routes in declared order (Consul's ServiceRouter
 * evaluates routes in order, first match wins, like Weft):
 * - each match clause becomes one router route (a clause is an AND of conditions, the clauses of
 *   a route are ORed);
 * - one destination becomes the route's destination, a version its `ServiceSubset`;
 * - a weighted split of a catch-all route is the service's own ServiceSplitter (requests that no
 *   router route matches fall through to it); a split under a match goes to a virtual service
 *   `<service>-<route>` whose splitter splits to the real subsets, the documented Consul pattern;
 * - the last catch-all route to one version with nothing else set is the resolver's
 *   `DefaultSubset`, which also works for tcp services, where routers and splitters do not;
 * - a service with retries but no router still gets a catch-all route to carry them.
 * @see https://developer.hashicorp.com/consul/docs/connect/config-entries/service-router
 * @see https://developer.hashicorp.com/consul/docs/connect/config-entries/service-splitter
 * @see https://developer.hashicorp.com/consul/docs/connect/manage-traffic/discovery-chain
 */
export function planChains(cc: ConsulContext): Map<string, ChainPlan> {
  const plans = new Map<string, ChainPlan>();
  const takenNames = new Set([...cc.model.services.map(consulName), ...cc.model.externalServices.map((e) => e.name)]);
  for (const s of cc.model.services) plans.set(serviceKey(s), { service: s, routes: [], splitters: [], unversionedSelf: [], takenNames });
  for (const s of cc.model.services) {
    const own = plans.get(serviceKey(s))!;
    s.routes.forEach((route, i) => {
      reportForeignHosts(cc, s, route);
      planRoute(cc, own, route, i === s.routes.length - 1);
    });
    reportUnversionedSelf(cc, own);
    const hasCatchAll = own.routes.some((r) => r.match === undefined) || own.splitters.some((p) => p.name === consulName(s)) || own.defaultSubset !== undefined;
    if (s.resilience.retries && !hasCatchAll && own.service.ports[0]!.protocol !== 'tcp') {
      // Retries live on router destinations only; the default route of a service has none.
      own.routes.push(...destinationRoutes(cc, s, undefined, [{}], {}));
    }
  }
  return plans;
}

/**
 * A ServiceRouter belongs to one service: the routes of a service answer for its own name. A
 * route that also answers for another host (another service's, or an external one) is reported.
 */
function reportForeignHosts(cc: ConsulContext, owner: Service, route: Route): void {
  for (const host of route.hosts) {
    const target = serviceOfHost(canonicalHost(host, owner.namespace, cc.model), cc.model);
    if (target && serviceKey(target) === serviceKey(owner)) continue;
    cc.report('WEFT700', route, `route "${route.name}" of service "${owner.name}" answers for host "${host}", but a Consul ServiceRouter routes the requests for its own service only, so requests for "${host}" do not take this route`, target ? `declare the route on service "${target.name}"` : 'reach external hosts through their external service');
  }
}

function planRoute(cc: ConsulContext, plan: ChainPlan, route: Route, isLast: boolean): void {
  const s = plan.service;
  reportRouteLimits(cc, s, route);
  const a = route.action;
  if (a.kind !== 'forward') {
    cc.report('WEFT700', route, `route "${route.name}" of service "${s.name}" answers with a ${a.kind === 'redirect' ? 'redirect' : 'direct response'}, which Consul's ServiceRouter cannot express (it only forwards)`, `answer ${a.kind === 'redirect' ? 'the redirect' : 'it'} in the application, or keep the route for the istio and weft targets`);
    return;
  }
  const clauses = route.match.length > 0 ? route.match : [{}];
  const catchAll = route.match.length === 0;
  // The resolver's RequestTimeout covers the service timeout on the default route; retries need a router.
  const plain = !route.rewrite && !route.headers && route.timeoutMs === undefined && !route.retries && !s.resilience.retries;
  const dests = a.destinations.filter((d) => d.weight > 0);
  if (s.ports[0]!.protocol === 'tcp') {
    // The analyzer reports L7 routing on tcp services (WEFT721); the resolver can still pick a subset.
    if (catchAll && isLast && dests.length === 1 && serviceKey(dests[0]!.service) === serviceKey(s) && dests[0]!.version) plan.defaultSubset = dests[0]!.version;
    return;
  }
  if (dests.length === 1) {
    const d = dests[0]!;
    const toSelf = serviceKey(d.service) === serviceKey(s);
    if (catchAll && isLast && toSelf && plain) {
      if (d.version) plan.defaultSubset = d.version;
      return;
    }
    if (toSelf && !d.version && s.versions.length > 1) plan.unversionedSelf.push(route);
    plan.routes.push(...destinationRoutes(cc, s, route, clauses, { service: toSelf ? undefined : consulName(d.service), serviceSubset: d.version }));
    return;
  }
  if (catchAll && isLast) {
    plan.splitters.push({ name: consulName(s), service: s, route, splits: splits(dests, route.headers) });
    if (!plain) plan.routes.push(...destinationRoutes(cc, s, route, clauses, {}, true));
    return;
  }
  const virtual = `${consulName(s)}-${route.name}`;
  if (plan.takenNames.has(virtual))
    cc.report('WEFT700', route, `route "${route.name}" of service "${s.name}" splits under a match, which Consul expresses with a virtual service named "${virtual}", but a declared service has that name`, `rename route "${route.name}" or the service "${virtual}"`);
  plan.splitters.push({ name: virtual, service: s, route, splits: splits(dests, undefined) });
  plan.routes.push(...destinationRoutes(cc, s, route, clauses, { service: virtual }));
}

/** Router routes for one destination: one per clause, split by method where retries could repeat a non-idempotent request. */
function destinationRoutes(cc: ConsulContext, s: Service, route: Route | undefined, clauses: readonly Match[], target: Obj, headersOnSplits = false): Obj[] {
  const retries = route?.retries ?? s.resilience.retries;
  const at = route ?? s;
  const timeoutMs = route?.timeoutMs ?? s.resilience.timeoutMs;
  const destination = (onlyPreRequest: boolean): Obj =>
    compact({
      ...target,
      prefixRewrite: route?.rewrite?.uri,
      requestTimeout: timeoutMs === undefined ? undefined : goDuration(timeoutMs),
      // An inherited policy is reported once, on the service that declares it.
      ...retryFields(cc, route?.retries ? route : undefined, route?.retries ? at : s, s.name, retries, onlyPreRequest),
      requestHeaders: headersOnSplits ? undefined : headerModifier(route?.headers?.request),
      responseHeaders: headersOnSplits ? undefined : headerModifier(route?.headers?.response),
    });
  const out: Obj[] = [];
  for (const clause of clauses) {
    const http = httpMatch(cc, s, route, clause);
    if (http === null) continue;
    if (!needsIdempotencySplit(retries)) {
      out.push(compact({ match: http && { http }, destination: destination(false) }));
      continue;
    }
    // Envoy retries any method; Weft repeats a non-idempotent request that reached the upstream
    // only with `retryNonIdempotent`. Idempotent methods get the declared retries, the others
    // only the pre-request classes (as the Istio target does).
    const methods = clause.methods?.length ? clause.methods : undefined;
    const idem = (methods ?? [...IDEMPOTENT_METHODS]).filter((m) => (IDEMPOTENT_METHODS as readonly string[]).includes(m));
    const other = methods?.filter((m) => !(IDEMPOTENT_METHODS as readonly string[]).includes(m));
    if (idem.length) out.push({ match: { http: { ...(http ?? {}), methods: idem } }, destination: destination(false) });
    if (!methods || other!.length) out.push(compact({ match: other ? { http: { ...(http ?? {}), methods: other } } : http ? { http } : undefined, destination: destination(true) }));
  }
  return out;
}

function splits(dests: readonly Destination[], headers: Route['headers']): Obj[] {
  return dests.map((d) =>
    compact({
      weight: d.weight,
      service: consulName(d.service),
      serviceSubset: d.version,
      requestHeaders: headerModifier(headers?.request),
      responseHeaders: headerModifier(headers?.response),
    }),
  );
}

/** `ServiceRouteHTTPMatch`; undefined for a catch-all clause, null when the clause cannot be expressed. */
function httpMatch(cc: ConsulContext, s: Service, route: Route | undefined, m: Match): Obj | undefined | null {
  if (!route) return undefined;
  if (m.sourceService) {
    cc.report('WEFT700', route, `route "${route.name}" of service "${s.name}" matches requests from service "${m.sourceService.name}"; Consul's ServiceRouter cannot match on the caller, so the clause is left out`, 'route by a header the caller sets, or keep the route for the istio and weft targets');
    return null;
  }
  const http = compact({
    pathExact: m.path && 'exact' in m.path ? m.path.exact : undefined,
    pathPrefix: m.path && 'prefix' in m.path ? m.path.prefix : undefined,
    pathRegex: m.path && 'regex' in m.path ? m.path.regex : undefined,
    header: nonEmpty(Object.entries(m.headers ?? {}).map(([name, sm]) => ({ name, ...stringMatch(sm, false) }))),
    queryParam: nonEmpty(Object.entries(m.query ?? {}).map(([name, sm]) => ({ name, ...stringMatch(sm, true) }))),
    methods: nonEmpty(m.methods ?? []),
  });
  return Object.keys(http).length ? http : undefined;
}

/**
 * Header matches take exact, prefix and regex; query parameters exact and regex only, so a
 * prefix becomes the equivalent anchored regex.
 * @see https://developer.hashicorp.com/consul/docs/connect/config-entries/service-router#routes-match-http-queryparam
 */
function stringMatch(sm: StringMatch, query: boolean): Obj {
  if ('exact' in sm) return { exact: sm.exact };
  if ('regex' in sm) return { regex: sm.regex };
  return query ? { regex: prefixRegex(sm.prefix) } : { prefix: sm.prefix };
}

/** `HTTPHeaderModifiers`: `Add` appends, `Set` replaces, `Remove` deletes. */
export function headerModifier(ops: HeaderOperations | undefined): Obj | undefined {
  if (!ops) return undefined;
  return nonEmpty(compact({ add: nonEmpty(ops.add ?? {}), set: nonEmpty(ops.set ?? {}), remove: nonEmpty(ops.remove ?? []) }));
}

/** Route features a ServiceRouter has no field for: reported, never silently dropped. */
function reportRouteLimits(cc: ConsulContext, s: Service, route: Route): void {
  const feature = (what: string, hint: string) => cc.report('WEFT700', route, `route "${route.name}" of service "${s.name}" declares ${what}, which Consul cannot express`, hint);
  if (route.fault) feature('fault injection', 'inject faults with the istio or weft target; Consul has no fault injection');
  if (route.mirror) feature(`mirroring to "${route.mirror.destination.service.name}"`, 'mirror with the istio or weft target; Consul has no traffic mirroring');
  if (route.cors) feature('a CORS policy', 'answer CORS in the application or at the gateway in consul environments');
  if (route.rewrite?.authority) feature(`an authority rewrite to "${route.rewrite.authority}"`, 'let the application accept the original Host in consul environments');
  if (route.rewrite?.uri !== undefined && route.match.some((m) => !m.path || 'regex' in m.path))
    feature('a path rewrite on a clause without a path prefix or exact path', 'Consul rewrites the matched prefix (PrefixRewrite) only under PathPrefix or PathExact; match the path by prefix');
}

/**
 * Istio and the Weft proxy send a route to a service without a version to any of its pods. In
 * Consul such a destination goes through the service's own splitter or default subset, which
 * the catch-all route set: say so rather than change the route's meaning silently.
 */
function reportUnversionedSelf(cc: ConsulContext, plan: ChainPlan): void {
  const s = plan.service;
  const split = plan.splitters.find((p) => p.name === consulName(s));
  const via = split ? `the weights of route "${split.route.name}" (its ServiceSplitter)` : plan.defaultSubset ? `version "${plan.defaultSubset}" only (the resolver's DefaultSubset)` : undefined;
  if (!via) return;
  for (const route of plan.unversionedSelf)
    cc.report('WEFT700', route, `route "${route.name}" of service "${s.name}" sends to "${s.name}" without a version; in Consul that traffic takes ${via}, not every version`, `name the version(s) route "${route.name}" should reach`);
}
