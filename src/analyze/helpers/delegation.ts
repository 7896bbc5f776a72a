import { serviceKey, type ServiceRef } from '../../model/common';
import type { MeshModel } from '../../model/mesh';
import type { Service } from '../../model/service';
import type { Route } from '../../model/traffic';
import { CallGraph, sameService } from './calls';
import { canonicalHost, serviceOfHost } from './hosts';

/**
 * A mesh-bound route that hands a service's traffic to another service. Routing happens in the
 * caller's proxy (Istio applies a VirtualService on the client side; so do Consul's and Weft's
 * proxies), so a caller C of service T whose route forwards or mirrors to D sends the request to D
 * itself, with C's identity. D's authorization sees C, not T.
 */
export interface Delegation {
  readonly route: Route;
  readonly owner: Service;
  /** The service whose host the route is for. */
  readonly host: Service;
  readonly to: ServiceRef;
  readonly kind: 'forward' | 'mirror';
  /** Callers of `host` that can take this route (its `from` conditions permitting). */
  readonly callers: readonly Service[];
}

export function delegationsOf(model: MeshModel, graph = new CallGraph(model)): Delegation[] {
  const known = new Set(model.services.map(serviceKey));
  const out: Delegation[] = [];
  for (const owner of model.services)
    for (const route of owner.routes) {
      const targets: Array<{ to: ServiceRef; kind: 'forward' | 'mirror' }> = [];
      if (route.action.kind === 'forward') for (const d of route.action.destinations) targets.push({ to: d.service, kind: 'forward' });
      if (route.mirror) targets.push({ to: route.mirror.destination.service, kind: 'mirror' });
      const hosts = new Set(route.hosts.map((h) => canonicalHost(h, owner.namespace, model)));
      for (const h of hosts) {
        const host = serviceOfHost(h, model);
        if (!host) continue; // a route for a host outside the mesh has no callers Weft knows
        const callers = graph.callersOf(host).filter((c) => takesRoute(route, c));
        const seen = new Set<string>();
        for (const t of targets) {
          const k = `${t.kind}|${serviceKey(t.to)}`;
          if (seen.has(k) || sameService(t.to, host) || !known.has(serviceKey(t.to))) continue;
          seen.add(k);
          out.push({ route, owner, host, to: t.to, kind: t.kind, callers });
        }
      }
    }
  return out;
}

/** Whether requests from `caller` can match the route: some clause does not restrict the source, or names it. */
function takesRoute(route: Route, caller: Service): boolean {
  if (route.match.length === 0) return true;
  return route.match.some((m) => !m.sourceService || sameService(m.sourceService, caller));
}

/**
 * Whether an allow rule on `target` may admit `caller` by identity: it names the caller or its
 * namespace, or does not restrict the source identity at all. A rule that may admit counts, so
 * that nothing is reported that the user has already allowed.
 */
export function allowRuleAdmits(target: Service, caller: Service): boolean {
  return target.security.authorization.some(
    (r) =>
      r.action === 'allow' &&
      ((r.from.services ?? []).some((s) => sameService(s, caller)) ||
        (r.from.namespaces ?? []).includes(caller.namespace) ||
        (!(r.from.services?.length) && !(r.from.namespaces?.length))),
  );
}
