/** A load balancer picks one endpoint among the healthy ones of a subset. */
import type { Endpoint } from '../cluster/endpoint';
import type { Exchange } from '../exchange';

export interface LoadBalancer {
  /** `undefined` only when there is no endpoint at all. */
  pick(ex: Exchange): Endpoint | undefined;
}
