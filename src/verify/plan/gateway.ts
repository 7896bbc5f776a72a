/**
 * Probes for gateway routes: for every route of every gateway, the positive request and one near
 * miss per condition, sent straight to the ingress gateway with the route's host (as Host, and as
 * SNI over https), each expected to get what ./gateway-oracle.ts says — the gateway's first
 * matching route with the routes of the service it hands over to, or 404 where none matches. A
 * forward is judged at the echo behind it (service, version, path, headers), like in-mesh routes.
 *
 * Where probes go:
 * - `local` (`weft verify --local`): the local mesh runs every gateway (src/local/mesh.ts), so
 *   each is probed on its own scheme — https with the local CA for a TLS gateway, plain http
 *   otherwise — and a declared `httpsRedirect` is probed on the plain server (301 to https).
 * - `http`/`https` (cluster mode, `--target URL`): one URL, one scheme per run; gateways of the
 *   other scheme are listed as not verified.
 *
 * Services that no service calls are reachable only through a gateway route that hands over to
 * them: their routes are probed through that gateway, as its caller (planThroughGateway). A
 * route whose every clause names a calling service (`from`) that declares no call to it can
 * never be reached by anyone, and is listed as not verified with exactly that reason.
 * @see https://istio.io/latest/docs/reference/config/networking/gateway/
 * @see https://istio.io/latest/docs/reference/config/networking/gateway/#ServerTLSSettings
 */
import type { MeshModel } from '../../model/mesh';
import type { Service } from '../../model/service';
import type { Match, Route } from '../../model/traffic';
import { declarationOf } from './declaration';
import { gatewayOracle, type GatewayOracle } from './gateway-oracle';
import { clauseRequests } from './requests';
import { matchingRoute, routeMatches, sameRef, splitPath } from './route-eval';
import type { Outcome, PlannedCheck, ProbeRequest, RoutingProbe, Via } from './types';
import type { CheckKind } from '../report';

type Skip = (kind: CheckKind, node: Parameters<typeof declarationOf>[0], reason: string) => void;
type Distinguish = (expected: Outcome, alternative: Outcome) => Pick<RoutingProbe, 'expected' | 'repeat' | 'alternative'>;
/** Plans a route's splits, retries, timeouts, faults and mirrors (./derive.ts) for requests sent through the gateway (`route` undefined: the default route). */
type RouteEffects = (route: Route | undefined, positives: ProbeRequest[], via: Via, lane: string) => void;
/**
 * Plans the service's service-level checks (rate limit, breaker, load balancer; ./derive.ts)
 * through the gateway: `sample` as sent to the gateway, `forwarded` as the service receives it.
 */
type ServiceLevel = (sample: ProbeRequest, forwarded: ProbeRequest, via: Via, lane: string) => void;

/** `local`: every gateway on its own scheme (the local mesh runs them all); `http`/`https`: the one scheme of a --target URL. */
export type GatewayScheme = 'local' | 'http' | 'https';

interface Planned {
  oracle: GatewayOracle;
  via: Via;
  lane: string;
}

/**
 * The gateways this run can probe, each with its oracle and how probes reach it; the others are
 * skipped with the reason. `clientCertificate`: a cluster run has a client certificate for MUTUAL
 * gateways (`--target-cert`/`--target-key`); locally the local CA issues one.
 */
function probedGateways(model: MeshModel, scheme: GatewayScheme, skip?: Skip, clientCertificate = false): Planned[] {
  const out: Planned[] = [];
  for (const gateway of model.gateways) {
    const own = gateway.tls ? 'https' : 'http';
    if (scheme !== 'local' && scheme !== own) {
      for (const r of gateway.routes) skip?.('route', r, `gateway "${gateway.name}" serves ${gateway.tls ? 'https' : 'plain http'}; this run's target is ${scheme}: run --target ${own}://… (or --local) to probe it`);
      continue;
    }
    if (scheme !== 'local' && gateway.tls?.mode === 'mutual' && !clientCertificate) {
      for (const r of gateway.routes) skip?.('route', r, `gateway "${gateway.name}" is MUTUAL: the verifier has no client certificate the cluster's CA trusts; pass one with --target-cert F --target-key F (and --target-ca F for the gateway's CA); --local probes it with the local CA's`);
      continue;
    }
    const host = gateway.hosts.find((h) => !h.includes('*'));
    if (!host) {
      for (const r of gateway.routes) skip?.('route', r, `gateway "${gateway.name}" declares only wildcard hosts (${gateway.hosts.join(', ')}); a probe needs a concrete Host`);
      continue;
    }
    const oracle = gatewayOracle(model, gateway, host);
    out.push({ oracle, via: { caller: oracle.caller, authority: host, gateway: true, scheme: own }, lane: `gateway/${gateway.namespace}/${gateway.name}` });
  }
  return out;
}

