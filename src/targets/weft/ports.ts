import type { Port, Protocol, Service } from '../../model/service';
import { PROXY_PORTS } from './constants';

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
 * The service's first `http`/`http2`/`grpc` port: the one the sidecar's first inbound listener
 * (15006) fronts, the port of the service's own proxy entry in callers' configs, and the port its
 * routes are compiled for first. Further HTTP ports have listeners of their own (inboundHttpPorts).
 */
export function proxiedPort(service: Pick<Service, 'ports'>): Port | undefined {
  return service.ports.find((p) => isProxiedProtocol(p.protocol));
}

/** First sidecar port of the inbound listeners of a service's second, third … HTTP/gRPC port (clear of Istio's 150xx ports and of the TCP listeners at 15100). */
export const INBOUND_HTTP_BASE = 15200;

/**
 * Every `http`/`http2`/`grpc` port of a service with the sidecar port of the inbound listener in
 * front of it: the first on 15006 (`listeners.inbound`), the i-th further one on
 * INBOUND_HTTP_BASE + i (`listeners.inboundPorts`), as Envoy's inbound listener has one filter
 * chain per port. Each forwards to its own target port.
 */
export function inboundHttpPorts(service: Pick<Service, 'ports'>): Array<{ port: Port; listener: number }> {
  return service.ports.filter((p) => isProxiedProtocol(p.protocol)).map((port, i) => ({ port, listener: i === 0 ? PROXY_PORTS.inbound : INBOUND_HTTP_BASE + i - 1 }));
}

/** A further HTTP port of a service (not its first): those have a proxy entry and listener of their own. */
export function isFurtherHttpPort(service: Pick<Service, 'ports'>, port: Pick<Port, 'port'>): boolean {
  const first = proxiedPort(service);
  return first !== undefined && first.port !== port.port && service.ports.some((p) => p.port === port.port && isProxiedProtocol(p.protocol));
}
