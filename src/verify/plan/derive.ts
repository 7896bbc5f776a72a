/**
 * model → verification plan. Walks the environment's model once: for every service reachable
 * over HTTP from a declared caller, its routes (positive, near-miss and default probes; splits;
 * redirects, direct responses, rewrites and header operations as assertions), the resilience
 * in effect on each route (retries, timeouts, faults, mirrors, rate limits), the service's
 * breakers and load balancer. What cannot be checked becomes a `notVerified` entry with its
 * reason — never silently dropped. Sample sizes come from ./sizes.ts.
 */
import { planDegradation } from './degradation';
import type { ServiceRef } from '../../model/common';
import type { MeshModel } from '../../model/mesh';
import type { Service } from '../../model/service';
import type { Route } from '../../model/traffic';
import type { CheckKind, NotVerified } from '../report';
import { authorize, declaredCallers } from './authz';
import { declarationOf } from './declaration';
import { splitCheck, weightsByVersion } from './split';
import { clauseRequests } from './requests';
import { confusable, DEFAULT_ROUTE, expectedOutcome, matchingRoute, outcomeOf, routeId, sameRef } from './route-eval';
import { planSampleSizes } from './sizes';
import { planGatewayRoutes, planThroughGateway, type GatewayScheme } from './gateway';
import { GRPC_CLASSES, planGrpcService } from './grpc';
import { planTcpService } from './tcp';
import { planStreamSecurity } from './stream-security';
import type { AuthzProbe, JwtCase, Outcome, PlannedCheck, Plan, ProbeRequest, RetrySpec, RoutingProbe, TokenSpec, Via } from './types';

export interface PlanOptions {
  /** Family-wise false-failure rate. @default 0.001 */
  alpha?: number;
  /** @default 0.99 */
  power?: number;
  /** @default 0.05 */
  deviation?: number;
  /** Gateway routes: `local` probes every gateway on its own scheme; cluster mode, those of a target URL of this scheme (./gateway.ts). @default 'local' */
  gatewayScheme?: GatewayScheme;
  /** Cluster mode has a client certificate for MUTUAL gateways (`--target-cert`/`--target-key`); without one they are not verified. @default false */
  gatewayClientCertificate?: boolean;
}

/** Tries needed so that a probe whose alternative looks the same with probability q fails with ≥ 1 − 0.001. */
export function repeatsToDistinguish(q: number): number {
  if (q <= 0) return 1;
  if (q >= 1) return 1;
  return Math.min(200, Math.ceil(Math.log(0.001) / Math.log(q)));
}

/** Upper bound of Envoy's fully jittered back-off before retry k (1-based): (2^k − 1) × base, capped. */
function maxBackoffSum(retries: number, baseMs = 25, maxMs = baseMs * 10): number {
  let sum = 0;
  for (let k = 1; k <= retries; k++) sum += Math.min(maxMs, (2 ** k - 1) * baseMs);
  return sum;
}

/**
 * How a routing probe tells the expected outcome from the alternative (what a mesh that ignored
 * the condition would do): when the alternative can give answers the expected route cannot, one
 * such answer fails the probe (repeat until the alternative shows one with probability ≥ 0.999);
 * when it cannot but the expected route can give answers the alternative cannot, the probe fails
 * when all answers look like the alternative (repeat until the expected route shows one).
 */
function distinguish(expected: Outcome, alternative: Outcome): Pick<RoutingProbe, 'expected' | 'repeat' | 'alternative'> {
  const q = confusable(expected, alternative);
  if (q < 1) return { expected, repeat: repeatsToDistinguish(q) };
  const back = confusable(alternative, expected);
  return back < 1 ? { expected, repeat: repeatsToDistinguish(back), alternative } : { expected, repeat: 1 };
}

const DEFAULT_PROBE: ProbeRequest = { method: 'GET', path: '/weft-default-probe', headers: {} };

