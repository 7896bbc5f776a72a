import type { LoadBalancer } from '../../model/resilience';
import type { ProxyConfigInput } from '../../proxy/config/schema';

type ServiceInput = NonNullable<ProxyConfigInput['services']>[number];
export type LoadBalancerInput = NonNullable<ServiceInput['loadBalancer']>;

/**
 * Istio `LoadBalancerSettings` → the proxy's `loadBalancer`. Consistent hashing uses the ring
 * hash, Istio's default for `consistentHash`, with the declared ring size as Envoy's
 * `minimum_ring_size`.
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#LoadBalancerSettings-ConsistentHashLB
 */
export function loadBalancerConfig(lb: LoadBalancer): LoadBalancerInput {
  switch (lb.policy) {
    case 'round-robin':
      return { type: 'round-robin' };
    case 'least-request':
      return { type: 'least-request' };
    case 'random':
      return { type: 'random' };
    case 'consistent-hash': {
      const h = lb.hashOn;
      const hashOn =
        h.kind === 'header'
          ? { header: h.name }
          : h.kind === 'cookie'
            ? // No declared ttl: a session cookie, which the proxy (as Envoy) generates for a ttl of 0.
              { cookie: { name: h.name, ttlMs: h.ttlMs ?? 0, ...(h.path !== undefined ? { path: h.path } : {}) } }
            : h.kind === 'query'
              ? { queryParam: h.name }
              : { sourceIp: true as const };
      return { type: 'consistent-hash', hashOn, algorithm: 'ring-hash', ...(lb.ringSize !== undefined ? { minimumRingSize: lb.ringSize } : {}) };
    }
  }
}
