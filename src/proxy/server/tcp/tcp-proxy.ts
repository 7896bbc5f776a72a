/**
 * A TCP listener: each accepted connection goes to one destination, chosen by weight, then to
 * one endpoint of its subset (round robin over endpoints not ejected), and bytes are piped both
 * ways with backpressure until either side closes or the idle timeout passes. A connection over
 * `maxConnections` is closed at once (Envoy's circuit-breaker overflow, flag UO); a failed
 * upstream connect closes the client (UF). Istio's TCP metrics are kept per destination:
 * istio_tcp_connections_opened_total, istio_tcp_connections_closed_total,
 * istio_tcp_sent_bytes_total (to the client), istio_tcp_received_bytes_total (from the client).
 * Outlier detection holds per endpoint as for HTTP: a failed or timed-out connect is a
 * local-origin failure and a connect that succeeds resets the host's run (Envoy's tcp_proxy
 * reports LocalOriginConnectFailed / LocalOriginConnectSuccessFinal; with Istio's
 * split_external_local_origin_errors off they count as 503 / 200 towards consecutive_5xx and
 * consecutive_gateway_failure), so a pod that refuses connections is ejected and new
 * connections go to the others.
 * Destinations are read from the current runtime per connection, so a reload applies to new
 * connections; open ones keep theirs. A destination service with `tls` (ISTIO_MUTUAL: another
 * Weft proxy's inbound TCP listener) is reached over mTLS with this workload's current
 * certificate and secure naming, so a local bind port (Consul's upstream `local_bind_port`)
 * carries a plain-TCP client's bytes to it encrypted and authenticated.
 * @see https://developer.hashicorp.com/consul/docs/connect/proxies/proxy-config-reference#upstream-configuration-reference
 * @see https://istio.io/latest/docs/reference/config/metrics/
 * @see https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/outlier
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tlsModule } from '../../builtins-on-demand';
import { listenOn } from '../listen';
import type { Runtime } from '../../runtime';
import type { CertificateMaterial } from '../../security/certificate-files';
import { mtlsConnectionOptions } from '../../security/upstream-connector';

export interface TcpMetricsSink {
  inc(sample: string, by?: number): void;
}

const esc = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"');

export class TcpProxy {
  readonly server: Server;
  active = 0;
  private readonly sockets = new Set<Socket>();
  private rr = new Map<string, number>();

  constructor(
    readonly name: string,
    private readonly current: () => Runtime,
    private readonly metrics: TcpMetricsSink | null,
    /** The workload certificate, for destinations with `tls`; null without mTLS. */
    private readonly identity: (() => CertificateMaterial) | null = null,
  ) {
    this.server = createServer({ noDelay: true, pauseOnConnect: true }, (s) => this.accept(s));
  }

  private labels(rt: Runtime, service: string, subset: string, flags: string): string {
    const w = rt.config.workload;
    const svc = rt.config.services.find((s) => s.name === service);
    const ns = svc?.namespace ?? 'unknown';
    return `reporter="source",source_workload="${esc(w.workloadName ?? `${w.service}-${w.version}`)}",source_workload_namespace="${esc(w.namespace)}",destination_service="${esc(`${service}.${ns}.svc.cluster.local`)}",destination_service_name="${esc(service)}",destination_service_namespace="${esc(ns)}",destination_version="${esc(subset || 'unknown')}",response_flags="${flags}"`;
  }

  private count(metric: string, labels: string, by = 1): void {
    if (by > 0) this.metrics?.inc(`${metric}{${labels}}`, by);
  }

  /** A connection that arrived as an HTTP CONNECT tunnel on the outbound listener (server/connect/tunnel.ts): handled as if accepted here. */
  acceptTunneled(client: Socket): void {
    client.pause();
    this.accept(client);
  }

  private accept(client: Socket): void {
    const rt = this.current();
    const config = rt.config.tcpListeners.find((l) => l.name === this.name);
    if (!config) return void client.destroy();
    client.on('error', () => client.destroy());
    // Weighted choice of the destination (per connection, as Envoy's weighted_clusters).
    const total = config.destinations.reduce((n, d) => n + d.weight, 0);
    let r = Math.random() * total;
    const dest = config.destinations.find((d) => (r -= d.weight) < 0) ?? config.destinations[config.destinations.length - 1]!;
    if (this.active >= (config.maxConnections ?? Infinity)) {
      this.count('istio_tcp_connections_opened_total', this.labels(rt, dest.service, dest.subset ?? '', 'UO'));
      this.count('istio_tcp_connections_closed_total', this.labels(rt, dest.service, dest.subset ?? '', 'UO'));
      client.destroy();
      return;
    }
    const service = rt.services.get(dest.service);
    const set = service?.subset(dest.subset);
    // In panic (too few healthy hosts: Envoy's healthy_panic_threshold) every host is used, as for HTTP.
    const healthy = (set?.panic ? set.endpoints : set?.endpoints.filter((e) => !e.ejected)) ?? [];
    if (healthy.length === 0) {
      this.count('istio_tcp_connections_opened_total', this.labels(rt, dest.service, dest.subset ?? '', 'UH'));
      this.count('istio_tcp_connections_closed_total', this.labels(rt, dest.service, dest.subset ?? '', 'UH'));
      client.destroy();
      return;
    }
    const key = `${dest.service}|${dest.subset ?? ''}`;
    const i = (this.rr.get(key) ?? 0) % healthy.length;
    this.rr.set(key, i + 1);
    const ep = healthy[i]!;
    this.active++;
    this.sockets.add(client);
    let flags = '-';
    const tls = rt.config.services.find((s) => s.name === dest.service)?.tls;
    const upstream =
      tls && this.identity
        ? tlsModule().connect({ host: ep.address, port: ep.port, ...mtlsConnectionOptions(this.identity(), tls.subjectAltNames) }).setNoDelay(true)
        : connect({ host: ep.address, port: ep.port, noDelay: true });
    this.sockets.add(upstream);
    const connectTimer = setTimeout(() => upstream.destroy(new Error('connect timeout')), config.connectTimeoutMs);
    let opened = false;
    let closed = false;
    let received = 0;
    let sent = 0;
    const finish = (): void => {
      if (closed) return;
      closed = true;
      clearTimeout(connectTimer);
      this.active--;
      this.sockets.delete(client);
      this.sockets.delete(upstream);
      const labels = this.labels(rt, dest.service, dest.subset ?? '', flags);
      if (!opened) this.count('istio_tcp_connections_opened_total', labels);
      this.count('istio_tcp_connections_closed_total', labels);
      this.count('istio_tcp_received_bytes_total', labels, received);
      this.count('istio_tcp_sent_bytes_total', labels, sent);
      client.destroy();
      upstream.destroy();
    };
    upstream.once(tls && this.identity ? 'secureConnect' : 'connect', () => {
      clearTimeout(connectTimer);
      opened = true;
      service?.outlier?.report(ep, 'success');
      this.count('istio_tcp_connections_opened_total', this.labels(rt, dest.service, dest.subset ?? '', '-'));
      client.on('data', (b: Buffer) => (received += b.length));
      upstream.on('data', (b: Buffer) => (sent += b.length));
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
      // Envoy tcp_proxy idle_timeout: no bytes either way for this long closes both sides (bytes
      // in both directions pass through the client socket, so its timer sees all activity).
      client.setTimeout(config.idleTimeoutMs, finish);
    });
    upstream.on('error', () => {
      if (!opened) {
        flags = 'UF';
        service?.outlier?.report(ep, 'local-failure');
      }
      finish();
    });
    upstream.on('close', finish);
    client.on('close', finish);
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
  }

  listen(host: string, port: number): Promise<number> {
    return listenOn(this.server, `tcp:${this.name}`, host, port);
  }

  /** Stops accepting; with `force`, cuts the open connections too (else they run out on their own). */
  close(force: boolean): Promise<void> {
    const closed = new Promise<void>((r) => this.server.close(() => r()));
    if (force) for (const s of this.sockets) s.destroy();
    return closed;
  }
}
