import type { Port, Protocol, Service } from '../../model/service';

/**
 * Which traffic the Weft proxy carries: `http` ports (HTTP/1.1), and `http2` and `grpc` ports,
 * spoken as HTTP/2 to the application (h2c) and between proxies (h2 by ALPN over mTLS, else
 * h2c). Callers reach HTTP services through `HTTP_PROXY`; gRPC clients through the same proxy
 * by HTTP CONNECT (grpc-js reads `grpc_proxy`/`http_proxy`), after which the tunnel is served as
 * outbound HTTP/2 (src/proxy/server/connect/tunnel.ts). `tcp` is not HTTP.
 */
export function isProxiedProtocol(protocol: Protocol): boolean {
  return protocol === 'http' || protocol === 'http2' || protocol === 'grpc';
}

/** Whether a proxied port speaks HTTP/2 (gRPC is HTTP/2 with trailers). */
export function speaksHttp2(port: Pick<Port, 'protocol'>): boolean {
  return port.protocol === 'http2' || port.protocol === 'grpc';
}

/**
 * The one port a workload's inbound listener fronts, and the port callers reach the service on
 * through the proxy: the service's first `http`/`http2`/`grpc` port. The proxy has a single inbound
 * listener per workload, so any other port bypasses the sidecar.
 */
export function proxiedPort(service: Pick<Service, 'ports'>): Port | undefined {
  return service.ports.find((p) => isProxiedProtocol(p.protocol));
}