export function derivePlan(model: MeshModel, environment: string, options: PlanOptions = {}): Plan {
  const checks: PlannedCheck[] = [];
  const notVerified: NotVerified[] = [];
  const skip = (kind: CheckKind, node: Parameters<typeof declarationOf>[0], reason: string) => notVerified.push({ kind, declaration: declarationOf(node), reason });

  for (const service of model.services) {
    const port = service.ports.find((p) => p.protocol === 'http' || p.protocol === 'http2');
    const grpcPort = service.ports.find((p) => p.protocol === 'grpc');
    const grpcCaller = grpcPort && model.services.find((c) => c.calls.some((call) => call.target.kind === 'service' && sameRef(call.target.service, service)));
    const tcpPort = service.ports.find((p) => p.protocol === 'tcp');
    const tcpCaller = !port && !grpcPort && tcpPort && model.services.find((c) => c.calls.some((call) => call.target.kind === 'service' && sameRef(call.target.service, service)));
    if (tcpCaller) {
      planTcpService(service, tcpCaller, `${service.namespace}/${service.name}`, checks, skip);
      if (service.resilience.retries || service.resilience.timeoutMs) skip('retries', service, `retries and timeouts of TCP service "${service.name}" are HTTP features; a TCP route has none to probe`);
      continue;
    }
    if (!port && grpcPort && grpcCaller) {
      planGrpcService(service, grpcCaller, { caller: ref(grpcCaller), authority: `${service.name}.${service.namespace}:${grpcPort.port}`, ...tokenFor(service) }, `${service.namespace}/${service.name}`, checks, skip);
      continue;
    }
    if (!port) {
      const what = [...new Set(service.ports.map((p) => p.protocol))].join('/');
      for (const r of service.routes) skip('route', r, `service "${service.name}" speaks ${what} only; the verifier probes HTTP/1.1 (gRPC/TCP probes: not done)`);
      if (service.resilience.retries || service.resilience.timeoutMs) skip('retries', service, `resilience of ${what} service "${service.name}" is not probed (gRPC/TCP probes: not done)`);
      continue;
    }
    const callers = model.services.filter((c) => c.calls.some((call) => call.target.kind === 'service' && sameRef(call.target.service, service)));
    const caller = callers[0];
    // Called by no service: reachable through a gateway route that hands over to it, if any.
    // Route effects and service-level checks sent through the gateway (the service's own, for isolation below).
    const viaGateway: PlannedCheck[] = [];
    const throughGateway = caller ? undefined : planThroughGateway(model, service, options.gatewayScheme ?? 'local', distinguish, skip, (route, positives, gatewayVia, lane) => {
      const effects: PlannedCheck[] = [];
      planRouteEffects(service, route, positives, gatewayVia, lane, effects, skip, () => undefined);
      // retry-on connect-failure too: the refusing twin (../drive/refusing-caller.ts) is then a copy of the gateway proxy.
      viaGateway.push(...effects);
    }, (sample, forwarded, gatewayVia, lane) => {
      // The gateway is the only caller: the service's rate limit, breaker and balancer as its own cluster applies them.
      const outcome = expectedOutcome(service, forwarded, gatewayVia.caller);
      const inbound = (o: Outcome) => (service.resilience.rateLimit ? (service.resilience.rateLimit.requests * 1000 * Math.max(1, instancesReached(service, o))) / service.resilience.rateLimit.perMs : undefined);
      planServiceLevel(service, { via: gatewayVia, lane, callerName: gatewayVia.caller.name, sample, outcome, route: matchingRoute(service, forwarded, gatewayVia.caller), cap: (_route, o) => inbound(o) }, viaGateway, skip);
    }, options.gatewayClientCertificate);
    if (throughGateway) {
      checks.push(...throughGateway, ...viaGateway);
      isolateBreakerChecks(service, [...throughGateway, ...viaGateway]);
      continue;
    }
    if (!caller) {
      for (const r of service.routes) skip('route', r, `no service declares calls to "${service.name}", so no in-mesh caller can send the probes (gateway routes need the ingress gateway)`);
      if (service.resilience.rateLimit) skip('rate-limit', service, `no in-mesh caller of "${service.name}"`);
      continue;
    }
    const via: Via = { caller: ref(caller), authority: `${service.name}.${service.namespace}:${port.port}`, ...tokenFor(service) };
    const lane = `${service.namespace}/${service.name}`;
    planService(service, callers, via, lane, checks, skip);
    planDegradation(model, model.environments.find((e) => e.name === environment), service, caller, via, lane, checks, skip);
    isolateBreakerChecks(service, checks.filter((c) => c.lane === lane));
  }
  checks.push(...planGatewayRoutes(model, options.gatewayScheme ?? 'local', distinguish, skip, options.gatewayClientCertificate));
  planSecurity(model, checks, skip);
  // A lane runs in strict order when any of its checks asks for it (../drive/run.ts reads its first
  // check): a gateway's lane carries the checks of every service only it reaches, breakers included.
  const isolatedLanes = new Set(checks.filter((c) => c.isolated).map((c) => c.lane));
  for (const c of checks) if (isolatedLanes.has(c.lane)) c.isolated = true;

  const sized = planSampleSizes(checks, { alpha: options.alpha ?? 0.001, power: options.power ?? 0.99, deviation: options.deviation ?? 0.05 });
  return { mesh: model.name, environment, familyAlpha: sized.alpha, power: sized.power, detectableDeviation: sized.deviation, statisticalTests: sized.tests, checks, notVerified };
}

/**
 * Failures the checks provoke would move a breaker's outlier state, and concurrent checks would
 * overflow its pool: the service's checks run in strict order, each below half the pool.
 */
function isolateBreakerChecks(service: Service, checks: PlannedCheck[]): void {
  const cb = service.resilience.circuitBreaker;
  const pool = cb ? Math.min(cb.maxConnections !== undefined ? cb.maxConnections + (cb.maxPendingRequests ?? 0) : Infinity, cb.maxRequests ?? Infinity) : Infinity;
  for (const c of checks) {
    c.isolated = cb !== undefined;
    if (Number.isFinite(pool) && c.kind !== 'circuit-breaker') c.concurrency = Math.max(1, Math.floor(pool / 2));
  }
}

/** The token a probe to `service` carries: its first JWT rule's issuer, audience and location (Istio's default `authorization: Bearer`). */
function tokenFor(service: Service): { token?: TokenSpec } {
  const rule = service.security.jwt[0];
  if (!rule) return {};
  const header = rule.fromHeaders[0];
  const where = header ? { header: header.name.toLowerCase(), prefix: header.prefix ?? '' } : rule.fromParams[0] ? { param: rule.fromParams[0] } : { header: 'authorization', prefix: 'Bearer ' };
  return { token: { issuer: rule.issuer, audience: rule.audiences[0], ...where } };
}

function ref(s: ServiceRef): ServiceRef {
  return { name: s.name, namespace: s.namespace };
}

function replicasOf(service: Service, version?: string): number {
  return service.versions.filter((v) => version === undefined || v.name === version).reduce((n, v) => n + v.replicas, 0);
}

/** Instances a forward outcome can reach (per-instance buckets, pools). */
function instancesReached(service: Service, outcome: Outcome): number {
  if (outcome.kind !== 'forward') return 0;
  if (outcome.destinations.some((d) => d.version === undefined)) return replicasOf(service);
  return [...new Set(outcome.destinations.map((d) => d.version))].reduce((n, v) => n + replicasOf(service, v), 0);
}

type Skip = (kind: CheckKind, node: Parameters<typeof declarationOf>[0], reason: string) => void;

