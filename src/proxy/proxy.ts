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
import { ConfigInvalidError, ProxyUsageError, ReloadRejectedError, type WeftProxyError } from './errors';
import { stderrLogger, type Logger } from './log';
import { IstioMetrics, METRIC_HELP, renderMetrics, type MetricsSnapshot } from './metrics';
import { ConfigWatcher } from './reload';
import { Runtime } from './runtime';
import { AdminServer, type AdminSource } from './server/admin';
import { createInboundListener } from './server/inbound';
import type { HttpListener } from './server/listener';
import { createOutboundListener } from './server/outbound';
import { CertificateWatcher } from './security/certificate-files';
import { DiscoveryManager, type EndpointCache } from './discovery/manager';
import { OtlpExporter } from './otlp-exporter';
import { SecureInbound } from './security/secure-inbound';
import { TcpProxy } from './server/tcp/tcp-proxy';
import { InboundTcpListener } from './server/tcp/inbound-tcp';
import { createGatewayListener } from './server/gateway/gateway-listener';
import { TlsTermination } from './server/gateway/tls-termination';
import { passthrough } from './server/connect/passthrough';
import type { GatewayServerConfig } from './config/gateway-schema';
import { SwitchBoard } from './switch-board';
import { BREAKER_STATES } from './cluster/ratio-breaker';
import { isoTimestamp } from './utc-time';

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
  /** Rewrites config text before validation, at start and on reload (local mode). */
  transform?: (text: string) => string;
}

export interface ProxyPorts {
  inbound?: number;
  /** Further inbound listeners (listeners.inboundPorts) by name. */
  inboundPorts?: Record<string, number>;
  outbound?: number;
  admin?: number;
  /** TCP listeners by name. */
  tcp?: Record<string, number>;
  /** Inbound TCP listeners by name. */
  inboundTcp?: Record<string, number>;
  /** Gateway servers by name. */
  gateway?: Record<string, number>;
}

/** `bundle` in the precompiled proxy (src/proxy/build.ts defines it), `source` under tsx. */
const PROXY_ENTRY = process.env.WEFT_PROXY_ENTRY ?? 'source';

function listenersOf(c: ProxyConfig): string {
  const l = c.listeners;
  // The mTLS transport and certificate files are bound when the listener starts, like its address.
  return JSON.stringify([l.inbound ? [l.inbound.host, l.inbound.port, l.inbound.app] : null, l.inboundPorts.map((p) => [p.name, p.host, p.port, p.app]), l.outbound ?? null, l.admin, c.security.mtls ?? null, c.tcpListeners.map((t) => [t.name, t.host, t.port]), c.inboundTcpListeners.map((t) => [t.name, t.host, t.port, t.app]), l.gateway]);
}

export class WeftProxy implements AdminSource {
  readonly ports: ProxyPorts = {};
  runtime!: Runtime;
  reloads = { applied: 0, rejected: 0, lastError: null as null | { code: string; message: string; at: string } };
  private readonly registry = new EndpointRegistry();
  private readonly istio = new IstioMetrics();
  private readonly listeners: HttpListener[] = [];
  private certificates: CertificateWatcher | null = null;
  private discovery: DiscoveryManager | null = null;
  /** Last good endpoints per discovery source, kept across reloads and registry outages. */
  private readonly endpointCache: EndpointCache = new Map();
  private discoveryUpdates = 0;
  private spans: OtlpExporter | null = null;
  private spansKey = 'null';
  private secureInbound: SecureInbound | null = null;
  /** mTLS sockets of the further inbound listeners, by listener name. */
  private readonly securePorts: Array<{ name: string; secure: SecureInbound }> = [];
  private readonly tcp: TcpProxy[] = [];
  private readonly inboundTcp: InboundTcpListener[] = [];
  /** TLS-terminating sockets of gateway servers, with their certificate watchers. */
  private readonly gatewayTls: Array<{ name: string; tls: TlsTermination; certificates: CertificateWatcher }> = [];
  private admin: AdminServer | null = null;
  private watcher: ConfigWatcher | null = null;
  private accessLog: AccessLogger | null = null;
  private accessLogKey = 'false';
  private draining = false;
  private readonly logger: Logger;
  /** Degradation switch states: outlive runtimes, change without a reload. */
  readonly switches: SwitchBoard;

  private constructor(private readonly options: ProxyOptions) {
    this.logger = options.logger ?? stderrLogger;
    this.switches = new SwitchBoard(this.logger);
  }

