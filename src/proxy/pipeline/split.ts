/**
 * Weighted split between destinations (Istio HTTPRouteDestination.weight): one destination is
 * drawn per request, before retries, so that all attempts of a request go to the same
 * service/subset as in Envoy's weighted_clusters.
 */
import type { EndpointSet } from '../cluster/endpoint-set';
import type { Step } from './types';

export function splitStep(targets: ReadonlyArray<{ set: EndpointSet; weight: number }>): Step {
  const live = targets.filter((t) => t.weight > 0);
  if (live.length === 1) {
    const only = live[0]!.set;
    return (next) => (ex, handler) => {
      ex.target = only;
      next(ex, handler);
    };
  }
  const cumulative: number[] = [];
  let total = 0;
  for (const t of live) cumulative.push((total += t.weight));
  return (next) => (ex, handler) => {
    const r = Math.random() * total;
    let i = 0;
    while (i < live.length - 1 && r >= cumulative[i]!) i++;
    ex.target = live[i]!.set;
    next(ex, handler);
  };
}
