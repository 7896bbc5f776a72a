/**
 * Probes for gateway routes (cluster mode): for every route of every gateway, the positive
 * request and one near miss per condition, sent straight to the cluster's ingress gateway with
 * the route's host, each expected to get what the gateway's routes say — the first route of
 * that gateway (in declaration order) whose clauses match, or 404 when none does (Istio's and
 * the weft gateway's answer for an unrouted request). A forward is judged at the echo behind it
 * (service and version), like in-mesh routes.
 *
 * The local mesh runs no ingress gateway, so `--local` lists gateway routes as not verified. A
 * gateway that terminates TLS is probed only when the target URL is https (and a plain one only
 * over http): one scheme per run.
 * @see https://istio.io/latest/docs/reference/config/networking/gateway/
 */
import type { MeshModel } from '../../model/mesh';
import type { Route } from '../../model/traffic';
import { declarationOf } from './declaration';
import { clauseRequests } from './requests';
import { outcomeOf, routeMatches } from './route-eval';
import type { Outcome, PlannedCheck, ProbeRequest, RoutingProbe, Via } from './types';
import type { CheckKind } from '../report';

type Skip = (kind: CheckKind, node: Parameters<typeof declarationOf>[0], reason: string) => void;
type Distinguish = (expected: Outcome, alternative: Outcome) => Pick<RoutingProbe, 'expected' | 'repeat' | 'alternative'>;

export function planGatewayRoutes(model: MeshModel, scheme: 'http' | 'https' | undefined, distinguish: Distinguish, skip: Skip): PlannedCheck[] {
  const checks: PlannedCheck[] = [];
  for (const gateway of model.gateways) {
    if (!scheme) {
      for (const r of gateway.routes) skip('route', r, `gateway "${gateway.name}": the local mesh runs no ingress gateway; gateway routes are probed in cluster mode (--target URL of the gateway)`);
      continue;
    }
    if ((gateway.tls !== undefined) !== (scheme === 'https')) {
      for (const r of gateway.routes) skip('route', r, `gateway "${gateway.name}" serves ${gateway.tls ? 'https' : 'plain http'}; this run's target is ${scheme}: run --target ${gateway.tls ? 'https' : 'http'}://… to probe it`);
      continue;
    }
    const host = gateway.hosts.find((h) => !h.includes('*'));
    if (!host) {
      for (const r of gateway.routes) skip('route', r, `gateway "${gateway.name}" declares only wildcard hosts (${gateway.hosts.join(', ')}); a probe needs a concrete Host`);
      continue;
    }
    const caller = { namespace: gateway.namespace, name: gateway.name };
    const via: Via = { caller, authority: host, gateway: true };
    const routes = gateway.routes.filter((r) => r.hosts.includes(host) || r.hosts.some((h) => h.startsWith('*') && host.endsWith(h.slice(1))));
    const expected = (request: ProbeRequest, without?: Route): Outcome => {
      const route = routes.find((r) => r !== without && routeMatches(r, request, caller));
      if (!route) return { kind: 'direct-response', route: `${gateway.name}/(no route)`, status: 404 };
      return gatewayOutcome(model, gateway.name, route, request);
    };
    for (const route of routes) {
      const probes: RoutingProbe[] = [];
      (route.match.length === 0 ? [{}] : route.match).forEach((clause, i) => {
        const built = clauseRequests(clause);
        if (!built.positive) return skip('route', route, `gateway route "${route.name}": ${built.unbuildable}`);
        const suffix = route.match.length > 1 ? ` (clause ${i + 1})` : '';
        probes.push({ name: `positive${suffix}`, ...distinguish(expected(built.positive), expected(built.positive, route)), request: built.positive });
        for (const miss of built.nearMisses) probes.push({ name: `${miss.name}${suffix}`, ...distinguish(expected(miss.request), gatewayOutcome(model, gateway.name, route, miss.request)), request: miss.request });
      });
      if (probes.length === 0) continue;
      const kind: CheckKind = route.action.kind === 'redirect' ? 'redirect' : route.action.kind === 'direct-response' ? 'direct-response' : 'route';
      checks.push({
        id: `${kind}:${route.path}`,
        kind,
        title: `route "${route.name}" of gateway ${gateway.name} (${host})`,
        declaration: declarationOf(route),
        via,
        probes: probes.reduce((n, p) => n + p.repeat, 0),
        expectation: `through the ingress gateway with Host ${host}: ${probes.length} probe(s), the route the gateway's routes say (404 where none matches)`,
        lane: `gateway/${gateway.namespace}/${gateway.name}`,
        phase: 'deterministic',
        spec: { type: 'routing', probes },
      });
    }
  }
  return checks;
}

/** A gateway route's outcome: redirects and direct responses as declared; a forward judged by the echo of its destination. */
function gatewayOutcome(model: MeshModel, gateway: string, route: Route, request: ProbeRequest): Outcome {
  const a = route.action;
  const id = `${gateway}/${route.name}`;
  if (a.kind !== 'forward') return { ...outcomeOf(model.services[0]!, route, request), route: id };
  const dest = a.destinations[0]!.service;
  const service = model.services.find((s) => s.namespace === dest.namespace && s.name === dest.name);
  if (!service) return { kind: 'direct-response', route: id, status: 503 };
  return { ...outcomeOf(service, route, request), route: id };
}