function planService(service: Service, callers: Service[], via: Via, lane: string, checks: PlannedCheck[], skip: Skip): void {
  const caller = callers[0]!;
  const callerInstances = Math.max(1, replicasOf(caller));
  const inboundCap = (outcome: Outcome): number | undefined => {
    const rl = service.resilience.rateLimit;
    return rl ? (rl.requests * 1000 * Math.max(1, instancesReached(service, outcome))) / rl.perMs : undefined;
  };
  // A route's bucket is per caller instance and (weft) per match clause: probes spread over both.
  const capFor = (route: Route | undefined, outcome: Outcome, clauses = 1): number | undefined => {
    const caps = [inboundCap(outcome), route?.rateLimit ? (route.rateLimit.requests * 1000 * callerInstances * clauses) / route.rateLimit.perMs : undefined].filter((c): c is number => c !== undefined);
    return caps.length ? Math.min(...caps) : undefined;
  };

  // ── routing: per route, positive + near misses; then the default ──
  const universal = service.routes.some((r) => callerSees(r, caller) && r.match.length === 0);
  for (const route of service.routes) {
    const clauses = (route.match.length === 0 ? [{}] : route.match).filter((c) => !c.sourceService || callers.some((k) => sameRef(k, c.sourceService!)));
    if (clauses.length === 0) {
      skip('route', route, `route "${route.name}" applies only to callers that do not declare calls to "${service.name}"`);
      continue;
    }
    const probes: RoutingProbe[] = [];
    const positives: ProbeRequest[] = [];
    clauses.forEach((clause, i) => {
      const from = clause.sourceService ? callers.find((k) => sameRef(k, clause.sourceService!))! : caller;
      if (!sameRef(from, caller)) return skip('route', route, `clause ${i + 1} of route "${route.name}" applies to caller "${from.name}" only; probes are sent from "${caller.name}" (multi-caller routing: not done)`);
      const built = clauseRequests(clause);
      if (!built.positive) return skip('route', route, `route "${route.name}": ${built.unbuildable}`);
      if (sameRoute(service, built.positive, caller, route)) positives.push(built.positive);
      const suffix = clauses.length > 1 ? ` (clause ${i + 1})` : '';
      const expected = expectedOutcome(service, built.positive, caller);
      probes.push({ name: `positive${suffix}`, ...distinguish(expected, expectedOutcome(service, built.positive, caller, route)), request: built.positive });
      for (const miss of built.nearMisses) {
        probes.push({ name: `${miss.name}${suffix}`, ...distinguish(expectedOutcome(service, miss.request, caller), outcomeOf(service, route, miss.request)), request: miss.request });
      }
    });
    if (probes.length === 0) continue;
    const kind: CheckKind = route.action.kind === 'redirect' ? 'redirect' : route.action.kind === 'direct-response' ? 'direct-response' : 'route';
    const first = probes[0]!.expected;
    checks.push({
      id: `${kind}:${route.path}`,
      kind,
      title: `route "${route.name}" of ${service.name}.${service.namespace}`,
      declaration: declarationOf(route),
      via,
      probes: probes.reduce((n, p) => n + p.repeat, 0),
      rateCap: capFor(route, first),
      expectation: `${describeOutcome(first)}; ${probes.length - 1} near miss(es) reach the route the model says`,
      lane,
      phase: 'deterministic',
      spec: { type: 'routing', probes },
    });
    if (positives.length > 0) planRouteEffects(service, route, positives, via, lane, checks, skip, (clauses) => capFor(route, outcomeOf(service, route, positives[0]!), clauses));
  }
  if (!universal && !matchingRoute(service, DEFAULT_PROBE, caller)) {
    const expected = expectedOutcome(service, DEFAULT_PROBE, caller);
    checks.push({
      id: `route:${service.path}:default`,
      kind: 'route',
      title: `default route of ${service.name}.${service.namespace}`,
      declaration: declarationOf(service),
      via,
      probes: 1,
      rateCap: capFor(undefined, expected),
      expectation: describeOutcome(expected),
      lane,
      phase: 'deterministic',
      spec: { type: 'routing', probes: [{ name: 'no route matches', request: DEFAULT_PROBE, expected, repeat: 1 }] },
    });
    planRouteEffects(service, undefined, [DEFAULT_PROBE], via, lane, checks, skip, () => capFor(undefined, expected));
  }

  // ── service-level: inbound rate limit, breaker, load balancer ──
  const sample = universal ? clauseRequests(service.routes.find((r) => r.match.length === 0)!.match[0] ?? {}).positive ?? DEFAULT_PROBE : DEFAULT_PROBE;
  planServiceLevel(service, { via, lane, callerName: caller.name, sample, outcome: expectedOutcome(service, sample, caller), route: matchingRoute(service, sample, caller), cap: (route, outcome) => capFor(route, outcome) }, checks, skip);
}

/** Where a service's service-level checks are sent from: an in-mesh caller's proxy, or the ingress gateway that alone reaches it. */
interface ServiceLevelVantage {
  via: Via;
  lane: string;
  /** Named in expectations: the caller, or the gateway. */
  callerName: string;
  /** The request as sent (through a gateway: before the gateway's rewrite), its outcome and route at the service. */
  sample: ProbeRequest;
  outcome: Outcome;
  route: Route | undefined;
  cap: (route: Route | undefined, outcome: Outcome) => number | undefined;
}

/**
 * The service rate limit, the breaker (pool, outlier detection) and the load balancer, judged
 * from one vantage point. In-mesh, the service rate limit is probed straight at one receiving
 * instance; through the ingress gateway (`via.gateway`: no in-mesh caller exists) the gateway's
 * own upstream cluster carries the service's DestinationRule — its pool, outlier detection and
 * load balancer apply there as in any sidecar — and the rate limit is judged against the buckets
 * of every instance the gateway spreads the probes over.
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/ (a DestinationRule applies to gateways as to sidecars)
 */