export function planGatewayRoutes(model: MeshModel, scheme: GatewayScheme, distinguish: Distinguish, skip: Skip, clientCertificate = false): PlannedCheck[] {
  const checks: PlannedCheck[] = [];
  for (const { oracle, via, lane } of probedGateways(model, scheme, skip, clientCertificate)) {
    const { gateway, host } = oracle;
    for (const route of oracle.routes) {
      const probes: RoutingProbe[] = [];
      (route.match.length === 0 ? [{}] : route.match).forEach((clause, i) => {
        const built = clauseRequests(clause);
        if (!built.positive) return skip('route', route, `gateway route "${route.name}": ${built.unbuildable}`);
        const suffix = route.match.length > 1 ? ` (clause ${i + 1})` : '';
        probes.push({ name: `positive${suffix}`, ...distinguish(oracle.expected(built.positive), oracle.expected(built.positive, route)), request: built.positive });
        for (const miss of built.nearMisses) probes.push({ name: `${miss.name}${suffix}`, ...distinguish(oracle.expected(miss.request), oracle.through(route, miss.request)), request: miss.request });
      });
      if (probes.length === 0) continue;
      checks.push(routeCheck(route, `route "${route.name}" of gateway ${gateway.name} (${via.scheme}, ${host})`, via, lane, probes, `through the ingress gateway over ${via.scheme} with Host ${host}: ${probes.length} probe(s), the route the gateway's routes (and the routes of the service they hand over to) say; 404 where none matches`));
    }
    const hostMiss = hostMissCheck(oracle, via, lane);
    if (hostMiss) checks.push(hostMiss);
    if (scheme === 'local' && gateway.tls?.httpsRedirect && gateway.port !== 80) checks.push(redirectCheck(oracle, via, lane));
    // A cluster run gets here with a client certificate only (probedGateways): the same check, without it.
    if (gateway.tls?.mode === 'mutual') checks.push(clientCertificateCheck(oracle, via, lane));
  }
  return checks;
}

/**
 * Istio `ServerTLSSettings` MUTUAL: the gateway requires a client certificate that chains to its
 * CA; a client without one fails the TLS handshake and gets no HTTP answer at all (the route
 * checks present the client certificate — the local CA's, or in cluster mode `--target-cert`'s —
 * and are served).
 * @see https://istio.io/latest/docs/reference/config/networking/gateway/#ServerTLSSettings-TLSmode
 */
function clientCertificateCheck(oracle: GatewayOracle, via: Via, lane: string): PlannedCheck {
  const { gateway, host } = oracle;
  const route = oracle.routes[0];
  const request = (route && clauseRequests(route.match[0] ?? {}).positive) ?? { method: 'GET', path: '/weft-default-probe', headers: {} };
  return {
    id: `mtls:${gateway.path}:client-certificate`,
    kind: 'mtls',
    title: `client certificates of gateway ${gateway.name} (MUTUAL, ${host})`,
    declaration: declarationOf(gateway),
    via: { ...via, anonymousClient: true },
    probes: 1,
    expectation: 'a client without a certificate is refused at the TLS handshake (no HTTP answer); the route checks, with the client certificate (the local CA\'s, or --target-cert\'s), are served',
    lane,
    phase: 'deterministic',
    spec: { type: 'gateway-mtls', request },
  };
}

/** A Host no declared host (exact or wildcard) covers: the gateway has no virtual host for it. */
const MISSED_HOST = 'weft-host-miss.invalid';

/**
 * Istio `Server.hosts`: a request whose Host the gateway does not declare gets 404 (no virtual
 * host; Envoy's NR), whatever route its path would match — each route's positive request is
 * sent once with an undeclared Host (`.invalid`, RFC 2606), over the same TLS connection setup.
 * Undefined when the gateway declares `*` (every Host is served).
 * @see https://istio.io/latest/docs/reference/config/networking/gateway/#Server
 */
function hostMissCheck(oracle: GatewayOracle, via: Via, lane: string): PlannedCheck | undefined {
  const { gateway, host } = oracle;
  if (gateway.hosts.includes('*')) return undefined;
  const requests = oracle.routes.flatMap((r) => (r.match.length === 0 ? [{}] : r.match).map((c) => clauseRequests(c).positive).filter((p): p is ProbeRequest => p !== undefined));
  const unique = [...new Map(requests.map((r) => [`${r.method} ${r.path}`, r])).values()];
  if (unique.length === 0) return undefined;
  const probes: RoutingProbe[] = unique.map((request) => ({
    name: `Host ${MISSED_HOST}: ${request.method} ${splitPath(request.path).pathname}`,
    request,
    expected: { kind: 'direct-response', route: `${gateway.name}/(no virtual host)`, status: 404 },
    repeat: 1,
  }));
  return {
    id: `route:${gateway.path}:hosts`,
    kind: 'route',
    title: `hosts of gateway ${gateway.name} (${via.scheme})`,
    declaration: declarationOf(gateway),
    via: { ...via, authority: MISSED_HOST, certificateHost: host },
    probes: probes.length,
    expectation: `a Host the gateway does not declare (${gateway.hosts.join(', ')}) gets 404 on every route's path (${probes.length} probe(s))`,
    lane,
    phase: 'deterministic',
    spec: { type: 'routing', probes },
  };
}

