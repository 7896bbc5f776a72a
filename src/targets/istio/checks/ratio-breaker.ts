import { formatMillis } from '../../../model/duration';
import type { IstioContext } from '../common';

/**
 * WEFT849: what Istio's failure-percentage outlier detection (ratio-breaker-envoy-filter.ts)
 * does differently from the declared ratio breaker, named with the declared numbers.
 */
export function checkRatioBreakers(ic: IstioContext): void {
  for (const s of ic.model.services) {
    const r = s.resilience.circuitBreaker?.ratio;
    if (!r) continue;
    ic.report(
      'WEFT849',
      s,
      `the ratio breaker of service "${s.name}" becomes Envoy's failure-percentage outlier detection in Istio: a host (not the service) is ejected when at least ${Math.ceil(r.failureRatioPercent)}% of its requests failed in one ${formatMillis(r.windowMs)} interval (not a sliding window) with at least ${r.minRequests} requests to that host; it stays out ${formatMillis(r.openMs)} times its number of ejections, then takes full traffic again: there are no ${r.halfOpenProbes} half-open probe requests`,
      'keep the ratio breaker for weft environments; for Istio, read it as per-host ejection and size minRequests per host',
    );
  }
}
