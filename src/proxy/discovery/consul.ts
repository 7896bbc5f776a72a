/**
 * Consul catalog discovery: the passing instances of a service from
 * `GET /v1/health/service/<name>?passing`, kept current with blocking queries (`index` from the
 * last `X-Consul-Index`, `wait`), following Consul's rules for clients: reset the index when it
 * goes backwards or is not positive, bound each call, back off after errors. While the agent is
 * unreachable the last good instances keep serving.
 * @see https://developer.hashicorp.com/consul/api-docs/health#list-service-instances-for-service
 * @see https://developer.hashicorp.com/consul/api-docs/features/blocking
 */
import { controlRequest } from '../control-request';
import { DiscoveryError } from '../security/errors';
import { backoff, type DiscoveredEndpoint, type EndpointSource, type SourceStats } from './source';
import { monotonicMs } from '../clock';

export interface ConsulSourceOptions {
  /** Agent HTTP API, e.g. http://127.0.0.1:8500 */
  address: string;
  service: string;
  /** Only instances with this tag (Consul `tag` filter), e.g. the version. */
  tag?: string;
  datacenter?: string;
  token?: string;
  /** Blocking query wait. */
  waitMs: number;
  /** First retry after an error; doubles up to maxBackoffMs. */
  retryMs: number;
  maxBackoffMs: number;
}

interface HealthEntry {
  Node?: { Address?: string };
  Service?: { Address?: string; Port?: number; Weights?: { Passing?: number } };
}

export class ConsulSource implements EndpointSource {
  readonly name: string;
  readonly stats: SourceStats = { updates: 0, failures: 0, lastError: null };
  private index = 0;
  private controller: AbortController | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private failuresInARow = 0;

  constructor(private readonly options: ConsulSourceOptions) {
    this.name = `consul:${options.service}${options.tag ? `#${options.tag}` : ''}`;
  }

  private url(): string {
    const o = this.options;
    const q = new URLSearchParams({ passing: '1', index: String(this.index), wait: `${Math.max(1, Math.round(o.waitMs / 1000))}s` });
    if (o.tag) q.set('tag', o.tag);
    if (o.datacenter) q.set('dc', o.datacenter);
    return `${o.address.replace(/\/$/, '')}/v1/health/service/${encodeURIComponent(o.service)}?${q}`;
  }

  start(onEndpoints: (endpoints: DiscoveredEndpoint[]) => void): void {
    const loop = async (): Promise<void> => {
      let delay = 0;
      const started = monotonicMs();
      try {
        this.controller = new AbortController();
        // Consul adds up to wait/16 of jitter; anything much longer is a hung connection.
        const bound = Math.ceil(this.options.waitMs + this.options.waitMs / 16 + 5_000);
        const signal = AbortSignal.any([this.controller.signal, AbortSignal.timeout(bound)]);
        // Not fetch: its first call loads undici, 13–15 MB of RSS (../control-request.ts).
        const res = await controlRequest(this.url(), { signal, headers: this.options.token ? { 'x-consul-token': this.options.token } : {} });
        const body = res.text;
        if (!res.ok) throw new Error(`HTTP ${res.status}: ${body.slice(0, 200)}`);
        const entries = JSON.parse(body) as HealthEntry[];
        if (!Array.isArray(entries)) throw new Error('response is not a list of health entries');
        const index = Number(res.header('x-consul-index') ?? '0');
        this.index = !Number.isFinite(index) || index <= 0 || index < this.index ? 0 : index;
        this.failuresInARow = 0;
        this.stats.updates++;
        onEndpoints(
          entries.flatMap((e) => {
            const address = e.Service?.Address || e.Node?.Address;
            const port = e.Service?.Port;
            return address && port ? [{ address, port, weight: Math.max(1, e.Service?.Weights?.Passing ?? 1) }] : [];
          }),
        );
        // A query that returned at once without news must not spin (Consul: rate-limit the loop).
        if (monotonicMs() - started < 50) delay = Math.min(1_000, this.options.retryMs);
      } catch (cause) {
        if (this.stopped) return;
        this.failuresInARow++;
        this.stats.failures++;
        this.stats.lastError = new DiscoveryError(this.name, cause).message;
        delay = backoff(this.failuresInARow, this.options.retryMs, this.options.maxBackoffMs);
      }
      if (this.stopped) return;
      this.timer = setTimeout(() => void loop(), delay);
      this.timer.unref();
    };
    void loop();
  }

  stop(): void {
    this.stopped = true;
    this.controller?.abort();
    if (this.timer) clearTimeout(this.timer);
  }
}