  static async start(options: ProxyOptions): Promise<WeftProxy> {
    const loaded = options.config ?? (options.configPath ? await loadProxyConfig(options.configPath, options.transform) : undefined);
    if (!loaded) throw new ProxyUsageError('either config or configPath is required');
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
    const mtls = loaded.config.security.mtls;
    if (mtls) {
      // The workload identity: loaded before anything listens (no identity, no start), then polled for rotation.
      this.certificates = new CertificateWatcher(mtls.files, {
        onRotate: (m) => this.logger.log('info', 'workload certificate rotated', { notAfter: isoTimestamp(m.notAfter.getTime()) }),
        onError: (e) => this.logger.log('error', 'rotated certificate not loaded; the previous one keeps serving', { code: e.code, error: e.message }),
      }).start();
      const watcher = this.certificates;
      this.registry.identity = () => watcher.material;
    }
    this.activate(loaded);
    const c = loaded.config;
    const current = (): Runtime => this.runtime;
    if (c.listeners.inbound) {
      const l = createInboundListener(current);
      this.listeners.push(l);
      if (mtls && mtls.mode !== 'DISABLE' && this.certificates) {
        this.secureInbound = new SecureInbound(mtls, this.certificates, l.server, c.listeners.inbound.http2);
        this.ports.inbound = await this.secureInbound.listen(c.listeners.inbound.host, c.listeners.inbound.port);
      } else this.ports.inbound = await l.listen(c.listeners.inbound.host, c.listeners.inbound.port);
    }
    for (const p of c.listeners.inboundPorts) (this.ports.inboundPorts ??= {})[p.name] = await this.startInboundPort(p, current);
    if (c.listeners.outbound) {
      const l = createOutboundListener(current);
      this.listeners.push(l);
      this.ports.outbound = await l.listen(c.listeners.outbound.host, c.listeners.outbound.port);
    }
    for (const t of c.tcpListeners) {
      const tcp = new TcpProxy(t.name, current, c.observability.metrics ? this.istio : null, this.registry.identity);
      this.tcp.push(tcp);
      // A route without a port is reached only through CONNECT (server/connect/tunnel.ts).
      if (t.port !== undefined) (this.ports.tcp ??= {})[t.name] = await tcp.listen(t.host, t.port);
    }
    for (const t of c.inboundTcpListeners) {
      const tcp = new InboundTcpListener(t.name, current, c.observability.metrics ? this.istio : null, this.certificates);
      this.inboundTcp.push(tcp);
      (this.ports.inboundTcp ??= {})[t.name] = await tcp.listen(t.host, t.port);
    }
    for (const l of this.listeners) {
      if (l.kind !== 'outbound') continue;
      l.tcpTunnels = (name) => this.tcp.find((t) => t.name === name);
      l.passthrough = (socket, authority) => passthrough(socket, authority, this.runtime.config.observability.metrics ? this.istio : null, this.runtime.tcpSourceLabels);
    }
    for (const g of c.listeners.gateway) (this.ports.gateway ??= {})[g.name] = await this.startGatewayServer(g, current);
    if (this.options.admin !== false) {
      this.admin = new AdminServer(this);
      this.ports.admin = await this.admin.listen(c.listeners.admin.host, c.listeners.admin.port);
    }
    if (this.options.configPath && this.options.watch !== false) {
      this.watcher = new ConfigWatcher(this.options.configPath, c.reload.pollIntervalMs, loaded.hash, (text) => this.reload(text).then(() => undefined));
      this.watcher.start();
    }
    this.logger.log('info', 'proxy started', { hash: loaded.hash, ports: this.ports, workload: c.workload, entry: PROXY_ENTRY });
  }

  /** A further inbound listener (one per application port), behind mTLS as the first one is. */
  private async startInboundPort(p: ProxyConfig['listeners']['inboundPorts'][number], current: () => Runtime): Promise<number> {
    const l = createInboundListener(current, p.name);
    this.listeners.push(l);
    const mtls = this.runtime.config.security.mtls;
    if (!mtls || mtls.mode === 'DISABLE' || !this.certificates) return l.listen(p.host, p.port);
    const secure = new SecureInbound(mtls, this.certificates, l.server, p.http2, l.label);
    this.securePorts.push({ name: p.name, secure });
    return secure.listen(p.host, p.port);
  }

  /** One gateway server: its HTTP listener, behind TLS termination when the server declares TLS. */
  private async startGatewayServer(g: GatewayServerConfig, current: () => Runtime): Promise<number> {
    const l = createGatewayListener(g, current);
    this.listeners.push(l);
    if (!g.tls) return l.listen(g.host, g.port);
    const certificates = new CertificateWatcher(g.tls.files, {
      onRotate: (m) => this.logger.log('info', 'gateway certificate rotated', { server: g.name, notAfter: isoTimestamp(m.notAfter.getTime()) }),
      onError: (e) => this.logger.log('error', 'rotated gateway certificate not loaded; the previous one keeps serving', { server: g.name, code: e.code, error: e.message }),
    }).start();
    const tls = new TlsTermination({ ...g, tls: g.tls }, certificates, (socket) => l.server.emit('connection', socket));
    this.gatewayTls.push({ name: g.name, tls, certificates });
    return tls.listen();
  }

