/**
 * Upper bounds (`le`, milliseconds) of the request-duration histogram that every data plane
 * Weft compiles to exports:
 * - Istio's `istio_request_duration_milliseconds` uses these buckets by default;
 * - Consul's Envoy exports `envoy_cluster_upstream_rq_time` with Envoy's default histogram
 *   buckets, the same list (Istio took Envoy's defaults);
 * - the Weft proxy (`src/proxy/metrics.ts`) uses the same list so that Istio dashboards work;
 *   test/targets/observability/buckets.test.ts keeps the two in step by reading the proxy's
 *   exposition.
 * A latency SLO counts the requests at or under its threshold from the bucket whose bound is the
 * threshold, so the threshold must be one of these.
 * @see https://istio.io/latest/docs/reference/config/metrics/
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/metrics/v3/stats.proto (histogram_bucket_settings: default buckets)
 */
export const DURATION_BUCKETS_MS: readonly number[] = [
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000,
];

/** The boundaries just below and just above `ms` (either may be absent at the ends). */
export function nearestBoundaries(ms: number): { below?: number; above?: number } {
  let below: number | undefined;
  let above: number | undefined;
  for (const b of DURATION_BUCKETS_MS) {
    if (b < ms) below = b;
    else if (b > ms && above === undefined) above = b;
  }
  return { below, above };
}

export function isBucketBoundary(ms: number): boolean {
  return DURATION_BUCKETS_MS.includes(ms);
}

/**
 * The `le` label value as the exporters print it. Envoy and the Weft proxy print the shortest
 * decimal form ("250", "0.5"), which is JavaScript's `String(n)` for every bound below 1e21.
 */
export function leLabel(ms: number): string {
  return String(ms);
}