function planServiceLevel(service: Service, at: ServiceLevelVantage, checks: PlannedCheck[], skip: Skip): void {
  const { via, lane, sample, outcome: sampleOutcome, route: sampleRoute } = at;
  const throughGateway = via.gateway === true;
  const from = throughGateway ? `through gateway ${via.caller.name} (${via.authority})` : `from ${at.callerName}`;
  const rl = service.resilience.rateLimit;
  const receivers = instancesReached(service, sampleOutcome);
  const lb = service.resilience.loadBalancer;
  if (rl && throughGateway) {
    // Through the gateway the probes spread over the instances the route reaches, each with its
    // own bucket: only a balancer that spreads plain requests fills them all in one burst.
    if (receivers < 1 || receivers > 8) skip('rate-limit', service, `rate limit of "${service.name}" ${from}: the bucket is per receiving instance, and the probes spread over ${receivers < 1 ? 'no instance the plan can count' : `${receivers} instances, too many for one burst to fill every bucket`}`);
    else if (lb?.policy === 'consistent-hash') skip('rate-limit', service, `rate limit of "${service.name}" ${from}: the bucket is per receiving instance, and its consistent hash, not the probes, decides which instances a burst reaches`);
    else {
      checks.push({
        id: `rate-limit:${service.path}`,
        kind: 'rate-limit',
        title: `rate limit of ${service.name}.${service.namespace} (each receiving instance), ${from}`,
        declaration: declarationOf(service),
        via,
        probes: Math.ceil(32 + receivers * rl.burst * 3 + receivers * Math.min(rl.burst, rl.requests) * 2),
        expectation: `${rl.requests} requests per ${rl.perMs} ms, burst ${rl.burst}, in each of the ${receivers} receiving instance(s), probed ${from}: the rest get 429 (flag RL) — ceiling within 10 % of their buckets together, then the refill`,
        lane,
        phase: 'exclusive',
        spec: { type: 'rate-limit', request: sample, scope: 'service', buckets: receivers, receivers, burst: rl.burst, requests: rl.requests, perMs: rl.perMs },
        resources: service.versions.map((v) => `inbound-bucket:${service.path}:${v.name}`),
      });
    }
  } else if (rl) {
    checks.push({
      id: `rate-limit:${service.path}`,
      kind: 'rate-limit',
      title: `rate limit of ${service.name}.${service.namespace} (each receiving instance)`,
      declaration: declarationOf(service),
      via,
      probes: Math.ceil(32 + rl.burst * 3 + Math.min(rl.burst, rl.requests) * 2),
      expectation: `${rl.requests} requests per ${rl.perMs} ms, burst ${rl.burst}, in each receiving instance (probed straight at one, with ${at.callerName}'s identity): the rest get 429 (flag RL) — ceiling within 10 %, then the refill`,
      lane,
      phase: 'exclusive',
      spec: { type: 'rate-limit', request: DEFAULT_PROBE, scope: 'service', buckets: 1, direct: true, receivers, burst: rl.burst, requests: rl.requests, perMs: rl.perMs },
      // probed straight at the first instance, which is the first version's
      resources: [`inbound-bucket:${service.path}:${service.versions.find((v) => v.replicas > 0)?.name ?? ''}`],
    });
  }
  const cb = service.resilience.circuitBreaker;
  if (cb) {
    const pending = cb.maxPendingRequests;
    const byConnections = cb.maxConnections !== undefined ? cb.maxConnections + (pending ?? 1024) : undefined;
    const admitted = [byConnections, cb.maxRequests].filter((n): n is number => n !== undefined).reduce((a, b) => Math.min(a, b), Infinity);
    if (Number.isFinite(admitted) && admitted <= 400 && sampleOutcome.kind === 'forward') {
      checks.push({
        id: `circuit-breaker:${service.path}:pool`,
        kind: 'circuit-breaker',
        title: `connection pool limits of ${service.name}.${service.namespace}${throughGateway ? `, ${from}` : ''}`,
        declaration: declarationOf(service),
        via,
        probes: admitted * 4,
        rateCap: undefined,
        expectation: `at most ${admitted} requests in flight from one ${throughGateway ? 'gateway instance' : 'caller'} (${[cb.maxConnections !== undefined && `maxConnections ${cb.maxConnections}`, pending !== undefined && `maxPendingRequests ${pending}`, cb.maxRequests !== undefined && `maxRequests ${cb.maxRequests}`].filter(Boolean).join(', ')}); the overflow gets 503 with flag UO`,
        lane,
        phase: 'disruptive',
        spec: { type: 'circuit-breaker', request: sample, service: ref(service), admitted, holdMs: breakerHold(service, sampleRoute), instances: Math.max(1, receivers) },
      });
    } else if (cb.maxConnections !== undefined || cb.maxRequests !== undefined || pending !== undefined) {
      skip('circuit-breaker', service, `the connection pool of "${service.name}" admits ${admitted} concurrent requests; tripping it needs more than the verifier's bound of 400 in flight`);
    }
    if (cb.consecutive5xx !== undefined || cb.consecutiveGatewayErrors !== undefined) planOutlier(service, cb, sample, sampleOutcome, via, lane, checks, skip);
  }
  if (lb && (lb.policy === 'round-robin' || lb.policy === 'random' || lb.policy === 'least-request' || (lb.policy === 'consistent-hash' && (lb.hashOn.kind === 'header' || lb.hashOn.kind === 'cookie')))) {
    const instances = sampleOutcome.kind === 'forward' && sampleOutcome.destinations.length === 1 ? receivers : 0;
    if (instances < 2) skip('load-balancer', service, `load balancer "${lb.policy}" of "${service.name}": the probe route reaches ${instances < 1 ? 'a split, not one subset' : 'one instance'} in this environment, so balance and stickiness are not observable`);
    else {
      const hashHeader = lb.policy === 'consistent-hash' && lb.hashOn.kind === 'header' ? lb.hashOn.name : undefined;
      const hashCookie = lb.policy === 'consistent-hash' && lb.hashOn.kind === 'cookie' ? lb.hashOn.name : undefined;
      checks.push({
        id: `load-balancer:${service.path}`,
        kind: 'load-balancer',
        title: `load balancer of ${service.name}.${service.namespace}${throughGateway ? `, ${from}` : ''}`,
        declaration: declarationOf(service),
        via,
        probes: balancerProbes(lb.policy, instances),
        rateCap: at.cap(sampleRoute, sampleOutcome),
        expectation: `${balancerExpectation(lb.policy, instances, hashHeader, hashCookie)}${throughGateway ? `, ${from}` : ''}`,
        lane,
        phase: 'deterministic',
        spec: { type: 'load-balancer', request: sample, service: ref(service), policy: lb.policy, hashHeader, hashCookie, instances, ...(lb.policy === 'least-request' ? { holdMs: leastRequestHold(service, sampleRoute) } : {}) },
      });
    }
  } else if (lb) {
    skip('load-balancer', service, `load balancer "${lb.policy}"${lb.policy === 'consistent-hash' ? ` on ${lb.hashOn.kind}` : ''} of "${service.name}" has no observable property the verifier checks (stickiness is checked for header and cookie keys only: a source IP is the same for every probe, a query key needs a route that keeps it)`);
  }
}