  /**
   * Activates a declared config: its discovery sources start from the endpoints cached so far,
   * the runtime is built from the effective config (discovered endpoints in place), and every
   * later discovery answer installs a new runtime the same way. Throws like install.
   */
  private activate(loaded: LoadedConfig): void {
    const manager = new DiscoveryManager(loaded.config, this.endpointCache, () => {
      if (this.discovery !== manager || this.draining) return;
      try {
        this.install({ ...loaded, config: manager.effective() });
        this.discoveryUpdates++;
      } catch (error) {
        this.logger.log('error', 'discovered endpoints not applied', { error: (error as Error).message });
      }
    });
    this.install(manager.effective() === loaded.config ? loaded : { ...loaded, config: manager.effective() });
    this.discovery?.stop();
    this.discovery = manager;
    manager.start();
  }

  /** The span exporter for a config: kept while its settings stay the same, so queued spans survive reloads. */
  private exporterFor(c: ProxyConfig): OtlpExporter | null {
    const otlp = c.observability.tracing.otlp;
    const key = JSON.stringify(otlp ?? null);
    if (key === this.spansKey) return this.spans;
    const old = this.spans;
    if (old) setTimeout(() => void old.close(), c.limits.drainTimeoutMs).unref();
    const w = c.workload;
    this.spans = otlp ? new OtlpExporter(otlp, { service: w.app ?? w.service, namespace: w.namespace, workload: w.workloadName ?? `${w.service}-${w.version}`, version: w.version }) : null;
    this.spansKey = key;
    return this.spans;
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
      rt = new Runtime(loaded, this.registry, obs.metrics ? this.istio : null, accessLog, this.exporterFor(loaded.config), this.switches);
    } catch (error) {
      this.registry.abort();
      if (accessLog !== this.accessLog) void accessLog?.close();
      throw error;
    }
    const old = this.runtime as Runtime | undefined;
    this.switches.configure(loaded.config.switches, loaded.config.reload.pollIntervalMs);
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
      const loaded = parseProxyConfigText(this.options.transform ? this.options.transform(text) : text, source);
      if (loaded.hash === this.runtime.hash) return true;
      if (listenersOf(loaded.config) !== listenersOf(this.runtime.config)) {
        throw new ReloadRejectedError(`${source}: listener addresses changed; they are part of the pod spec, restart the proxy to change them`);
      }
      this.activate(loaded);
      this.reloads.applied++;
      this.istio.inc('weft_proxy_config_reloads_total{result="applied"}');
      this.logger.log('info', 'config reloaded', { hash: loaded.hash });
      return true;
    } catch (error) {
      const e = error as WeftProxyError;
      this.reloads.rejected++;
      this.reloads.lastError = { code: e.code ?? 'WEFT_PROXY_INTERNAL', message: e.message, at: isoTimestamp(Date.now()) };
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
      loadedAt: isoTimestamp(this.runtime.loadedAt.getTime()),
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
    for (const t of this.tcp) gauges[`weft_proxy_tcp_connections_active{listener="${t.name}"}`] = t.active;
    for (const t of this.inboundTcp) {
      gauges[`weft_proxy_tcp_connections_active{listener="${t.name}"}`] = t.active;
      const a = t.auth.stats;
      counters[`weft_proxy_inbound_connections_total{listener="${t.name}",transport="mtls"}`] = a.mtls;
      counters[`weft_proxy_inbound_connections_total{listener="${t.name}",transport="plaintext"}`] = a.plaintext;
      counters[`weft_proxy_inbound_connections_total{listener="${t.name}",transport="rejected"}`] = a.rejected;
    }
    for (const l of this.listeners) {
      gauges[`weft_proxy_requests_active{listener="${l.label}"}`] = l.inflight;
      counters[`weft_proxy_downstream_client_errors_total{listener="${l.label}"}`] = l.clientErrors;
    }
    for (const g of this.gatewayTls) {
      counters[`weft_proxy_gateway_tls_handshakes_total{server="${g.name}",result="accepted"}`] = g.tls.stats.accepted;
      counters[`weft_proxy_gateway_tls_handshakes_total{server="${g.name}",result="rejected"}`] = g.tls.stats.rejected;
      gauges[`weft_proxy_gateway_certificate_expiry_timestamp_seconds{server="${g.name}"}`] = Math.floor(g.certificates.material.notAfter.getTime() / 1000);
    }
    for (const s of rt.services.values()) {
      counters[`weft_proxy_upstream_overflow_total{service="${s.name}"}`] = s.breaker.overflows;
      gauges[`weft_proxy_upstream_pending_requests{service="${s.name}"}`] = s.breaker.pending;
      if (s.outlier) {
        counters[`weft_proxy_upstream_ejections_total{service="${s.name}"}`] = s.outlier.ejectionsTotal;
        gauges[`weft_proxy_upstream_ejected_hosts{service="${s.name}"}`] = s.all.endpoints.filter((e) => e.ejected).length;
      }
    }
    for (const [service, b] of rt.breakers) {
      for (const state of BREAKER_STATES) {
        gauges[`weft_proxy_circuit_state{service="${service}",state="${state}"}`] = b.state === state ? 1 : 0;
        counters[`weft_proxy_circuit_transitions_total{service="${service}",state="${state}"}`] = b.transitions[state];
      }
    }
    for (const { route, bucket } of rt.shapers) {
      gauges[`weft_proxy_shaping_queued{route="${route}"}`] = bucket.queued;
      counters[`weft_proxy_shaping_overflow_total{route="${route}"}`] = bucket.overflows;
    }
    for (const [name, on] of Object.entries(this.switches.snapshot())) gauges[`weft_proxy_switch_state{switch="${name}"}`] = on ? 1 : 0;
    if (rt.security) Object.assign(counters, rt.security.metrics());
    for (const d of this.discovery?.stats() ?? []) {
      counters[`weft_proxy_discovery_updates_total{source="${d.source}"}`] = d.updates;
      counters[`weft_proxy_discovery_failures_total{source="${d.source}"}`] = d.failures;
      gauges[`weft_proxy_discovery_endpoints{source="${d.source}"}`] = d.endpoints;
    }
    if (this.secureInbound) {
      const a = this.secureInbound.auth.stats;
      counters['weft_proxy_inbound_connections_total{transport="mtls"}'] = a.mtls;
      counters['weft_proxy_inbound_connections_total{transport="plaintext"}'] = a.plaintext;
      counters['weft_proxy_inbound_connections_total{transport="rejected"}'] = a.rejected;
    }
    for (const { name, secure } of this.securePorts) {
      const a = secure.auth.stats;
      counters[`weft_proxy_inbound_connections_total{listener="inbound:${name}",transport="mtls"}`] = a.mtls;
      counters[`weft_proxy_inbound_connections_total{listener="inbound:${name}",transport="plaintext"}`] = a.plaintext;
      counters[`weft_proxy_inbound_connections_total{listener="inbound:${name}",transport="rejected"}`] = a.rejected;
    }
    if (this.certificates) {
      counters['weft_proxy_certificate_rotations_total'] = this.certificates.rotations;
      gauges['weft_proxy_certificate_expiry_timestamp_seconds'] = Math.floor(this.certificates.material.notAfter.getTime() / 1000);
    }
    const m = rt.mirrorBudget;
    counters['weft_proxy_mirror_requests_total{result="sent"}'] = m.sent;
    counters['weft_proxy_mirror_requests_total{result="dropped"}'] = m.dropped;
    counters['weft_proxy_mirror_requests_total{result="failed"}'] = m.failed;
    if (this.accessLog) counters['weft_proxy_access_log_dropped_total'] = this.accessLog.dropped;
    if (this.spans) {
      counters['weft_proxy_spans_exported_total'] = this.spans.exported;
      counters['weft_proxy_spans_dropped_total{reason="queue_full"}'] = this.spans.droppedQueueFull;
      counters['weft_proxy_spans_dropped_total{reason="export_failed"}'] = this.spans.droppedExportFailed;
      gauges['weft_proxy_spans_queued'] = this.spans.queued;
    }
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
    const secure = Promise.all([this.secureInbound?.close(false), ...this.securePorts.map((p) => p.secure.close(false)), ...this.tcp.map((t) => t.close(false)), ...this.inboundTcp.map((t) => t.close(false, timeoutMs)), ...this.gatewayTls.map((g) => g.tls.close(false))]);
    await Promise.all(this.listeners.map((l) => l.drain(timeoutMs)));
    await secure;
    await this.shutdown(false);
  }

  /** Immediate stop (tests): closes listeners and connections without waiting. */
  async close(): Promise<void> {
    this.draining = true;
    this.watcher?.stop();
    const secure = Promise.all([this.secureInbound?.close(true), ...this.securePorts.map((p) => p.secure.close(true)), ...this.tcp.map((t) => t.close(true)), ...this.inboundTcp.map((t) => t.close(true)), ...this.gatewayTls.map((g) => g.tls.close(true))]);
    await Promise.all(this.listeners.map((l) => l.drain(0)));
    await secure;
    await this.shutdown(true);
  }

  private async shutdown(force: boolean): Promise<void> {
    this.discovery?.stop();
    this.runtime?.stop();
    this.switches.stop();
    this.certificates?.stop();
    for (const g of this.gatewayTls) g.certificates.stop();
    await this.admin?.close();
    await this.registry.close(force);
    await this.accessLog?.close();
    this.accessLog = null;
    await this.spans?.close();
    this.spans = null;
  }
}
