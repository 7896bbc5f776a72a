import { serviceKey, type ServiceRef } from '../../model/common';
import type { MeshModel } from '../../model/mesh';
import type { Service } from '../../model/service';
import type { Route } from '../../model/traffic';
import { callGraphOf, type CallGraph } from '../../model/calls';
import { sameService } from '../../model/common';
import { canonicalHost, serviceOfHost } from '../../model/hosts';
import { memoized } from '../../model/memo';

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

/** The delegations of a model, computed once per model (model/memo.ts). Do not mutate the result. */
export const delegationsOfModel: (model: MeshModel) => readonly Delegation[] = memoized('delegations', (model) => delegationsOf(model, callGraphOf(model)));

export function delegationsOf(model: MeshModel, graph: CallGraph = callGraphOf(model)): Delegation[] {
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
  const a = admissionOf(target);
  return a.anyone || a.services.has(serviceKey(caller)) || a.namespaces.has(caller.namespace);
}

interface Admission {
  /** Some allow rule does not restrict the source identity. */
  readonly anyone: boolean;
  readonly services: ReadonlySet<string>;
  readonly namespaces: ReadonlySet<string>;
}

/** The identities the allow rules of a service name, indexed once per service object. */
const admissions = new WeakMap<Service, Admission>();
function admissionOf(target: Service): Admission {
  const cached = admissions.get(target);
  if (cached && Object.isFrozen(target.security.authorization)) return cached;
  let anyone = false;
  const services = new Set<string>();
  const namespaces = new Set<string>();
  for (const r of target.security.authorization) {
    if (r.action !== 'allow') continue;
    for (const s of r.from.services ?? []) services.add(serviceKey(s));
    for (const n of r.from.namespaces ?? []) namespaces.add(n);
    if (!r.from.services?.length && !r.from.namespaces?.length) anyone = true;
  }
  const admission = { anyone, services, namespaces };
  admissions.set(target, admission);
  return admission;
}
