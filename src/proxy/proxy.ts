/**
 * The Weft proxy process (or one worker of it): listeners, admin, the active Runtime, hot
 * reload and graceful drain.
 *
 * Reload: a new config is validated (schema + references) and checked for compatibility — the
 * listener addresses are part of the pod spec, so changing them needs a new pod and is
 * rejected — then compiled into a new Runtime and swapped in with one assignment. Requests in
 * flight finish on the runtime they started with; endpoints the new config still uses keep
 * their connections and outlier state; the others are closed gracefully once idle. An invalid
 * config is rejected, logged with its code and JSON paths, counted
 * (weft_proxy_config_reloads_total{result="rejected"}), and the last good config keeps serving.
 */
import { AccessLogger } from './access-log';
import { EndpointRegistry } from './cluster/registry';
import { loadProxyConfig, parseProxyConfigText, type LoadedConfig } from './config/load';
import type { ProxyConfig } from './config/schema';
import { ConfigInvalidError, ReloadRejectedError, WeftProxyError } from './errors';
import { stderrLogger, type Logger } from './log';
import { IstioMetrics, renderMetrics, type MetricsSnapshot } from './metrics';
import { ConfigWatcher } from './reload';
import { Runtime } from './runtime';
import { AdminServer, type AdminSource } from './server/admin';
import { createInboundListener } from './server/inbound';
import type { HttpListener } from './server/listener';
import { createOutboundListener } from './server/outbound';

export interface ProxyOptions {
  /** Config file; watched for changes unless `watch` is false. */
  configPath?: string;
  /** An already loaded config (tests, workers). */
  config?: LoadedConfig;
  logger?: Logger;
  /** @default true when configPath is given */
  watch?: boolean;
  /** Serve the admin listener. @default true (workers of a multi-process proxy: false) */
  admin?: boolean;
}

export interface ProxyPorts {
  inbound?: number;
  outbound?: number;
  admin?: number;
}

export const METRIC_HELP: Record<string, [string, string]> = {
  weft_proxy_config_reloads_total: ['counter', 'Config reloads by result (applied, rejected).'],
  weft_proxy_config_info: ['gauge', 'The active config, by hash (value 1 per process).'],
  weft_proxy_requests_active: ['gauge', 'Requests in flight by listener.'],
  weft_proxy_downstream_client_errors_total: ['counter', 'Malformed client requests answered with 4xx by listener.'],
  weft_proxy_upstream_ejections_total: ['counter', 'Outlier ejections by service (since the config was loaded).'],
  weft_proxy_upstream_ejected_hosts: ['gauge', 'Hosts currently ejected by service.'],
  weft_proxy_upstream_overflow_total: ['counter', 'Requests rejected by circuit breaking (UO) by service (since the config was loaded).'],
  weft_proxy_upstream_pending_requests: ['gauge', 'Requests waiting for a connection slot by service.'],
  weft_proxy_mirror_requests_total: ['counter', 'Mirrored requests by result (sent, dropped, failed).'],
  weft_proxy_access_log_dropped_total: ['counter', 'Access log lines dropped because the sink could not keep up.'],
  weft_proxy_worker_info: ['gauge', 'One series per live worker process (multi-worker mode).'],
  process_resident_memory_bytes: ['gauge', 'Resident memory size in bytes (summed over workers).'],
};

function listenersOf(c: ProxyConfig): string {
  const l = c.listeners;
  return JSON.stringify([l.inbound ? [l.inbound.host, l.inbound.port, l.inbound.app] : null, l.outbound ?? null, l.admin]);
}

export class WeftProxy implements AdminSource {
  readonly ports: ProxyPorts = {};
  runtime!: Runtime;
  reloads = { applied: 0, rejected: 0, lastError: null as null | { code: string; message: string; at: string } };
  private readonly registry = new EndpointRegistry();
  private readonly istio = new IstioMetrics();
  private readonly listeners: HttpListener[] = [];
  private admin: AdminServer | null = null;
  private watcher: ConfigWatcher | null = null;
  private accessLog: AccessLogger | null = null;
  private accessLogKey = 'false';
  private draining = false;
  private readonly logger: Logger;

