/**
 * A CONNECT tunnel to an authority nothing in the config declares, when the outbound listener
 * allows it (`listeners.outbound.passthrough`, Istio's `outboundTrafficPolicy: ALLOW_ANY`): the
 * bytes go to `host:port` as the application asked, bounded by a connect timeout and an idle
 * timeout, and are counted under Istio's name for such traffic, `PassthroughCluster`.
 * @see https://istio.io/latest/docs/tasks/traffic-management/egress/egress-control/#envoy-passthrough-to-external-services
 */
import { connect, type Socket } from 'node:net';
import type { TcpMetricsSink } from '../tcp/tcp-proxy';

const CONNECT_TIMEOUT_MS = 10_000;
/** Envoy tcp_proxy's default idle timeout. */
const IDLE_TIMEOUT_MS = 3_600_000;

export function passthrough(client: Socket, authority: string, metrics: TcpMetricsSink | null, source: string): void {
  const colon = authority.lastIndexOf(':');
  const host = authority.slice(0, colon).replace(/^\[|\]$/g, '');
  const port = Number(authority.slice(colon + 1));
  const labels = (flags: string) => `reporter="source",${source},destination_service="PassthroughCluster",destination_service_name="PassthroughCluster",destination_service_namespace="unknown",destination_version="unknown",response_flags="${flags}"`;
  const upstream = connect({ host, port, noDelay: true });
  const timer = setTimeout(() => upstream.destroy(new Error('connect timeout')), CONNECT_TIMEOUT_MS);
  let opened = false;
  let done = false;
  let sent = 0;
  let received = 0;
  const finish = (flags: string): void => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    if (!opened) metrics?.inc(`istio_tcp_connections_opened_total{${labels(flags)}}`);
    metrics?.inc(`istio_tcp_connections_closed_total{${labels(flags)}}`);
    if (received > 0) metrics?.inc(`istio_tcp_received_bytes_total{${labels(flags)}}`, received);
    if (sent > 0) metrics?.inc(`istio_tcp_sent_bytes_total{${labels(flags)}}`, sent);
    client.destroy();
    upstream.destroy();
  };
  client.on('error', () => finish('-'));
  upstream.once('connect', () => {
    clearTimeout(timer);
    opened = true;
    metrics?.inc(`istio_tcp_connections_opened_total{${labels('-')}}`);
    client.on('data', (b: Buffer) => (received += b.length));
    upstream.on('data', (b: Buffer) => (sent += b.length));
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
    client.setTimeout(IDLE_TIMEOUT_MS, () => finish('-'));
  });
  upstream.on('error', () => finish(opened ? '-' : 'UF'));
  upstream.on('close', () => finish('-'));
  client.on('close', () => finish('-'));
  client.on('end', () => upstream.end());
  upstream.on('end', () => client.end());
}