/** Probes of a load-balancer check (../drive/checks/balancer.ts explains each). */
function balancerProbes(policy: string, instances: number): number {
  if (policy === 'round-robin') return instances * 20;
  if (policy === 'random') return instances * 60;
  if (policy === 'least-request') return LEAST_REQUEST_PROBES;
  return 100;
}

/** Probes of a least-request check: 200 keeps its false-failure rate below 0.1 % on two instances. */
export const LEAST_REQUEST_PROBES = 200;

function balancerExpectation(policy: string, instances: number, hashHeader?: string, hashCookie?: string): string {
  if (policy === 'round-robin') return `round robin: ${instances} instances each get an equal share (±1 per round) from one caller`;
  if (policy === 'random') return `random: each of ${instances} instances gets its share (exact binomial test per instance, α = 0.001 / ${instances}), and the picks are no fixed rotation (the same instance twice in a row occurs)`;
  if (policy === 'least-request') return `least request: with one instance holding each request it gets, that instance gets fewer than its even share of ${LEAST_REQUEST_PROBES} concurrent probes (one-sided binomial test against 1/${instances}, α = 0.001)`;
  return `consistent hash on ${hashHeader ? `header ${hashHeader}` : `cookie ${hashCookie}`}: every key sticks to one instance, keys spread over ≥ 2 instances`;
}

/** How long the held instance keeps each request: well inside any per-try timeout on the route. */
function leastRequestHold(service: Service, route: Route | undefined): number {
  const perTry = (route?.retries ?? service.resilience.retries)?.perTryTimeoutMs;
  const timeout = route?.timeoutMs ?? service.resilience.timeoutMs;
  const bound = Math.min(perTry ?? Infinity, timeout ?? Infinity);
  return Number.isFinite(bound) ? Math.max(50, Math.min(300, Math.floor(bound / 2))) : 300;
}

/** Probes of a connect-failure check's `one refusing endpoint` case: without the retry all pass with probability ≈ 2^-16. */
const CONNECT_FAILURE_PROBES = 16;

/** Recovery takes up to baseEjection + one interval (the sweep that returns the host): checked only within this bound. */
const RECOVERY_BOUND_MS = 15_000;

/**
 * Outlier ejection (and recovery): one instance of a version with at least two replicas is made
 * to fail (echo control `only=<instance>`) until it is ejected; ejecting one must leave that
 * version out of panic mode (minHealthPercent), or balancing would still reach it.
 * @see https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/outlier
 */
function planOutlier(service: Service, cb: NonNullable<Service['resilience']['circuitBreaker']>, sample: ProbeRequest, outcome: Outcome, via: Via, lane: string, checks: PlannedCheck[], skip: Skip): void {
  const consecutive = Math.min(cb.consecutive5xx ?? Infinity, cb.consecutiveGatewayErrors ?? Infinity);
  const panic = cb.minHealthPercent ?? 0;
  const reached = outcome.kind === 'forward' ? (outcome.destinations.some((d) => d.version === undefined) ? service.versions : service.versions.filter((v) => outcome.destinations.some((d) => d.version === v.name))) : [];
  const version = reached.filter((v) => v.replicas >= 2 && ((v.replicas - 1) / v.replicas) * 100 >= panic).sort((a, b) => b.replicas - a.replicas)[0];
  if (!version) {
    skip('circuit-breaker', service, `outlier ejection of "${service.name}": no version the probe route reaches has two instances that stay out of panic mode when one is ejected, so an ejection is not observable`);
    return;
  }
  const recovery = cb.baseEjectionMs + cb.intervalMs <= RECOVERY_BOUND_MS;
  if (!recovery) skip('circuit-breaker', service, `outlier recovery of "${service.name}": the host returns after ${cb.baseEjectionMs} ms (+ up to one ${cb.intervalMs} ms interval), beyond the verifier's bound of ${RECOVERY_BOUND_MS} ms; the ejection itself is checked`);
  const instances = Math.max(1, instancesReached(service, outcome));
  checks.push({
    id: `circuit-breaker:${service.path}:outlier`,
    kind: 'circuit-breaker',
    title: `outlier detection of ${service.name}.${service.namespace}`,
    declaration: declarationOf(service),
    via,
    probes: (consecutive + 2) * instances * 10 + instances * 10 * (recovery ? 2 : 1),
    expectation: `an instance of ${version.name} answering 503 is ejected after ${consecutive} consecutive failures and gets no request for ${cb.baseEjectionMs} ms${recovery ? `; it serves again within ${cb.baseEjectionMs + cb.intervalMs} ms` : ''}`,
    lane,
    phase: 'disruptive',
    spec: { type: 'outlier', request: sample, service: ref(service), version: version.name, consecutive, baseEjectionMs: cb.baseEjectionMs, intervalMs: cb.intervalMs, instances, recovery },
  });
}

/** A queued probe waits one hold, then is held once more: both must fit in the per-try timeout. */
function breakerHold(service: Service, route: Route | undefined): number {
  const perTry = (route?.retries ?? service.resilience.retries)?.perTryTimeoutMs;
  const timeout = route?.timeoutMs ?? service.resilience.timeoutMs;
  const bound = Math.min(perTry ?? Infinity, timeout ?? Infinity);
  return Number.isFinite(bound) ? Math.max(50, Math.floor(bound * 0.25)) : 1000;
}

/** Whether `request` is served by `route` itself (not shadowed by an earlier route). */
function sameRoute(service: Service, request: ProbeRequest, caller: ServiceRef, route: Route): boolean {
  return matchingRoute(service, request, caller) === route;
}

