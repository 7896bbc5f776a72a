import type { Rule } from '../rule';

/**
 * A circuit breaker without an ejection trigger. Weft emits outlier detection only for the
 * triggers declared (`consecutive5xx`, `consecutiveGatewayErrors`), so a breaker with neither
 * ejects no endpoint: interval, base ejection and max ejection percent do nothing, and only the
 * connection-pool limits (if any) apply. Envoy would otherwise fall back to its own default of 5
 * consecutive 5xx, which is not what the declaration says.
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#OutlierDetection
 */
export const circuitBreaker: Rule = {
  id: 'circuit-breaker',
  codes: { WEFT204: { severity: 'warning', title: 'circuit breaker without ejection trigger' } },
  check(ctx) {
    for (const s of ctx.model.services) {
      const cb = s.resilience.circuitBreaker;
      // A ratio breaker is a trigger of its own (Istio: failure-percentage ejection, WEFT849).
      if (!cb || cb.consecutive5xx !== undefined || cb.consecutiveGatewayErrors !== undefined || cb.ratio !== undefined) continue;
      const limits = [cb.maxConnections, cb.maxPendingRequests, cb.maxRequests, cb.maxRequestsPerConnection].some((x) => x !== undefined);
      ctx.report(
        'WEFT204',
        s,
        `the circuit breaker of service "${s.name}" sets neither consecutive5xx nor consecutiveGatewayErrors, so outlier detection is disabled and no endpoint is ever ejected${limits ? '; only its connection limits apply' : '; the breaker does nothing'}`,
        'add consecutive5xx (e.g. 5) or consecutiveGatewayErrors to eject failing endpoints',
      );
    }
  },
};
