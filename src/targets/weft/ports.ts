import type { Port, Protocol, Service } from '../../model/service';

/**
 * Which traffic the Weft proxy carries: `http` ports (HTTP/1.1), and `http2` ports, spoken as
 * HTTP/2 to the application (h2c) and between proxies (h2 by ALPN over mTLS, else h2c), while
 * callers reach them through `HTTP_PROXY` as any HTTP service. `grpc` ports stay outside
 * (WEFT643): the proxy carries gRPC (trailers, retries on grpc-status, deadlines), but gRPC
 * clients reach a proxy only by HTTP CONNECT, which the outbound listener does not serve yet, so
 * a caller's gRPC traffic would reach the destination without its proxy. `tcp` is not HTTP.
 */
export function isProxiedProtocol(protocol: Protocol): boolean {
  return protocol === 'http' || protocol === 'http2';
}

/**
 * The one port a workload's inbound listener fronts, and the port callers reach the service on
 * through the proxy: the service's first `http`/`http2` port. The proxy has a single inbound
 * listener per workload, so any other port bypasses the sidecar.
 */
export function proxiedPort(service: Pick<Service, 'ports'>): Port | undefined {
  return service.ports.find((p) => isProxiedProtocol(p.protocol));
}