  private constructor(private readonly options: ProxyOptions) {
    this.logger = options.logger ?? stderrLogger;
  }

  static async start(options: ProxyOptions): Promise<WeftProxy> {
    const loaded = options.config ?? (options.configPath ? await loadProxyConfig(options.configPath) : undefined);
    if (!loaded) throw new WeftProxyError('either config or configPath is required', 'WEFT_PROXY_USAGE');
    const proxy = new WeftProxy(options);
    try {
      await proxy.boot(loaded);
    } catch (error) {
      await proxy.close();
      throw error;
    }
    return proxy;
  }

  private async boot(loaded: LoadedConfig): Promise<void> {
    this.install(loaded);
    const c = loaded.config;
    const current = (): Runtime => this.runtime;
    if (c.listeners.inbound) {
      const l = createInboundListener(current);
      this.listeners.push(l);
      this.ports.inbound = await l.listen(c.listeners.inbound.host, c.listeners.inbound.port);
    }
    if (c.listeners.outbound) {
      const l = createOutboundListener(current);
      this.listeners.push(l);
      this.ports.outbound = await l.listen(c.listeners.outbound.host, c.listeners.outbound.port);
    }
    if (this.options.admin !== false) {
      this.admin = new AdminServer(this);
      this.ports.admin = await this.admin.listen(c.listeners.admin.host, c.listeners.admin.port);
    }
    if (this.options.configPath && this.options.watch !== false) {
      this.watcher = new ConfigWatcher(this.options.configPath, c.reload.pollIntervalMs, loaded.hash, (text) => this.reload(text).then(() => undefined));
      this.watcher.start();
    }
    this.logger.log('info', 'proxy started', { hash: loaded.hash, ports: this.ports, workload: c.workload });
  }

  /** Builds and activates a runtime for `loaded` (first start or reload). */
  private install(loaded: LoadedConfig): void {
    const obs = loaded.config.observability;
    const key = JSON.stringify(obs.accessLog);
    let accessLog = this.accessLog;
    let oldLog: AccessLogger | null = null;
    if (key !== this.accessLogKey) {
      oldLog = this.accessLog;
      accessLog = obs.accessLog === false ? null : AccessLogger.open(obs.accessLog);
    }
    this.registry.begin();
    let rt: Runtime;
    try {
      rt = new Runtime(loaded, this.registry, obs.metrics ? this.istio : null, accessLog);
    } catch (error) {
      this.registry.abort();
      if (accessLog !== this.accessLog) void accessLog?.close();
      throw error;
    }
    const old = this.runtime as Runtime | undefined;
    this.runtime = rt;
    this.accessLog = accessLog;
    this.accessLogKey = key;
    rt.start();
    old?.stop();
    void this.registry.commit();
    // Requests that started on the old runtime may still log to the old sink: close it later.
    if (oldLog) setTimeout(() => void oldLog.close(), loaded.config.limits.drainTimeoutMs).unref();
  }

  /** Applies new config text; resolves false (and keeps serving the old config) when rejected. */
  async reload(text: string, source = this.options.configPath ?? '<reload>'): Promise<boolean> {
    try {
      const loaded = parseProxyConfigText(text, source);
      if (loaded.hash === this.runtime.hash) return true;
      if (listenersOf(loaded.config) !== listenersOf(this.runtime.config)) {
        throw new ReloadRejectedError(`${source}: listener addresses changed; they are part of the pod spec, restart the proxy to change them`);
      }
      this.install(loaded);
      this.reloads.applied++;
      this.istio.inc('weft_proxy_config_reloads_total{result="applied"}');
      this.logger.log('info', 'config reloaded', { hash: loaded.hash });
      return true;
    } catch (error) {
      const e = error as WeftProxyError;
      this.reloads.rejected++;
      this.reloads.lastError = { code: e.code ?? 'WEFT_PROXY_INTERNAL', message: e.message, at: new Date().toISOString() };
      this.istio.inc('weft_proxy_config_reloads_total{result="rejected"}');
      this.logger.log('error', 'config rejected; the last good config keeps serving', {
        code: e.code,
        error: e.message,
        ...(error instanceof ConfigInvalidError ? { issues: error.issues } : {}),
      });
      return false;
    }
  }