/**
 * Istio `httpsRedirect`: the plain server on port 80 answers every request for the gateway's
 * hosts with 301 to the same host and path over https (the weft gateway drops the port, so the
 * default https port is used).
 * @see https://istio.io/latest/docs/reference/config/networking/gateway/#ServerTLSSettings
 */
function redirectCheck(oracle: GatewayOracle, via: Via, lane: string): PlannedCheck {
  const { gateway, host } = oracle;
  const requests = [...oracle.routes.flatMap((r) => (r.match.length === 0 ? [{}] : r.match).map((c) => clauseRequests(c).positive).filter((p): p is ProbeRequest => p !== undefined)), { method: 'GET', path: '/weft-default-probe', headers: {} }];
  const unique = [...new Map(requests.map((r) => [`${r.method} ${r.path}`, r])).values()];
  const probes: RoutingProbe[] = unique.map((request) => ({
    name: `${request.method} ${splitPath(request.path).pathname}`,
    request,
    expected: { kind: 'redirect', route: `${gateway.name}/https-redirect`, status: 301, path: splitPath(request.path).pathname, authority: host, scheme: 'https' },
    repeat: 1,
  }));
  return {
    id: `redirect:${gateway.path}:https-redirect`,
    kind: 'redirect',
    title: `https redirect of gateway ${gateway.name} (http, ${host})`,
    declaration: declarationOf(gateway),
    via: { ...via, scheme: 'http' },
    probes: probes.length,
    expectation: `the plain http server answers every request for ${host} with 301 to https://${host}<same path> (${probes.length} paths)`,
    lane,
    phase: 'deterministic',
    spec: { type: 'routing', probes },
  };
}

/**
 * The routes of a service that no service calls, probed through the gateway route that hands
 * over to it (the gateway as caller); undefined when no probed gateway reaches the service.
 */
export function planThroughGateway(model: MeshModel, service: Service, scheme: GatewayScheme, distinguish: Distinguish, skip: Skip, effects: RouteEffects, serviceLevel: ServiceLevel, clientCertificate = false): PlannedCheck[] | undefined {
  const entry = probedGateways(model, scheme, undefined, clientCertificate)
    .flatMap((p) => p.oracle.routes.filter((r) => handsOverTo(p.oracle, r, service)).map((route) => ({ ...p, route })))
    .at(0);
  if (!entry) return undefined;
  const { oracle, via, lane, route: outer } = entry;
  const through = `through gateway ${oracle.gateway.name} route "${outer.name}" (${via.scheme}, ${oracle.host})`;
  const checks: PlannedCheck[] = [];
  for (const route of service.routes) {
    const clauses = route.match.length === 0 ? [{}] : route.match;
    const open = clauses.filter((c) => !c.sourceService);
    if (open.length === 0) {
      const from = [...new Set(clauses.map((c) => c.sourceService!.name))].map((n) => `"${n}"`).join(', ');
      skip('route', route, `route "${route.name}" of "${service.name}" matches only requests from ${from}, which declare${clauses.length > 1 ? '' : 's'} no call to "${service.name}"; "${service.name}" is reached only through gateway "${oracle.gateway.name}", which is not that caller — no caller can ever reach this route`);
      continue;
    }
    const probes: RoutingProbe[] = [];
    const positives: ProbeRequest[] = [];
    open.forEach((clause, i) => {
      const suffix = open.length > 1 ? ` (clause ${i + 1})` : '';
      const built = clauseRequests(clause);
      const positive = built.positive && lift(oracle, outer, built.positive, clause);
      if (!positive || matchingRoute(service, oracle.forwarded(outer, positive), oracle.caller) !== route) {
        skip('route', route, `clause ${i + 1} of route "${route.name}": ${built.unbuildable ?? `no request reaches it ${through} (an earlier route of the gateway or of "${service.name}" takes every one)`}`);
        return;
      }
      probes.push({ name: `positive${suffix}`, ...distinguish(oracle.expected(positive), oracle.through(outer, positive, route)), request: positive });
      positives.push(positive);
      for (const miss of built.nearMisses) {
        const request = lift(oracle, outer, miss.request, clause);
        if (request) probes.push({ name: `${miss.name}${suffix}`, ...distinguish(oracle.expected(request), oracle.throughRoute(outer, route, request)), request });
        else skip('route', route, `${miss.name}${suffix} of route "${route.name}": no request ${through} breaks only that condition`);
      }
    });
    if (probes.length === 0) continue;
    checks.push(routeCheck(route, `route "${route.name}" of ${service.name}.${service.namespace}, ${through}`, via, lane, probes, `${service.name} is called by no service; ${through}: ${probes.length} probe(s), the route the model says`));
    effects(route, positives, via, lane);
  }
  // The default route (every version, the service's resilience), when no route of the service takes a plain request.
  const request = lift(oracle, outer, { method: 'GET', path: '/weft-default-probe', headers: {} }, {});
  if (request && !matchingRoute(service, oracle.forwarded(outer, request), oracle.caller)) {
    const probe: RoutingProbe = { name: 'no route matches', request, expected: oracle.expected(request), repeat: 1 };
    checks.push(routingCheck(`route:${service.path}:default`, 'route', service, `default route of ${service.name}.${service.namespace}, ${through}`, via, lane, [probe], `no route of ${service.name} matches: its default route, ${through}`));
    effects(undefined, [request], via, lane);
  }
  // A plain request the gateway hands over: the service's own routes decide where it goes.
  if (request) serviceLevel(request, oracle.forwarded(outer, request), via, lane);
  else if (service.resilience.rateLimit || service.resilience.circuitBreaker || service.resilience.loadBalancer)
    skip(service.resilience.rateLimit ? 'rate-limit' : service.resilience.circuitBreaker ? 'circuit-breaker' : 'load-balancer', service, `service-level checks of "${service.name}" (rate limit, breaker, load balancer) ${through}: no plain request reaches it through that route`);
  return checks;
}

