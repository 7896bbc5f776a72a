/**
 * The plan for a gRPC service: probes are unary calls of the echo's `weft.echo.v1.Echo/Call`
 * (every local echo of a gRPC service serves it), sent through the caller's outbound proxy.
 * - routing: the route the model matches for that method's request (POST
 *   `/weft.echo.v1.Echo/Call`, content-type application/grpc) must answer, from the versions it
 *   names; routes that match other methods cannot be reached by the echo's one method;
 * - a split on that route: the shares of the answering versions, by the same binomial test and
 *   sample sizes as HTTP splits (in the same Holm family);
 * - retry-on gRPC classes (Envoy x-envoy-retry-grpc-on): a call failing with each class's status
 *   is tried attempts + 1 times, a status of no declared class once;
 * - the route timeout (and a per-try timeout that no declared class retries) ends the call with
 *   DEADLINE_EXCEEDED, the status the proxy maps its 504 UT to.
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/router_filter#x-envoy-retry-grpc-on
 * @see https://github.com/grpc/grpc/blob/master/doc/statuscodes.md
 */
import type { Service } from '../../model/service';
import type { CheckKind } from '../report';
import { declarationOf } from './declaration';
import { splitCheck, weightsByVersion } from './split';
import { matchingRoute, outcomeOf, expectedOutcome } from './route-eval';
import type { PlannedCheck, ProbeRequest, Via } from './types';

/** The one method the echo serves, as the proxy sees it. */
export const GRPC_ECHO_REQUEST: ProbeRequest = { method: 'POST', path: '/weft.echo.v1.Echo/Call', headers: { 'content-type': 'application/grpc' } };

/** gRPC retry classes and the status that provokes each. */
export const GRPC_CLASSES: Record<string, number> = { cancelled: 1, 'deadline-exceeded': 4, 'resource-exhausted': 8, internal: 13, unavailable: 14 };

/** Calls of the connect-failure check's `one refusing endpoint` case (as for HTTP, ../plan/derive.ts). */
const CONNECT_FAILURE_CALLS = 16;

/** Calls of the routing check: enough that a wrong version among the declared ones shows. */
const ROUTE_CALLS = 10;

type Skip = (kind: CheckKind, node: Parameters<typeof declarationOf>[0], reason: string) => void;

