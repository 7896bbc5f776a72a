import { serviceKey } from '../../model/common';
import { clauseCovers, clausesOf } from '../../model/match';
import type { MeshModel } from '../../model/mesh';
import type { Service } from '../../model/service';
import type { Match, Route } from '../../model/traffic';
import * as describe from './describe';
import { lookupOf } from './lookup';

/** The routes that answer one host, in the order the first match is taken. */
export interface HostRoutes {
  /** `order-service.commerce` for a service, `shop.example.com via gateway public` for a gateway host. */
  readonly host: string;
  readonly routes: readonly Route[];
  /** The service whose host this is: its resilience is the envelope of its routes and its default. */
  readonly service?: Service;
}

/** What happens to one request class on one host. Every field is display text, compared as is. */
export interface ClassOutcome {
  route: string;
  action: string;
  /** `service version` (or `service *` for all versions) → percent; forwards only. */
  weights: ReadonlyMap<string, number>;
  timeout: string;
  retries: string;
  breaker: string;
  rateLimit: string;
  fault: string;
  mirror: string;
  /** For the risk check: the fault percentages. */
  faultPercent: { delay: number; abort: number };
}

export const hostOfService = (s: Pick<Service, 'name' | 'namespace'>) => `${s.name}.${s.namespace}`;

/**
 * Every host of the model with its routes: each service (its own routes, in declaration order)
 * and each gateway host (the gateway's routes). First match wins on both, as in Istio's
 * VirtualService and the Weft proxy.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#VirtualService (http: "first rule to match")
 */
export function hostsOf(model: MeshModel): Map<string, HostRoutes> {
  const out = new Map<string, HostRoutes>();
  for (const s of model.services) out.set(hostOfService(s), { host: hostOfService(s), routes: s.routes, service: s });
  for (const g of model.gateways)
    for (const h of g.hosts) {
      const host = `${h} via gateway ${g.name}`;
      out.set(host, { host, routes: g.routes });
    }
  return out;
}

/** The request classes a host's routes define: each clause of each route, and `any request`. */
export function classesOf(routes: readonly Route[]): Match[] {
  return [...routes.flatMap(clausesOf), {}];
}

/** The route that takes every request of `clause`: the first one with a clause covering it. */
export function winnerOf(routes: readonly Route[], clause: Match): Route | undefined {
  return routes.find((r) => clausesOf(r).some((k) => clauseCovers(k, clause)));
}

/**
 * Routes no request reaches: every clause is taken whole by an earlier route. Reported with
 * the route that shadows it.
 */
export function unreachable(routes: readonly Route[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of routes) {
    const winners = clausesOf(r).map((k) => winnerOf(routes, k));
    if (winners.every((w) => w && w !== r)) out.set(r.name, winners[0]!.name);
  }
  return out;
}

/** The outcome of a request class on a host. */
export function outcomeOf(model: MeshModel, host: HostRoutes, clause: Match): ClassOutcome {
  const route = winnerOf(host.routes, clause);
  const svc = host.service;
  const byKey = (ref: { namespace: string; name: string }) => lookupOf(model).byKey.get(serviceKey(ref));
  const weights = new Map<string, number>();
  let action: string;
  if (!route) {
    if (svc) {
      // No route takes it: the Kubernetes Service spreads it over every version's pods.
      weights.set(`${svc.name} *`, 100);
      action = 'forward (no route: every version, by pod count)';
    } else action = 'no route (404)';
  } else if (route.action.kind === 'forward') {
    action = 'forward';
    for (const d of route.action.destinations) {
      const key = `${d.service.name} ${d.version ?? '*'}`;
      weights.set(key, (weights.get(key) ?? 0) + d.weight);
    }
  } else if (route.action.kind === 'redirect') {
    const a = route.action;
    action = `redirect ${a.status} to ${[a.scheme ? `${a.scheme}://` : '', a.authority ?? '', a.port ? `:${a.port}` : '', a.uri ?? ''].join('') || '(same URL)'}`;
  } else {
    action = `direct response ${route.action.status}`;
  }
  const destinations = route?.action.kind === 'forward' ? route.action.destinations.map((d) => byKey(d.service)).filter((s): s is Service => !!s) : svc && !route ? [svc] : [];
  const uniqueDest = [...new Map(destinations.map((s) => [serviceKey(s), s])).values()];
  const breakers = uniqueDest.filter((s) => s.resilience.circuitBreaker).map((s) => `${s.name}: ${describe.breaker(s.resilience.circuitBreaker)}`);
  const fault = route?.fault ?? svc?.resilience.fault;
  return {
    route: route ? `"${route.name}"` : '(none)',
    action,
    weights,
    timeout: describe.timeout(route?.timeoutMs ?? svc?.resilience.timeoutMs),
    retries: describe.retries(route?.retries ?? svc?.resilience.retries),
    breaker: breakers.length ? breakers.join('; ') : 'none',
    rateLimit: describe.rateLimit(route?.rateLimit ?? svc?.resilience.rateLimit),
    fault: describe.fault(fault),
    mirror: route?.mirror ? `${route.mirror.percent}% to ${route.mirror.destination.service.name} ${route.mirror.destination.version ?? '*'}` : 'none',
    faultPercent: { delay: fault?.delay?.percent ?? 0, abort: fault?.abort?.percent ?? 0 },
  };
}
