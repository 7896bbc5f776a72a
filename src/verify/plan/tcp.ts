/**
 * The plan for a TCP service: probes are raw TCP connections through the caller's outbound TCP
 * listener for the service (the weft target names it `<namespace>/<service>:<port>`), answered
 * by the echo's TCP mode, which writes who answered first (src/echo/tcp.ts).
 * - routing: every connection reaches the versions the service's first route sends to (TCP routes
 *   match no request, so the first route takes all), and its bytes come back;
 * - a split on that route: the versions' shares of connections, by the same binomial test and
 *   sample sizes as HTTP splits (in the same Holm family);
 * - the connection limit (the breaker's maxConnections, the caller's listener limit in weft):
 *   past it a new connection is closed at once, before the echo can name itself.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#TCPRoute
 */
import type { Service } from '../../model/service';
import type { CheckKind } from '../report';
import { declarationOf } from './declaration';
import { splitCheck, weightsByVersion } from './split';
import type { PlannedCheck, Via } from './types';

/** Connections a limit check holds at most, and the ones it sends past the limit. */
const MAX_HELD = 400;
const EXTRA_CONNECTIONS = 5;

/** Connections of the routing check. */
const ROUTE_CONNECTIONS = 10;

type Skip = (kind: CheckKind, node: Parameters<typeof declarationOf>[0], reason: string) => void;

export function planTcpService(service: Service, caller: Service, lane: string, checks: PlannedCheck[], skip: Skip): void {
  const port = service.ports.find((p) => p.protocol === 'tcp')!;
  const listener = `${service.namespace}/${service.name}:${port.port}`;
  const via: Via = { caller: { name: caller.name, namespace: caller.namespace }, authority: `${service.name}.${service.namespace}:${port.port}` };
  const route = service.routes[0];
  for (const r of service.routes.slice(1)) skip('route', r, `TCP route "${r.name}" of "${service.name}": the first TCP route takes every connection, so no probe reaches this one`);
  const action = route?.action;
  if (route && action?.kind !== 'forward') {
    skip('route', route, `TCP route "${route.name}" of "${service.name}": a ${action?.kind ?? 'missing'} action on a TCP route is not probed`);
    return;
  }
  const destinations = action?.kind === 'forward' ? action.destinations.filter((d) => d.service.name === service.name && d.service.namespace === service.namespace) : [];
  const versions = [...new Set(destinations.map((d) => d.version).filter((v): v is string => v !== undefined))];
  const node = route ?? service;
  const at = `${route ? `TCP route "${route.name}"` : 'the default TCP route'} of ${service.name}.${service.namespace}`;
  const idBase = route ? route.path : `${service.path}:default`;
  const ref = { name: service.name, namespace: service.namespace };
  checks.push({
    id: `route:${idBase}:tcp`,
    kind: 'route',
    title: `TCP connections to ${at}`,
    declaration: declarationOf(node),
    via,
    probes: ROUTE_CONNECTIONS,
    expectation: `${ROUTE_CONNECTIONS} connections through ${caller.name}'s TCP listener ${listener} answered by ${service.name}${versions.length ? ` ${versions.join(' or ')}` : ''}, bytes echoed`,
    lane,
    phase: 'deterministic',
    spec: { type: 'tcp-route', service: ref, listener, route: at, ...(versions.length ? { versions } : {}), connections: ROUTE_CONNECTIONS },
  });
  const limit = service.resilience.circuitBreaker?.maxConnections;
  if (limit !== undefined && limit <= MAX_HELD) {
    checks.push({
      id: `circuit-breaker:${service.path}:tcp-connections`,
      kind: 'circuit-breaker',
      title: `TCP connection limit of ${service.name}.${service.namespace}`,
      declaration: declarationOf(service),
      via,
      probes: limit + EXTRA_CONNECTIONS + 1,
      expectation: `with ${limit} connections open through one ${caller.name} instance's listener ${listener}, ${EXTRA_CONNECTIONS} more are closed at once (overflow, UO); once they are released a new one is served`,
      lane,
      phase: 'disruptive',
      spec: { type: 'tcp-limit', service: ref, listener, limit },
    });
  } else if (limit !== undefined) {
    skip('circuit-breaker', service, `the TCP connection limit of "${service.name}" (${limit}) is above the verifier's bound of ${MAX_HELD} connections held at once`);
  }
  if (route && versions.length > 1) {
    checks.push(
      splitCheck({ id: `split:${idBase}:tcp`, title: `TCP split of ${at}`, declaration: declarationOf(route), via, lane }, weightsByVersion(destinations), {
        requests: [],
        service: ref,
        protocol: 'tcp',
        listener,
      }),
    );
  }
  // Connections the other checks open count against the limit: keep the lane in strict order,
  // each check below half the limit (as the HTTP pool limits do, ./derive.ts).
  if (limit !== undefined) {
    for (const c of checks) {
      if (c.lane !== lane) continue;
      c.isolated = true;
      if (c.spec.type !== 'tcp-limit') c.concurrency = Math.max(1, Math.floor(limit / 2));
    }
  }
}
