/** Builds the configured load balancer for a list of (healthy) endpoints. */
import type { Endpoint } from '../cluster/endpoint';
import type { LoadBalancerConfig } from '../config/schema';
import { hashKey } from './hash-key';
import { LeastRequest } from './least-request';
import { Maglev } from './maglev';
import { RandomLb } from './random';
import { RingHash } from './ring-hash';
import { RoundRobin } from './round-robin';
import type { LoadBalancer } from './types';

export type { LoadBalancer } from './types';

export function createLoadBalancer(config: LoadBalancerConfig, endpoints: readonly Endpoint[]): LoadBalancer {
  switch (config.type) {
    case 'round-robin':
      return new RoundRobin(endpoints);
    case 'least-request':
      return new LeastRequest(endpoints, config.choiceCount);
    case 'random':
      return new RandomLb(endpoints);
    case 'consistent-hash': {
      const key = hashKey(config.hashOn);
      return config.algorithm === 'maglev' ? new Maglev(endpoints, key, config.tableSize) : new RingHash(endpoints, key, config.minimumRingSize);
    }
  }
}
