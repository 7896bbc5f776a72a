import type { CircuitBreaker } from '../../model/resilience';
import type { ProxyConfigInput } from '../../proxy/config/schema';

type ServiceInput = NonNullable<ProxyConfigInput['services']>[number];
export type OutlierInput = NonNullable<ServiceInput['outlierDetection']>;
export type ConnectionPoolInput = NonNullable<ServiceInput['connectionPool']>;

/**
 * Envoy's default `consecutive_5xx`. Istio copies `consecutive5xxErrors` and
 * `consecutiveGatewayErrors` to Envoy only when they are set (pilot `applyOutlierDetection`), so
 * a DestinationRule with only `consecutiveGatewayErrors` still ejects after 5 consecutive 5xx:
 * Envoy's default stays active. Only an explicit `consecutive5xxErrors: 0` disables it.
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#OutlierDetection
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/outlier_detection.proto
 */
export const ENVOY_DEFAULT_CONSECUTIVE_5XX = 5;

/**
 * Istio `OutlierDetection` semantics. Written only when an ejection trigger is declared: a
 * circuit breaker made of connection limits alone must not start ejecting hosts. Every field is
 * written out (no proxy defaults relied on), so the file shows what the proxy does.
 */
export function outlierDetectionConfig(cb: CircuitBreaker): OutlierInput | undefined {
  if (cb.consecutive5xx === undefined && cb.consecutiveGatewayErrors === undefined) return undefined;
  return {
    consecutive5xxErrors: cb.consecutive5xx ?? ENVOY_DEFAULT_CONSECUTIVE_5XX,
    consecutiveGatewayErrors: cb.consecutiveGatewayErrors ?? 0,
    // The proxy needs intervals > 0; a declared 0 would mean "never sweep", which Envoy rejects too.
    intervalMs: Math.max(1, cb.intervalMs),
    baseEjectionTimeMs: Math.max(1, cb.baseEjectionMs),
    maxEjectionPercent: cb.maxEjectionPercent,
    // Envoy's healthy_panic_threshold, as Istio writes it; 0 (panic off) when not declared.
    ...(cb.minHealthPercent !== undefined ? { minHealthPercent: cb.minHealthPercent } : {}),
  };
}

/**
 * Istio `ConnectionPoolSettings`: `tcp.maxConnections`, `http.http1MaxPendingRequests`,
 * `http.http2MaxRequests`, `http.maxRequestsPerConnection`. Undefined when none is declared
 * (the proxy's defaults — no limits, 10 s connect timeout as Istio — apply).
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#ConnectionPoolSettings
 */
export function connectionPoolConfig(cb: CircuitBreaker): ConnectionPoolInput | undefined {
  const out: ConnectionPoolInput = {};
  if (cb.maxConnections !== undefined) out.maxConnections = cb.maxConnections;
  if (cb.maxPendingRequests !== undefined) out.maxPendingRequests = cb.maxPendingRequests;
  if (cb.maxRequests !== undefined) out.maxRequests = cb.maxRequests;
  if (cb.maxRequestsPerConnection !== undefined) out.maxRequestsPerConnection = cb.maxRequestsPerConnection;
  return Object.keys(out).length > 0 ? out : undefined;
}
