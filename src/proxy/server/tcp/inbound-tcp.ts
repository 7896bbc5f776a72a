/**
 * An inbound TCP listener, in front of one TCP port of the application (Istio's inbound
 * tcp_proxy chain): the workload's mTLS mode authenticates the connection exactly as on the HTTP
 * inbound listener (STRICT closes plaintext; the verified SPIFFE id is the peer principal), then
 * L4 authorization decides (security/l4-authorization.ts; a denied connection is closed before a
 * byte reaches the application, as Envoy's RBAC network filter does), then bytes are piped to the
 * application's port with backpressure until either side closes or the idle timeout passes.
 * Metrics are Istio's TCP ones with reporter="destination", the caller's principal and
 * connection_security_policy; denials also count in weft_proxy_tcp_denied_total by policy.
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/listeners/network_filters/rbac_filter
 * @see https://istio.io/latest/docs/reference/config/metrics/
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { listenOn } from '../listen';
import type { Runtime } from '../../runtime';
import { escapeLabel } from '../../metrics';
import type { CertificateWatcher } from '../../security/certificate-files';
import { L4Authorizer } from '../../security/l4-authorization';
import { connectionPrincipal, PeerAuthenticator } from '../../security/peer-authentication';
import type { TcpMetricsSink } from './tcp-proxy';

export class InboundTcpListener {
  readonly server: Server;
  readonly auth: PeerAuthenticator;
  active = 0;
  private readonly sockets = new Set<Socket>();
  /** One L4 view of the authorization config per runtime (a reload brings a new one). */
  private readonly authorizers = new WeakMap<Runtime, L4Authorizer>();

  constructor(
    readonly name: string,
    private readonly current: () => Runtime,
    private readonly metrics: TcpMetricsSink | null,
    certificates: CertificateWatcher | null,
  ) {
    const mtls = current().config.security.mtls;
    this.auth = new PeerAuthenticator(mtls?.mode ?? 'DISABLE', certificates, mtls?.trustDomain ?? '', (socket) => this.serve(socket));
    this.server = createServer({ noDelay: true }, (socket) => {
      this.track(socket);
      this.auth.accept(socket);
    });
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  private authorizer(rt: Runtime): L4Authorizer {
    let a = this.authorizers.get(rt);
    if (!a) this.authorizers.set(rt, (a = new L4Authorizer(rt.config.security.authorization)));
    return a;
  }

  private labels(rt: Runtime, principal: string, flags: string): string {
    const w = rt.config.workload;
    const svc = `${w.service}.${w.namespace}.svc.cluster.local`;
    return [
      'reporter="destination"',
      `source_principal="${escapeLabel(principal ? `spiffe://${principal}` : 'unknown')}"`,
      `destination_workload="${escapeLabel(w.workloadName ?? `${w.service}-${w.version}`)}"`,
      `destination_workload_namespace="${escapeLabel(w.namespace)}"`,
      `destination_service="${escapeLabel(svc)}"`,
      `destination_service_name="${escapeLabel(w.service)}"`,
      `destination_service_namespace="${escapeLabel(w.namespace)}"`,
      `destination_version="${escapeLabel(w.version)}"`,
      `connection_security_policy="${principal ? 'mutual_tls' : 'none'}"`,
      `response_flags="${flags}"`,
    ].join(',');
  }

  private count(metric: string, labels: string, by = 1): void {
    if (by > 0) this.metrics?.inc(`${metric}{${labels}}`, by);
  }

  /** An authenticated connection (the TLSSocket under mTLS): authorize, then pipe to the application. */
  private serve(client: Socket): void {
    this.track(client);
    client.on('error', () => client.destroy());
    const rt = this.current();
    const config = rt.config.inboundTcpListeners.find((l) => l.name === this.name);
    if (!config) return void client.destroy();
    const principal = connectionPrincipal(client);
    const decision = this.authorizer(rt).check({ principal, peerAddress: client.remoteAddress ?? '', port: config.app.port });
    if (!decision.allowed) {
      const labels = this.labels(rt, principal, '-');
      this.count('istio_tcp_connections_opened_total', labels);
      this.count('istio_tcp_connections_closed_total', labels);
      this.metrics?.inc(`weft_proxy_tcp_denied_total{listener="${escapeLabel(this.name)}",policy="${escapeLabel(decision.policy)}"}`);
      client.destroy();
      return;
    }
    if (this.active >= (config.maxConnections ?? Infinity)) {
      const labels = this.labels(rt, principal, 'UO');
      this.count('istio_tcp_connections_opened_total', labels);
      this.count('istio_tcp_connections_closed_total', labels);
      client.destroy();
      return;
    }
    this.active++;
    let flags = '-';
    let opened = false;
    let closed = false;
    let received = 0;
    let sent = 0;
    const app = connect({ host: config.app.host, port: config.app.port, noDelay: true });
    this.track(app);
    const connectTimer = setTimeout(() => app.destroy(new Error('connect timeout')), config.connectTimeoutMs);
    // Piped at once: a socket buffers writes until it is connected, and the authenticator may
    // resume the client (PERMISSIVE plaintext) right after handing it over, so no byte is lost.
    client.on('data', (b: Buffer) => (received += b.length));
    app.on('data', (b: Buffer) => (sent += b.length));
    client.pipe(app);
    app.pipe(client);
    const finish = (): void => {
      if (closed) return;
      closed = true;
      clearTimeout(connectTimer);
      this.active--;
      const labels = this.labels(rt, principal, flags);
      if (!opened) this.count('istio_tcp_connections_opened_total', labels);
      this.count('istio_tcp_connections_closed_total', labels);
      this.count('istio_tcp_received_bytes_total', labels, received);
      this.count('istio_tcp_sent_bytes_total', labels, sent);
      client.destroy();
      app.destroy();
    };
    app.once('connect', () => {
      clearTimeout(connectTimer);
      opened = true;
      this.count('istio_tcp_connections_opened_total', this.labels(rt, principal, '-'));
      client.setTimeout(config.idleTimeoutMs, finish);
    });
    app.on('error', () => {
      if (!opened) flags = 'UF';
      finish();
    });
    app.on('close', finish);
    client.on('close', finish);
    client.on('end', () => app.end());
    app.on('end', () => client.end());
  }

  listen(host: string, port: number): Promise<number> {
    return listenOn(this.server, `inbound-tcp:${this.name}`, host, port);
  }

  /**
   * Stops accepting; with `force`, cuts the open connections too. `graceMs` (drain) cuts the ones
   * still open after it: a database connection may live for hours, and a drain must end.
   */
  close(force: boolean, graceMs?: number): Promise<void> {
    const closed = new Promise<void>((r) => this.server.close(() => r()));
    if (force) for (const s of this.sockets) s.destroy();
    else if (graceMs !== undefined) {
      const timer = setTimeout(() => {
        for (const s of this.sockets) s.destroy();
      }, graceMs);
      timer.unref();
      void closed.then(() => clearTimeout(timer));
    }
    return closed;
  }
}
