import type { LoadBalancer } from '../../model/resilience';
import type { Service } from '../../model/service';
import { SyncWave } from '../sync-waves';
import type { Manifest } from '../target';
import { compact, consulName, crd, goDuration, type ConsulContext } from './common';
import type { ChainPlan } from './routing';

type Obj = Record<string, unknown>;

/**
 * ServiceResolver: one subset per version, selected by the `version` service meta that the
 * Kubernetes wiring (`consul.hashicorp.com/service-meta-version`) and the VM service definitions
 * set; the default subset, load balancer and request timeout. Subsets exist before the
 * splitters and routers that name them ("make before break", sync wave `destinations`).
 * @see https://developer.hashicorp.com/consul/docs/connect/config-entries/service-resolver
 * @see https://developer.hashicorp.com/consul/api-docs/features/filtering (Service.Meta.<key> == "value")
 */
export function serviceResolvers(cc: ConsulContext, plans: Map<string, ChainPlan>): Manifest[] {
  return [...plans.values()].map(({ service: s, defaultSubset }) => {
    const subsets: Obj = {};
    for (const v of s.versions) subsets[v.name] = { filter: `Service.Meta.version == "${v.name}"` };
    return crd(cc.model, 'ServiceResolver', consulName(s), s.namespace, s.name, SyncWave.destinations,
      compact({
        subsets,
        defaultSubset,
        loadBalancer: s.resilience.loadBalancer && loadBalancer(s.resilience.loadBalancer),
        requestTimeout: s.resilience.timeoutMs === undefined || s.ports[0]!.protocol === 'tcp' ? undefined : goDuration(s.resilience.timeoutMs),
      }),
    );
  });
}

/**
 * `LoadBalancer`: Envoy's policies by their Consul names; a consistent hash is `ring_hash` with
 * one hash policy (header, cookie with TTL and path, query parameter, or source IP). A cookie
 * without a TTL is a generated session cookie (`cookieConfig.session`).
 * @see https://developer.hashicorp.com/consul/docs/connect/config-entries/service-resolver#loadbalancer
 */
function loadBalancer(lb: LoadBalancer): Obj {
  switch (lb.policy) {
    case 'round-robin':
      return { policy: 'round_robin' };
    case 'least-request':
      return { policy: 'least_request' };
    case 'random':
      return { policy: 'random' };
    case 'consistent-hash': {
      const h = lb.hashOn;
      const hash: Obj =
        h.kind === 'header'
          ? { field: 'header', fieldValue: h.name }
          : h.kind === 'cookie'
            ? // No (or a zero) ttl: a generated session cookie. Consul's `ttl` of 0 would generate none.
              compact({ field: 'cookie', fieldValue: h.name, cookieConfig: compact({ session: h.ttlMs ? undefined : true, ttl: h.ttlMs ? goDuration(h.ttlMs) : undefined, path: h.path }) })
            : h.kind === 'query'
              ? { field: 'query_parameter', fieldValue: h.name }
              : { sourceIP: true };
      return compact({
        policy: 'ring_hash',
        ringHashConfig: lb.ringSize === undefined ? undefined : { minimumRingSize: lb.ringSize },
        hashPolicies: [hash],
      });
    }
  }
}

/** ServiceSplitter per planned split: the service's own and virtual ones. */
export function serviceSplitters(cc: ConsulContext, plans: Map<string, ChainPlan>): Manifest[] {
  return [...plans.values()].flatMap(({ splitters }) =>
    splitters.map((p) => crd(cc.model, 'ServiceSplitter', p.name, p.service.namespace, p.service.name, SyncWave.routes, { splits: p.splits })),
  );
}

/**
 * A virtual service (the target of a matched split) needs its protocol declared like any other:
 * a splitter only works on an L7 protocol.
 * @see https://developer.hashicorp.com/consul/docs/connect/config-entries/service-splitter#requirements
 */
export function virtualServiceDefaults(cc: ConsulContext, plans: Map<string, ChainPlan>): Manifest[] {
  return [...plans.values()].flatMap(({ service: s, splitters }) =>
    splitters
      .filter((p) => p.name !== consulName(s))
      .map((p) => crd(cc.model, 'ServiceDefaults', p.name, s.namespace, s.name, SyncWave.destinations, { protocol: s.ports[0]!.protocol })),
  );
}

/** ServiceRouter for every service with router routes, in declared order. */
export function serviceRouters(cc: ConsulContext, plans: Map<string, ChainPlan>): Manifest[] {
  return [...plans.values()]
    .filter((p) => p.routes.length > 0)
    .map(({ service: s, routes }: { service: Service; routes: Obj[] }) => crd(cc.model, 'ServiceRouter', consulName(s), s.namespace, s.name, SyncWave.routes, { routes }));
}
