/**
 * DNS discovery: the A/AAAA records of a name, re-resolved when their TTL runs out (bounded
 * below and above), as Envoy's STRICT_DNS cluster with `respect_dns_ttl`. In Kubernetes the name
 * is a version's headless Service (`<service>-<version>.<ns>.svc.cluster.local`), whose records
 * are the ready pods: the proxy then balances and ejects per pod. A failed lookup (timeout,
 * SERVFAIL, NXDOMAIN) keeps the previous addresses and is retried with back-off.
 * @see https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/service_discovery#strict-dns
 * @see https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/#services
 */
import type { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { dnsPromisesModule } from '../builtins-on-demand';
import { DiscoveryError } from '../security/errors';
import { backoff, type DiscoveredEndpoint, type EndpointSource, type SourceStats } from './source';

export interface DnsSourceOptions {
  host: string;
  port: number;
  /** Shortest re-resolve interval, also the first retry after a failure. */
  minRefreshMs: number;
  /** Longest re-resolve interval (a long TTL is not waited out) and the back-off cap. */
  maxRefreshMs: number;
  /** Per-query timeout. */
  timeoutMs: number;
  /** DNS servers (`ip:port`); absent = the system's (/etc/resolv.conf). */
  servers?: string[];
  family?: 4 | 6 | 0;
}

export class DnsSource implements EndpointSource {
  readonly name: string;
  readonly stats: SourceStats = { updates: 0, failures: 0, lastError: null };
  private readonly resolver: Resolver;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private failuresInARow = 0;

  constructor(private readonly options: DnsSourceOptions) {
    this.name = `dns:${options.host}:${options.port}`;
    this.resolver = new (dnsPromisesModule().Resolver)({ timeout: options.timeoutMs, tries: 2 });
    if (options.servers) this.resolver.setServers(options.servers);
  }

  start(onEndpoints: (endpoints: DiscoveredEndpoint[]) => void): void {
    const tick = async (): Promise<void> => {
      let next: number;
      try {
        const records = await this.lookup();
        if (this.stopped) return;
        this.failuresInARow = 0;
        this.stats.updates++;
        onEndpoints(records.map((r) => ({ address: r.address, port: this.options.port, weight: 1 })));
        const ttlMs = records.length ? Math.min(...records.map((r) => r.ttl)) * 1000 : this.options.minRefreshMs;
        next = Math.max(this.options.minRefreshMs, Math.min(this.options.maxRefreshMs, ttlMs));
      } catch (cause) {
        if (this.stopped) return;
        this.failuresInARow++;
        this.stats.failures++;
        this.stats.lastError = new DiscoveryError(this.name, cause).message;
        next = backoff(this.failuresInARow, this.options.minRefreshMs, this.options.maxRefreshMs);
      }
      this.timer = setTimeout(() => void tick(), next);
      this.timer.unref();
    };
    void tick();
  }

  private async lookup(): Promise<Array<{ address: string; ttl: number }>> {
    if (isIP(this.options.host)) return [{ address: this.options.host, ttl: Math.ceil(this.options.maxRefreshMs / 1000) }];
    const family = this.options.family ?? 4;
    if (family === 4) return this.resolver.resolve4(this.options.host, { ttl: true });
    if (family === 6) return this.resolver.resolve6(this.options.host, { ttl: true });
    const [v4, v6] = await Promise.allSettled([this.resolver.resolve4(this.options.host, { ttl: true }), this.resolver.resolve6(this.options.host, { ttl: true })]);
    if (v4.status === 'rejected' && v6.status === 'rejected') throw v4.reason;
    return [...(v4.status === 'fulfilled' ? v4.value : []), ...(v6.status === 'fulfilled' ? v6.value : [])];
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.resolver.cancel();
  }
}
