/**
 * HTTP CONNECT on the outbound listener: how an application whose client cannot send plain
 * HTTP to a proxy — a gRPC client (grpc-js reads `grpc_proxy`/`http_proxy`, grpc-go
 * `HTTPS_PROXY`), a database driver behind `HTTPS_PROXY` — still goes through the sidecar. The
 * request-target's authority (`host:port`) picks what the tunnel carries, in this order:
 * - a TCP route whose `connectAuthorities` name it: the bytes go to one of its weighted
 *   destinations, with its connection limit, idle timeout and `istio_tcp_*` metrics, exactly as
 *   a connection accepted by its own listener (tcp-proxy.ts);
 * - an authority the HTTP routes or a service's hosts serve: the tunnel is served as a new
 *   outbound connection — HTTP/2 with prior knowledge (gRPC) or HTTP/1.1, told by its first
 *   bytes — so every request in it is routed, retried, timed out and measured like any other;
 * - anything else: with `listeners.outbound.passthrough` (Istio's `ALLOW_ANY`), a plain TCP
 *   tunnel to the authority as asked (passthrough.ts); without it, 404 (only declared
 *   destinations are reachable, Istio's `REGISTRY_ONLY`).
 * Envoy answers CONNECT the same way when `upgrade_configs: CONNECT` terminates the tunnel.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-9.3.6
 * @see https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/http/upgrades#connect-support
 */
import type { Socket } from 'node:net';
import type { Runtime } from '../../runtime';
import type { TcpProxy } from '../tcp/tcp-proxy';

export interface TunnelHost {
  /** Serves a socket as a fresh outbound connection (HTTP/2 or HTTP/1.1 by its first bytes). */
  acceptTunneled(socket: Socket): void;
  /** The TCP route of that name (set by the proxy once its TCP routes exist). */
  tcpTunnels?: (name: string) => TcpProxy | undefined;
  /** Tunnels an undeclared authority as asked (set by the proxy, with its metrics). */
  passthrough?: (socket: Socket, authority: string) => void;
}

/** The `host:port` of a CONNECT target with a default port of 443 when none is given (RFC 9110: the port is required; be lenient). */
function withPort(authority: string): string {
  const colon = authority.lastIndexOf(':');
  return colon > authority.lastIndexOf(']') ? authority : `${authority}:443`;
}

export function openTunnel(host: TunnelHost, rt: Runtime, target: string): ((socket: Socket) => void) | null {
  const authority = withPort(target);
  const tcp = rt.config.tcpListeners.find((t) => t.connectAuthorities.includes(authority));
  if (tcp) {
    const proxy = host.tcpTunnels?.(tcp.name);
    if (proxy) return (socket) => proxy.acceptTunneled(socket);
  }
  if (rt.servesHttp(authority)) return (socket) => host.acceptTunneled(socket);
  const open = host.passthrough;
  if (open && rt.config.listeners.outbound?.passthrough) return (socket) => open(socket, authority);
  return null;
}
