/**
 * The endpoints a route destination can reach: one subset of a service, or the whole service.
 * The load balancer sees the healthy (non-ejected) endpoints; it is rebuilt when the outlier
 * detector ejects or returns a host, which is rare, so picks stay cheap.
 *
 * Panic mode, as Envoy's `healthy_panic_threshold` (Istio's `minHealthPercent`): when the share
 * of healthy hosts falls below `minHealthPercent`, the set balances over *all* its hosts, ejected
 * ones included, rather than overloading the few healthy ones. With 0 (Istio's default) panic is
 * off: when every host is ejected there is nothing to pick and the request fails with UH.
 * @see https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/load_balancing/panic_threshold
 */
import type { LoadBalancerConfig } from '../config/schema';
import type { Exchange } from '../exchange';
import { createLoadBalancer, type LoadBalancer } from '../lb/index';
import type { Endpoint } from './endpoint';
import type { ServiceRuntime } from './service';

export class EndpointSet {
  /** `service|subset` (Envoy's upstream_cluster naming), for the access log. */
  readonly clusterName: string;
  private lb: LoadBalancer;
  private healthyCount: number;
  /** Whether the set balances over all hosts because too few are healthy. */
  panic = false;

  constructor(
    readonly service: ServiceRuntime,
    /** Subset name, or undefined for the whole service. */
    readonly subset: string | undefined,
    readonly endpoints: readonly Endpoint[],
    /** Metrics label text used when no endpoint was reached (UH, UO). */
    readonly metricKey: string,
    private readonly lbConfig: LoadBalancerConfig,
    /** Panic threshold in percent of hosts; 0 disables panic mode. */
    private readonly minHealthPercent = 0,
  ) {
    this.clusterName = subset ? `${service.name}|${subset}` : service.name;
    this.healthyCount = endpoints.length;
    this.lb = createLoadBalancer(lbConfig, endpoints);
  }

  /** Called by the service when an endpoint is ejected or returned. */
  rebuild(): void {
    const healthy = this.endpoints.filter((e) => !e.ejected);
    // Envoy: panic when healthy% < threshold, healthy% = 100 × healthy / total.
    this.panic = this.minHealthPercent > 0 && healthy.length * 100 < this.minHealthPercent * this.endpoints.length;
    const usable = this.panic ? this.endpoints : healthy;
    this.healthyCount = usable.length;
    this.lb = createLoadBalancer(this.lbConfig, usable);
  }

  /**
   * Picks an endpoint; with `avoid` set (a retry), tries a few times to pick a different host,
   * like Istio's default retry host predicate `previous_hosts` (host_selection_retry_max_attempts 5).
   */
  pick(ex: Exchange, avoid: Endpoint | null): Endpoint | undefined {
    if (this.healthyCount === 0) return undefined;
    let e = this.lb.pick(ex);
    if (avoid !== null && this.healthyCount > 1) for (let i = 0; i < 5 && e === avoid; i++) e = this.lb.pick(ex);
    return e;
  }
}