export function planGrpcService(service: Service, caller: Service, via: Via, lane: string, checks: PlannedCheck[], skip: Skip): void {
  const route = matchingRoute(service, GRPC_ECHO_REQUEST, caller);
  for (const r of service.routes) if (r !== route) skip('route', r, `gRPC route "${r.name}" of "${service.name}" does not match ${GRPC_ECHO_REQUEST.path}, the one method the echo serves, so no probe reaches it`);
  const outcome = route ? outcomeOf(service, route, GRPC_ECHO_REQUEST) : expectedOutcome(service, GRPC_ECHO_REQUEST, caller);
  const at = `${route ? `route "${route.name}"` : 'the default route'} of ${service.name}.${service.namespace}`;
  const idBase = route ? route.path : `${service.path}:default`;
  const node = route ?? service;
  if (outcome.kind !== 'forward') {
    skip('route', node, `${at}: a ${outcome.kind} answer to a gRPC call is not probed`);
    return;
  }
  const versions = [...new Set(outcome.destinations.map((d) => d.version).filter((v): v is string => v !== undefined))];
  if (versions.length > 1 && route) {
    checks.push(
      splitCheck(
        { id: `split:${idBase}:grpc`, title: `gRPC split of ${at}`, declaration: declarationOf(route), via, lane },
        weightsByVersion(outcome.destinations),
        { requests: [GRPC_ECHO_REQUEST], service: { name: service.name, namespace: service.namespace }, protocol: 'grpc' },
      ),
    );
  }
  checks.push({
    id: `route:${idBase}:grpc`,
    kind: 'route',
    title: `gRPC calls to ${at}`,
    declaration: declarationOf(node),
    via,
    probes: ROUTE_CALLS,
    expectation: `${ROUTE_CALLS} calls of ${GRPC_ECHO_REQUEST.path} answered OK by ${service.name}${versions.length ? ` ${versions.join(' or ')}` : ''}`,
    lane,
    phase: 'deterministic',
    spec: { type: 'grpc-route', service: { name: service.name, namespace: service.namespace }, route: outcome.route, ...(versions.length ? { versions } : {}), calls: ROUTE_CALLS },
  });

  const retries = route?.retries ?? service.resilience.retries;
  const retryNode = retries === route?.retries && route ? route : service;
  if (retries && retries.attempts > 0) {
    const A = retries.attempts;
    const declared = retries.on.filter((c) => GRPC_CLASSES[c] !== undefined);
    const cases = declared.map((c) => ({ name: `retry-on ${c}: ${A} retries of gRPC status ${GRPC_CLASSES[c]}`, status: GRPC_CLASSES[c]!, attempts: { min: A + 1, max: A + 1 } }));
    const other = Object.entries(GRPC_CLASSES).find(([c, code]) => !declared.includes(c) && code !== 1 && code !== 4);
    if (other) cases.push({ name: `gRPC status ${other[1]} (${other[0]}, not declared) is not retried`, status: other[1], attempts: { min: 1, max: 1 } });
    for (const c of retries.on.filter((x) => GRPC_CLASSES[x] === undefined && x !== 'connect-failure')) skip('retries', retryNode, `retry-on "${c}" of ${at}: an HTTP status class; a gRPC error is an HTTP 200 with grpc-status, so gRPC probes do not provoke it`);
    if (retries.on.includes('connect-failure')) {
      checks.push({
        id: `retries:${idBase}:grpc:connect-failure`,
        kind: 'retries',
        title: `gRPC retry-on connect-failure of ${at}`,
        declaration: declarationOf(retryNode),
        via,
        probes: CONNECT_FAILURE_CALLS + 2,
        expectation: `gRPC calls through a second proxy of ${via.caller.name} whose endpoints of ${service.name} include one that refuses connections: all ${CONNECT_FAILURE_CALLS} served, each reaching the echo once; with every endpoint refusing, UNAVAILABLE with flags UF, URX after ${A} retries`,
        lane,
        phase: 'deterministic',
        spec: { type: 'connect-failure', request: GRPC_ECHO_REQUEST, service: { name: service.name, namespace: service.namespace }, attempts: A, probes: CONNECT_FAILURE_CALLS, grpc: true },
      });
    }
    if (cases.length) {
      checks.push({
        id: `retries:${idBase}:grpc`,
        kind: 'retries',
        title: `gRPC retries of ${at}`,
        declaration: declarationOf(retryNode),
        via,
        probes: cases.length,
        expectation: `${A} retries on ${declared.join(', ') || '(no gRPC class)'}; counted as attempts at the echo`,
        lane,
        phase: 'disruptive',
        spec: { type: 'grpc-retries', service: { name: service.name, namespace: service.namespace }, cases },
      });
    }
  }
  const timeout = route?.timeoutMs ?? service.resilience.timeoutMs;
  const perTry = retries?.perTryTimeoutMs;
  if (timeout || perTry) {
    // A per-try timeout is retried only by the classes that cover a timed-out try (as for HTTP).
    const retried = retries && retries.attempts > 0 && ['5xx', 'gateway-error', 'reset'].some((c) => retries.on.includes(c));
    const tries = perTry ? (retried ? (retries!.attempts + 1) * perTry : perTry) : Infinity;
    const expectedMs = Math.min(timeout ?? Infinity, tries);
    const toleranceMs = Math.max(300, Math.round(expectedMs * 0.25)) + (retried ? 250 * retries!.attempts : 0);
    const declaredMs = timeout ?? perTry!;
    checks.push({
      id: `timeout:${idBase}:grpc`,
      kind: 'timeout',
      title: `gRPC timeout of ${at}`,
      declaration: declarationOf(route?.timeoutMs !== undefined ? route : service),
      via,
      probes: 2,
      expectation: `a call the echo answers after ${expectedMs + 1500} ms ends with DEADLINE_EXCEEDED after ${expectedMs} ms (${expectedMs === timeout ? 'the timeout' : 'the per-try timeout'}), tolerance −50/+${toleranceMs} ms, the upper bound on the fastest of up to 5 calls (load only adds delay)`,
      lane,
      phase: 'disruptive',
      spec: { type: 'grpc-timeout', service: { name: service.name, namespace: service.namespace }, timeout: { declaredMs, expectedMs, toleranceMs, controls: '' }, delayMs: expectedMs + 1500 },
    });
  }
}