function callerSees(route: Route, caller: Service): boolean {
  return route.match.length === 0 || route.match.some((c) => !c.sourceService || sameRef(c.sourceService, caller));
}

/** Splits, retries, timeouts, faults, mirrors and route rate limits of one route (or the default). */
function planRouteEffects(
  service: Service,
  route: Route | undefined,
  positives: ProbeRequest[],
  via: Via,
  lane: string,
  checks: PlannedCheck[],
  skip: Skip,
  capFor: (clauses: number) => number | undefined,
): void {
  const request = positives[0]!;
  const rateCap = capFor(1);
  const statCap = capFor(positives.length);
  const outcome0 = route ? outcomeOf(service, route, request) : expectedOutcome(service, request, via.caller);
  const instances = Math.max(1, instancesReached(service, outcome0));
  // The buckets these probes draw from: the route's own (caller side), and each reached version's inbound one.
  const reached = outcome0.kind === 'forward' ? (outcome0.destinations.some((d) => d.version === undefined) ? service.versions.map((v) => v.name) : outcome0.destinations.map((d) => d.version!)) : [];
  const resources = [...(route?.rateLimit ? [`route-bucket:${route.path}`] : []), ...(service.resilience.rateLimit ? reached.map((v) => `inbound-bucket:${service.path}:${v}`) : [])];
  const node = route ?? service;
  const name = route ? `route "${route.name}"` : 'the default route';
  const at = `${name} of ${service.name}.${service.namespace}`;
  const idBase = route ? route.path : `${service.path}:default`;
  const forwards = !route || route.action.kind === 'forward';
  const outcome = route ? outcomeOf(service, route, request) : expectedOutcome(service, request, via.caller);
  if (!forwards || outcome.kind !== 'forward') return;
  const r = service.resilience;

  const versions = outcome.destinations.filter((d) => d.version !== undefined);
  const distinct = new Set(versions.map((d) => d.version));
  // Only a declared split: the default route's spread over versions follows replica counts, not a declaration.
  if (route && distinct.size >= 2 && versions.length === outcome.destinations.length) {
    checks.push(
      splitCheck({ id: `split:${idBase}`, title: `split of ${at}`, declaration: declarationOf(node), via, lane, rateCap: statCap, resources }, weightsByVersion(versions), {
        requests: positives,
        service: ref(service),
      }),
    );
  }

  const retries = route?.retries ?? r.retries;
  const perTry = retries?.perTryTimeoutMs;
  const timeout = route?.timeoutMs ?? r.timeoutMs;
  if (retries && retries.attempts > 0) {
    const on = new Set(retries.on);
    const A = retries.attempts;
    const cases: RetrySpec['cases'] = [];
    const statusFor: Record<string, number | undefined> = {
      '5xx': 500,
      'gateway-error': 503,
      'retriable-4xx': 409,
      'retriable-status-codes': retries.retriableStatusCodes?.[0],
    };
    for (const cls of retries.on) {
      const status = statusFor[cls];
      if (status !== undefined) cases.push({ name: `retry-on ${cls}: ${A} retries of status ${status}`, method: request.method, controls: `status=${status}`, attempts: { min: A + 1, max: A + 1 } });
      else if (cls === 'reset') cases.push({ name: `retry-on reset: ${A} retries of a reset`, method: request.method, controls: 'reset', attempts: { min: A + 1, max: A + 1 } });
      else if (cls !== 'connect-failure') {
        // gRPC classes are checked by the gRPC plan (./grpc.ts) on a gRPC port; the echo cannot
        // make the others happen (a refused HTTP/2 stream, a reset before the request was sent).
        const why = cls in GRPC_CLASSES ? 'needs gRPC probes' : 'the echo cannot make this failure happen';
        skip('retries', retries === route?.retries ? route! : service, `retry-on "${cls}" of ${at}: ${why} (not done)`);
      }
    }
    const retried = (s: number) => (on.has('5xx') && s >= 500) || (on.has('gateway-error') && [502, 503, 504].includes(s)) || (on.has('retriable-4xx') && s === 409) || (on.has('retriable-status-codes') && (retries.retriableStatusCodes ?? []).includes(s));
    for (const s of [500, 404]) {
      if (!retried(s)) {
        cases.push({ name: `status ${s} is not retried`, method: request.method, controls: `status=${s}`, attempts: { min: 1, max: 1 } });
        break;
      }
    }
    const firstFailing = cases.find((c) => c.attempts.min > 1 && c.controls.startsWith('status='));
    const allowsPost = !route || route.match.length === 0 || route.match.some((c) => !c.methods || c.methods.includes('POST'));
    if (!retries.retryNonIdempotent && firstFailing && allowsPost) {
      cases.push({ name: 'a POST that reached the upstream is not retried', method: 'POST', controls: firstFailing.controls, attempts: { min: 1, max: 1 } });
    }
    if (perTry && (on.has('5xx') || on.has('gateway-error') || on.has('reset'))) {
      const backoff = maxBackoffSum(A, retries.backoff?.baseMs, retries.backoff?.maxMs);
      const hi = timeout ? Math.min(A + 1, Math.ceil(timeout / perTry)) : A + 1;
      const lo = timeout ? Math.min(A + 1, Math.ceil((timeout - backoff) / perTry)) : A + 1;
      cases.push({ name: `per-try timeout ${perTry} ms causes a retry${lo === hi ? '' : ` (${lo}..${hi} tries fit in ${timeout} ms)`}`, method: request.method, controls: `delay=${perTry + Math.max(300, perTry)}`, attempts: { min: Math.max(2, lo), max: hi } });
    }
    checks.push({
      id: `retries:${idBase}`,
      kind: 'retries',
      title: `retries of ${at}`,
      declaration: declarationOf(retries === route?.retries ? route! : service),
      via,
      probes: cases.length * 2,
      rateCap,
      expectation: `${A} retries on ${retries.on.join(', ')}${perTry ? `, per try ${perTry} ms` : ''}; counted as attempts at the echo`,
      lane,
      phase: 'disruptive',
      spec: { type: 'retries', request, service: ref(service), instances, retry: { attempts: A, cases } },
    });
  }
  if (retries && retries.attempts > 0 && retries.on.includes('connect-failure')) {
    const probes = CONNECT_FAILURE_PROBES;
    checks.push({
      id: `retries:${idBase}:connect-failure`,
      kind: 'retries',
      title: `retry-on connect-failure of ${at}`,
      declaration: declarationOf(retries === route?.retries ? route! : service),
      via,
      probes: probes + 2,
      rateCap,
      expectation: `through a second ${via.gateway ? `gateway proxy of ${via.caller.name} (its config, a plain server for ${via.authority})` : `proxy of ${via.caller.name}`} whose endpoints of ${service.name} include one that refuses connections (weighted to take half the first tries): all ${probes} served, each reaching the echo once; with every endpoint refusing, 503 UF after ${retries.attempts} retries (flag URX)`,
      lane,
      phase: 'deterministic',
      spec: { type: 'connect-failure', request, service: ref(service), attempts: retries.attempts, probes },
    });
  }
  if (timeout) {
    const coversTimeout = retries && retries.attempts > 0 && perTry && ['5xx', 'gateway-error', 'reset'].some((c) => retries.on.includes(c));
    const triesMs = coversTimeout ? (retries!.attempts + 1) * perTry! : Infinity;
    const expectedMs = Math.min(timeout, triesMs);
    const slack = coversTimeout && triesMs < timeout ? maxBackoffSum(retries!.attempts, retries!.backoff?.baseMs, retries!.backoff?.maxMs) : 0;
    const toleranceMs = Math.max(300, Math.round(expectedMs * 0.25)) + slack;
    checks.push({
      id: `timeout:${idBase}`,
      kind: 'timeout',
      title: `timeout of ${at}`,
      declaration: declarationOf(route?.timeoutMs !== undefined ? route : service),
      via,
      probes: 2,
      rateCap,
      expectation: `an upstream slower than ${timeout} ms gets 504 after ${expectedMs} ms (${expectedMs < timeout ? `${retries!.attempts + 1} tries × ${perTry} ms` : 'the timeout'}), tolerance −50/+${toleranceMs} ms, the upper bound on the fastest of up to 5 probes (load only adds delay)`,
      lane,
      phase: 'disruptive',
      spec: { type: 'timeout', request, instances, timeout: { declaredMs: timeout, expectedMs, toleranceMs, controls: `delay=${timeout + 1500}` } },
    });
  }
  const fault = route?.fault ?? r.fault;
  if (fault && (fault.abort || fault.delay)) {
    const tests = [
      ...(fault.abort ? [{ outcome: `aborted with ${fault.abort.status} (flag FI)`, expected: fault.abort.percent / 100 }] : []),
      ...(fault.delay ? [{ outcome: `delayed ${fault.delay.fixedDelayMs} ms (flag DI)`, expected: fault.delay.percent / 100 }] : []),
    ];
    checks.push({
      id: `fault:${idBase}`,
      kind: 'fault',
      title: `fault injection of ${at}`,
      declaration: declarationOf(route?.fault ? route : service),
      via,
      probes: 0,
      rateCap: statCap && fault.abort ? statCap / Math.max(0.05, 1 - fault.abort.percent / 100) : statCap,
      expectation: [fault.abort && `abort ${fault.abort.percent}% with ${fault.abort.status}`, fault.delay && `delay ${fault.delay.percent}% by ${fault.delay.fixedDelayMs} ms`].filter(Boolean).join(', '),
      lane,
      phase: 'statistical',
      spec: {
        type: 'fault',
        requests: positives,
        abort: fault.abort && { status: fault.abort.status, percent: fault.abort.percent },
        delay: fault.delay && { fixedDelayMs: fault.delay.fixedDelayMs, percent: fault.delay.percent },
        tests,
      },
      resources,
    });
  }
  if (route?.mirror) {
    const m = route.mirror;
    checks.push({
      id: `mirror:${idBase}`,
      kind: 'mirror',
      title: `mirror of ${at}`,
      declaration: declarationOf(route),
      via,
      probes: 0,
      rateCap: statCap,
      expectation: `${m.percent}% of requests copied to ${m.destination.service.name}${m.destination.version ? ` ${m.destination.version}` : ''}; the caller's responses unchanged`,
      lane,
      phase: 'statistical',
      spec: { type: 'mirror', requests: positives, mirror: { ...ref(m.destination.service), version: m.destination.version }, percent: m.percent, tests: [{ outcome: 'mirrored copy arrived', expected: m.percent / 100 }] },
      resources,
    });
  }
  if (route?.rateLimit) {
    const rl = route.rateLimit;
    checks.push({
      id: `rate-limit:${route.path}`,
      kind: 'rate-limit',
      title: `rate limit of ${at} (each calling instance)`,
      declaration: declarationOf(route),
      via,
      probes: Math.ceil(32 + rl.burst * 3 + Math.min(rl.burst, rl.requests) * 2),
      expectation: `${rl.requests} requests per ${rl.perMs} ms, burst ${rl.burst}, in one caller instance: the rest get 429 (flag RL) — ceiling within 10 %, then the refill`,
      lane,
      phase: 'exclusive',
      spec: { type: 'rate-limit', request, scope: 'route', buckets: 1, burst: rl.burst, requests: rl.requests, perMs: rl.perMs },
      resources: [`route-bucket:${route.path}`],
    });
  }
}

