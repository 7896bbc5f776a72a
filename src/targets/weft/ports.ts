import type { Port, Protocol, Service } from '../../model/service';

/**
 * Which traffic the Weft proxy (part 1) carries. It is an HTTP/1.1 proxy: `http` ports go
 * through it; `http2` ports too, carried as HTTP/1.1 on both hops (WEFT644); `grpc` needs
 * HTTP/2 end to end (trailers) and `tcp` is not HTTP, so both bypass the sidecar (WEFT643).
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
