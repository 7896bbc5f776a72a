/**
 * Latency histograms of the verifier's probes, on the bucket bounds Envoy uses by default for
 * its request-time histograms (and so Istio's `istio_request_duration_milliseconds`, and the
 * weft proxy's own, src/proxy/metrics.ts): a report's histogram reads like the mesh's metrics.
 * Buckets above the one holding the slowest probe are left out, so the chart shows the range
 * that was observed; `counts` has one more entry than `boundsMs`, the overflow.
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/metrics/v3/stats.proto#config-metrics-v3-histogrambucketsettings
 */
export const ENVOY_DEFAULT_BUCKETS_MS = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000] as const;

export interface LatencyHistogram {
  /** Upper bounds (ms, inclusive) of the buckets. */
  boundsMs: number[];
  /** Probes per bucket; the last entry counts those above the last bound. */
  counts: number[];
}

export function latencyHistogram(durationsMs: readonly number[]): LatencyHistogram | undefined {
  if (durationsMs.length === 0) return undefined;
  const max = Math.max(...durationsMs);
  const last = ENVOY_DEFAULT_BUCKETS_MS.findIndex((b) => max <= b);
  const boundsMs = last === -1 ? [...ENVOY_DEFAULT_BUCKETS_MS] : ENVOY_DEFAULT_BUCKETS_MS.slice(0, last + 1);
  const counts = new Array<number>(boundsMs.length + 1).fill(0);
  for (const d of durationsMs) {
    const i = boundsMs.findIndex((b) => d <= b);
    counts[i === -1 ? boundsMs.length : i]! += 1;
  }
  return { boundsMs, counts };
}