function handsOverTo(oracle: GatewayOracle, route: Route, service: Service): boolean {
  const delegate = oracle.delegateOf(route);
  return delegate !== undefined && sameRef(delegate, service);
}

/**
 * A request that the gateway route `outer` takes and forwards as `inner` (whose clause the
 * service route has): the inner request itself when the gateway route takes it unchanged;
 * otherwise the gateway route's own positive request, carrying the inner request's method,
 * headers and query (when the inner clause has no path condition), or the inner path moved
 * behind the gateway's rewrite. Undefined when no such request exists.
 */
function lift(oracle: GatewayOracle, outer: Route, inner: ProbeRequest, innerClause: Match): ProbeRequest | undefined {
  const innerPath = splitPath(inner.path);
  const outerClause = outer.match.find((c) => !c.sourceService) ?? (outer.match.length === 0 ? {} : undefined);
  if (!outerClause) return undefined;
  const outerPositive = clauseRequests(outerClause).positive;
  const uri = outer.rewrite?.uri;
  const prefix = outerClause.path && 'prefix' in outerClause.path ? outerClause.path.prefix : undefined;
  const paths = [
    ...(uri === undefined ? [innerPath.pathname] : []),
    ...(uri !== undefined && prefix !== undefined && innerPath.pathname.startsWith(uri) ? [prefix + innerPath.pathname.slice(uri.length)] : []),
    ...(!innerClause.path && outerPositive ? [splitPath(outerPositive.path).pathname] : []),
  ];
  for (const pathname of paths) {
    const query = new URLSearchParams(outerPositive ? splitPath(outerPositive.path).query : undefined);
    for (const [k, v] of innerPath.query) query.set(k, v);
    const qs = query.toString();
    const candidate: ProbeRequest = { method: inner.method, path: `${pathname}${qs ? `?${qs}` : ''}`, headers: { ...outerPositive?.headers, ...inner.headers } };
    if (oracle.routeFor(candidate) !== outer || !routeMatches(outer, candidate, oracle.caller)) continue;
    if (innerClause.path && splitPath(oracle.forwarded(outer, candidate).path).pathname !== innerPath.pathname) continue;
    return candidate;
  }
  return undefined;
}

function routeCheck(route: Route, title: string, via: Via, lane: string, probes: RoutingProbe[], expectation: string): PlannedCheck {
  const kind: CheckKind = route.action.kind === 'redirect' ? 'redirect' : route.action.kind === 'direct-response' ? 'direct-response' : 'route';
  return routingCheck(`${kind}:${route.path}`, kind, route, title, via, lane, probes, expectation);
}

function routingCheck(id: string, kind: CheckKind, node: Parameters<typeof declarationOf>[0], title: string, via: Via, lane: string, probes: RoutingProbe[], expectation: string): PlannedCheck {
  return {
    id,
    kind,
    title,
    declaration: declarationOf(node),
    via,
    probes: probes.reduce((n, p) => n + p.repeat, 0),
    expectation,
    lane,
    phase: 'deterministic',
    spec: { type: 'routing', probes },
  };
}

