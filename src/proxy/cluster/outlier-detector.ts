/**
 * Outlier detection (passive health checking), Envoy semantics as configured by Istio:
 * - consecutive 5xx: 5xx responses and local-origin failures (connect failure, reset, timeout)
 *   count, because Istio leaves split_external_local_origin_errors off and Envoy then maps
 *   local-origin errors to 503; any other response resets the counter. Ejection is inline,
 *   the moment the threshold is reached.
 * - consecutive gateway errors: the same for 502/503/504 (and local-origin failures).
 * - a host is ejected for base_ejection_time × (number of times it was ejected), capped by
 *   max_ejection_time; each interval in which an un-ejected host stays healthy decrements that
 *   multiplier; ejected hosts come back at the first sweep after their time has elapsed.
 * - max_ejection_percent caps ejected hosts, but if no host is ejected one always may be.
 * @see https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/outlier
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/outlier_detection.proto
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#OutlierDetection
 */
import type { OutlierConfig } from '../config/schema';
import type { Endpoint } from './endpoint';

export type Outcome = 'success' | 'error-5xx' | 'error-gateway' | 'local-failure';

export function outcomeOfStatus(status: number): Outcome {
  if (status < 500) return 'success';
  return status === 502 || status === 503 || status === 504 ? 'error-gateway' : 'error-5xx';
}

export class OutlierDetector {
  private timer: NodeJS.Timeout | null = null;
  private readonly healthySinceSweep = new Set<Endpoint>();
  /** Total ejections performed (exported as a metric). */
  ejectionsTotal = 0;

  constructor(
    private readonly config: OutlierConfig,
    private readonly endpoints: readonly Endpoint[],
    private readonly onChange: () => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.sweep(Date.now()), this.config.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  report(e: Endpoint, outcome: Outcome): void {
    const c = this.config;
    if (outcome === 'success') {
      e.consecutive5xx = 0;
      e.consecutiveGateway = 0;
      return;
    }
    e.consecutive5xx++;
    if (outcome === 'error-5xx') e.consecutiveGateway = 0;
    else e.consecutiveGateway++;
    if (e.ejected) return;
    const hit5xx = c.consecutive5xxErrors > 0 && e.consecutive5xx >= c.consecutive5xxErrors;
    const hitGateway = c.consecutiveGatewayErrors > 0 && e.consecutiveGateway >= c.consecutiveGatewayErrors;
    if (hit5xx || hitGateway) this.eject(e, Date.now());
  }

  private eject(e: Endpoint, now: number): void {
    const ejected = this.endpoints.reduce((n, x) => n + (x.ejected ? 1 : 0), 0);
    if (ejected > 0 && ((ejected + 1) * 100) / this.endpoints.length > this.config.maxEjectionPercent) return;
    e.ejections++;
    e.ejected = true;
    e.ejectedUntil = now + Math.min(this.config.baseEjectionTimeMs * e.ejections, Math.max(this.config.maxEjectionTimeMs, this.config.baseEjectionTimeMs));
    e.consecutive5xx = 0;
    e.consecutiveGateway = 0;
    this.ejectionsTotal++;
    this.onChange();
  }

  /** The interval sweep: returns hosts whose ejection time elapsed; decays the multiplier of healthy hosts. */
  sweep(now: number): void {
    let changed = false;
    for (const e of this.endpoints) {
      if (e.ejected) {
        if (now >= e.ejectedUntil) {
          e.ejected = false;
          e.consecutive5xx = 0;
          e.consecutiveGateway = 0;
          changed = true;
        }
      } else if (e.ejections > 0) {
        if (this.healthySinceSweep.has(e)) e.ejections--;
        this.healthySinceSweep.add(e);
        continue;
      }
      this.healthySinceSweep.delete(e);
    }
    if (changed) this.onChange();
  }
}
