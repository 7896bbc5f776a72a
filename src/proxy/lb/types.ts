/** A load balancer picks one endpoint among the healthy ones of a subset. */
import type { Endpoint } from '../cluster/endpoint';
import type { Exchange } from '../exchange';

/** What a consistent-hash balancer hashes for a request (`undefined`: no key, pick at random). */
export type HashKey = (ex: Exchange) => string | undefined;

export interface LoadBalancer {
  /** `undefined` only when there is no endpoint at all. */
  pick(ex: Exchange): Endpoint | undefined;
}
