import type { At } from '../../../diagnostics/location';
import type { IstioContext } from '../common';
import { isAcceptedRetryOn } from '../retry-on';
import { policyService, type VirtualServicePlan } from '../routing';

/**
 * WEFT606: a retry-on class Istio's validation rejects (a typo, or an Envoy class Istio does
 * not pass through). The class is left out of `retryOn`. Reported once where the retries are
 * declared: on the route, or on the service whose retries the route inherits.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRetry
 */
export function checkRetryOn(ic: IstioContext, plans: readonly VirtualServicePlan[]): void {
  const seen = new Set<string>();
  for (const plan of plans)
    for (const { route, policy } of plan.entries) {
      const r = policy.retries;
      if (!r || r.attempts === 0) continue;
      const service = route.retries ? undefined : policyService(ic.ctx.index, route);
      const at: At = service ?? route;
      const where = service ? `service "${service.name}"` : `route "${route.name}"`;
      for (const value of r.on) {
        const key = `${at.path}|${value}`;
        if (isAcceptedRetryOn(value) || seen.has(key)) continue;
        seen.add(key);
        ic.report(
          'WEFT606',
          at,
          `${where}: retry-on class "${value}" is not one Istio accepts; it is left out`,
          'use one of: 5xx, gateway-error, reset, reset-before-request, connect-failure, retriable-4xx, refused-stream, retriable-status-codes, retriable-headers, envoy-ratelimited, http3-post-connect-failure, cancelled, deadline-exceeded, internal, resource-exhausted, unavailable, or an HTTP status code',
        );
      }
    }
}
