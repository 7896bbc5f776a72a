/**
 * Runs the endpoint sources of one config and turns their answers into the effective config:
 * the same document with each discovered subset's `endpoints` replaced by the last good answer.
 * The proxy installs the effective config like a reload (same Runtime swap, endpoints that stay
 * keep their pools and outlier state, removed ones drain), so a discovery update never drops a
 * request. Answers are cached across reloads by source, so a reload during a registry outage
 * still starts from the last good endpoints.
 */
import type { ProxyConfig } from '../config/schema';
import type { SubsetDiscoveryConfig } from '../config/discovery-schema';
import { ConsulSource } from './consul';
import { DnsSource } from './dns';
import { canonical, sameEndpoints, type DiscoveredEndpoint, type EndpointSource } from './source';

export type EndpointCache = Map<string, DiscoveredEndpoint[]>;

function sourceKey(d: SubsetDiscoveryConfig): string {
  return JSON.stringify(d);
}

export class DiscoveryManager {
  private readonly sources = new Map<string, EndpointSource>();
  private scheduled = false;
  private stopped = false;

  constructor(
    private readonly config: ProxyConfig,
    private readonly cache: EndpointCache,
    private readonly onChange: () => void,
  ) {
    for (const s of config.services)
      for (const sub of s.subsets) {
        const d = sub.discovery;
        if (!d) continue;
        const key = sourceKey(d);
        if (!this.sources.has(key)) this.sources.set(key, this.createSource(d));
      }
  }

  get active(): boolean {
    return this.sources.size > 0;
  }

  private createSource(d: SubsetDiscoveryConfig): EndpointSource {
    if (d.type === 'dns') return new DnsSource({ host: d.host, port: d.port, family: d.family, minRefreshMs: d.minRefreshMs, maxRefreshMs: d.maxRefreshMs, timeoutMs: d.timeoutMs, servers: this.config.discovery.dnsServers });
    const c = this.config.discovery.consul!;
    return new ConsulSource({ address: c.address, datacenter: c.datacenter, service: d.service, tag: d.tag, waitMs: c.waitMs, retryMs: c.retryMs, maxBackoffMs: c.maxBackoffMs });
  }

  start(): void {
    for (const [key, source] of this.sources)
      source.start((endpoints) => {
        if (this.stopped) return;
        const next = canonical(endpoints);
        const prev = this.cache.get(key);
        if (prev && sameEndpoints(prev, next)) return;
        this.cache.set(key, next);
        this.schedule();
      });
  }

  /** Coalesces answers that arrive together into one runtime swap. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (!this.stopped) this.onChange();
    });
  }

  /** The config with discovered endpoints in place (subsets without an answer yet keep their static ones). */
  effective(): ProxyConfig {
    if (this.sources.size === 0) return this.config;
    return {
      ...this.config,
      services: this.config.services.map((s) =>
        s.subsets.some((sub) => sub.discovery)
          ? {
              ...s,
              subsets: s.subsets.map((sub) => {
                const found = sub.discovery ? this.cache.get(sourceKey(sub.discovery)) : undefined;
                return found ? { ...sub, endpoints: found.map((e) => ({ ...e })) } : sub;
              }),
            }
          : s,
      ),
    };
  }

  stats(): Array<{ source: string; updates: number; failures: number; lastError: string | null; endpoints: number }> {
    return [...this.sources].map(([key, s]) => ({ source: s.name, ...s.stats, endpoints: this.cache.get(key)?.length ?? -1 }));
  }

  stop(): void {
    this.stopped = true;
    for (const s of this.sources.values()) s.stop();
  }
}