  // ---- AdminSource ----

  ready(): boolean {
    return !this.draining;
  }

  configDump(): unknown {
    return {
      hash: this.runtime.hash,
      loadedAt: this.runtime.loadedAt.toISOString(),
      reloads: this.reloads,
      config: this.runtime.config,
    };
  }

  clusters(): unknown {
    return [...this.runtime.services.values()].map((s) => ({
      service: s.name,
      active: s.breaker.active,
      pending: s.breaker.pending,
      endpoints: s.all.endpoints.map((e) => ({ host: e.hostLabel, weight: e.weight, active: e.active, ejected: e.ejected, ejections: e.ejections })),
    }));
  }

  metricsSnapshot(): MetricsSnapshot {
    const rt = this.runtime;
    const counters: Record<string, number> = {};
    const gauges: Record<string, number> = {
      [`weft_proxy_config_info{hash="${rt.hash}"}`]: 1,
      process_resident_memory_bytes: process.memoryUsage.rss(),
    };
    for (const l of this.listeners) {
      gauges[`weft_proxy_requests_active{listener="${l.kind}"}`] = l.inflight;
      counters[`weft_proxy_downstream_client_errors_total{listener="${l.kind}"}`] = l.clientErrors;
    }
    for (const s of rt.services.values()) {
      counters[`weft_proxy_upstream_overflow_total{service="${s.name}"}`] = s.breaker.overflows;
      gauges[`weft_proxy_upstream_pending_requests{service="${s.name}"}`] = s.breaker.pending;
      if (s.outlier) {
        counters[`weft_proxy_upstream_ejections_total{service="${s.name}"}`] = s.outlier.ejectionsTotal;
        gauges[`weft_proxy_upstream_ejected_hosts{service="${s.name}"}`] = s.all.endpoints.filter((e) => e.ejected).length;
      }
    }
    const m = rt.mirrorBudget;
    counters['weft_proxy_mirror_requests_total{result="sent"}'] = m.sent;
    counters['weft_proxy_mirror_requests_total{result="dropped"}'] = m.dropped;
    counters['weft_proxy_mirror_requests_total{result="failed"}'] = m.failed;
    if (this.accessLog) counters['weft_proxy_access_log_dropped_total'] = this.accessLog.dropped;
    const snap = this.istio.snapshot(gauges);
    return { ...snap, counters: { ...snap.counters, ...counters } };
  }

  async metrics(): Promise<string> {
    return renderMetrics([this.metricsSnapshot()], METRIC_HELP);
  }

  // ---- lifecycle ----

  /** Graceful drain (SIGTERM): /ready turns 503, listeners stop accepting and finish in-flight requests. */
  async drain(timeoutMs = this.runtime.config.limits.drainTimeoutMs): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    this.logger.log('info', 'draining', { inflight: this.listeners.reduce((n, l) => n + l.inflight, 0), timeoutMs });
    this.watcher?.stop();
    await Promise.all(this.listeners.map((l) => l.drain(timeoutMs)));
    await this.shutdown(false);
  }

  /** Immediate stop (tests): closes listeners and connections without waiting. */
  async close(): Promise<void> {
    this.draining = true;
    this.watcher?.stop();
    await Promise.all(this.listeners.map((l) => l.drain(0)));
    await this.shutdown(true);
  }

  private async shutdown(force: boolean): Promise<void> {
    this.runtime?.stop();
    await this.admin?.close();
    await this.registry.close(force);
    await this.accessLog?.close();
    this.accessLog = null;
  }
}