/**
 * mTLS, the authorization matrix and JWT cases, for every service with an HTTP port (gRPC and
 * TCP services: ./stream-security.ts). Probes go
 * straight to a receiving instance's inbound listener with a caller's workload certificate (its
 * identity) — locally the verifier holds the throwaway CA's certificates — and a token signed
 * with the local key that replaced the declared JWKS.
 */
function planSecurity(model: MeshModel, checks: PlannedCheck[], skip: Skip): void {
  for (const service of model.services) {
    const port = service.ports.find((p) => p.protocol === 'http' || p.protocol === 'http2');
    if (!port) {
      const stream = service.ports.find((p) => p.protocol === 'grpc' || p.protocol === 'tcp');
      if (stream) planStreamSecurity(model, service, { authority: `${service.name}.${service.namespace}:${stream.port}`, ...tokenFor(service) }, checks, skip);
      else if (service.security.mtls !== undefined || service.security.authorization.length > 0) skip('mtls', service, `"${service.name}" has no HTTP, gRPC or TCP port; its mTLS and authorization are not probed`);
      continue;
    }
    const lane = `${service.namespace}/${service.name}`;
    const callers = declaredCallers(model, service);
    const via: Via = { caller: ref(callers[0] ?? service), authority: `${service.name}.${service.namespace}:${port.port}`, ...tokenFor(service) };
    const mode = service.security.mtls ?? model.security.mtls;
    const probe: ProbeRequest = { method: 'GET', path: '/weft-security-probe', headers: {} };
    const node = service.security.mtls !== undefined ? service : { path: model.name, location: model.location ?? service.location };
    checks.push({
      id: `mtls:${service.path}`,
      kind: 'mtls',
      title: `mTLS ${mode} of ${service.name}.${service.namespace}`,
      declaration: declarationOf(node),
      via,
      probes: callers.length ? 2 : 1,
      expectation: mode === 'strict' ? 'a plaintext request is refused; mTLS with a declared caller identity is served' : 'a plaintext request is served',
      lane,
      phase: 'deterministic',
      spec: { type: 'mtls', service: ref(service), mode, request: probe, control: callers[0] && ref(callers[0]) },
    });
    const rules = service.security.authorization;
    if (model.security.authorization === 'deny-by-default' || rules.length > 0) {
      const ops: { method: string; path: string; claims?: Record<string, string[]> }[] = [{ method: 'GET', path: '/weft-authz-probe' }];
      for (const r of rules) {
        const p = r.to.paths?.[0];
        ops.push({ method: r.to.methods?.[0] ?? 'GET', path: p === undefined || p === '*' ? '/weft-authz-probe' : p.endsWith('*') ? `${p.slice(0, -1)}weft` : p.startsWith('*') ? `/weft${p.slice(1)}` : p, claims: r.from.jwtClaims });
      }
      const identities: (Service | undefined)[] = [...model.services.filter((s, i, all) => all.findIndex((o) => o.namespace === s.namespace && o.serviceAccount === s.serviceAccount) === i), ...(mode === 'strict' ? [] : [undefined])];
      const cells: AuthzProbe[] = [];
      for (const caller of identities) {
        for (const op of ops) {
          const d = authorize(model, service, { caller, method: op.method, path: op.path, claims: op.claims ?? (service.security.jwt.length ? {} : undefined) });
          cells.push({ name: `${caller?.name ?? '(no identity)'} ${op.method} ${op.path}${op.claims ? ` ${JSON.stringify(op.claims)}` : ''}`, caller: caller && ref(caller), request: { method: op.method, path: op.path, headers: {} }, claims: op.claims, allowed: d.allowed, because: d.because });
        }
      }
      const declared = [...rules.map((r) => r)];
      checks.push({
        id: `authorization:${service.path}`,
        kind: 'authorization',
        title: `authorization matrix of ${service.name}.${service.namespace}`,
        declaration: declarationOf(declared[0] ?? node),
        via,
        probes: cells.length,
        expectation: `${cells.filter((c) => c.allowed).length} allowed / ${cells.filter((c) => !c.allowed).length} denied (403) of ${cells.length} caller × request cells`,
        lane,
        phase: 'deterministic',
        spec: { type: 'authorization', service: ref(service), cells },
      });
    }
    const jwt = service.security.jwt[0];
    if (jwt) {
      const required = service.security.jwt.some((j) => j.required);
      const kinds: JwtCase[] = [
        { kind: 'valid', accepted: true },
        { kind: 'expired', accepted: false },
        { kind: 'not-yet-valid', accepted: false },
        { kind: 'wrong-issuer', accepted: false },
        ...(jwt.audiences.length ? [{ kind: 'wrong-audience' as const, accepted: false }] : []),
        { kind: 'bad-signature', accepted: false },
        { kind: 'alg-none', accepted: false },
        { kind: 'missing', accepted: !required },
      ];
      const caller = callers[0];
      if (!caller) skip('jwt', jwt, `JWT rule "${jwt.name}": no declared caller identity to send the cases with`);
      else {
        checks.push({
          id: `jwt:${jwt.path}`,
          kind: 'jwt',
          title: `JWT rule "${jwt.name}" of ${service.name}.${service.namespace}`,
          declaration: declarationOf(jwt),
          via,
          probes: kinds.length,
          expectation: `valid token served; expired, not yet valid, wrong issuer${jwt.audiences.length ? ', wrong audience' : ''}, bad signature, alg none rejected (401); missing token ${required ? 'rejected' : 'passes to authorization'}`,
          lane,
          phase: 'deterministic',
          spec: { type: 'jwt', service: ref(service), caller: ref(caller), request: { method: 'GET', path: '/weft-jwt-probe', headers: {} }, cases: kinds },
        });
      }
    }
  }
}

export function describeOutcome(o: Outcome): string {
  if (o.kind === 'redirect') return `${o.route}: redirect ${o.status}${o.path ? ` to ${o.path}` : ''}`;
  if (o.kind === 'direct-response') return `${o.route}: direct response ${o.status}${o.body !== undefined ? ` "${o.body}"` : ''}`;
  const dest = o.destinations.map((d) => `${o.service.name}${d.version ? ` ${d.version}` : ''}${o.destinations.length > 1 ? ` ${d.weight}%` : ''}`).join(' / ');
  const extras = [
    o.rewrittenPath !== undefined && `path rewritten to ${o.rewrittenPath}`,
    o.requestHeaders && 'request headers rewritten',
    o.responseHeaders && 'response headers rewritten',
  ].filter(Boolean);
  return `${o.route} → ${dest}${extras.length ? ` (${extras.join(', ')})` : ''}`;
}

export { DEFAULT_ROUTE, routeId };
