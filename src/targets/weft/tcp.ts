/**
 * Raw TCP through the Weft proxy, both ends:
 * - inbound: one inbound TCP listener per `tcp` port of a service, on the sidecar port
 *   `INBOUND_TCP_BASE + i` (the i-th TCP port), which the Services target instead of the
 *   application's port: mTLS and L4 authorization hold for TCP as for HTTP;
 * - outbound: clients that speak no HTTP CONNECT (database drivers) reach a called service's TCP
 *   port through a local bind port on loopback — Consul's upstream `local_bind_port` — which the
 *   caller's proxy carries over mTLS (secure naming) to the callee's inbound TCP listener. The
 *   bind port is the service port itself (`127.0.0.1:5432` for postgres), and the application
 *   finds it in `WEFT_UPSTREAM_<SERVICE>_<PORT>` (WEFT669 says so at synth).
 * @see https://developer.hashicorp.com/consul/docs/connect/proxies/proxy-config-reference#upstream-configuration-reference
 * @see https://istio.io/latest/docs/tasks/security/authorization/authz-tcp/
 */
import type { MeshModel } from '../../model/mesh';
import type { ModelIndex } from '../../model/query';
import type { Port, Service, Version } from '../../model/service';
import type { ProxyConfigInput } from '../../proxy/config/schema';
import type { Report } from '../../diagnostics/reporter';
import { PROXY_PORTS } from './constants';
import { perVersionHost } from './per-version-service';
import { inboundHttpPorts, proxiedPort } from './ports';
import { tcpDestinationsFor, tcpMaxConnections, tcpServicePolicy } from './tcp-policy';

/** First sidecar port of the inbound TCP listeners (clear of Istio's 150xx ports). */
export const INBOUND_TCP_BASE = 15100;

type InboundTcpInput = NonNullable<ProxyConfigInput['inboundTcpListeners']>[number];
type TcpListenerInput = NonNullable<ProxyConfigInput['tcpListeners']>[number];
type ServiceInput = NonNullable<ProxyConfigInput['services']>[number];

/** The TCP ports of a service with the sidecar port of the inbound listener in front of each. */
export function inboundTcpPorts(service: Pick<Service, 'ports'>): Array<{ port: Port; listener: number }> {
  return service.ports.filter((p) => p.protocol === 'tcp').map((port, i) => ({ port, listener: INBOUND_TCP_BASE + i }));
}

export function inboundTcpListenersOf(service: Service): InboundTcpInput[] {
  return inboundTcpPorts(service).map(({ port, listener }) => ({ name: `${service.name}-${port.port}`, host: '0.0.0.0', port: listener, app: { host: '127.0.0.1', port: port.targetPort } }));
}

/** The sidecar port a Service's `targetPort` becomes, for a TCP port of the service; undefined for others. */
export function inboundTcpTargetPort(service: Pick<Service, 'ports'>, targetPort: number): number | undefined {
  return inboundTcpPorts(service).find((p) => p.port.targetPort === targetPort)?.listener;
}

/** `WEFT_UPSTREAM_DATA_SERVICE_5432`: where the application finds a TCP upstream's bind address. */
export function upstreamEnvName(service: Pick<Service, 'name'>, port: Pick<Port, 'port'>): string {
  return `WEFT_UPSTREAM_${service.name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_${port.port}`;
}

/** The services `service` calls, once each, in `calls` order (as the proxy config lists them). */
export function calledServicesOf(index: ModelIndex, service: Service): Service[] {
  const out: Service[] = [];
  for (const c of service.calls) {
    if (c.target.kind !== 'service') continue;
    const target = index.service(c.target.service);
    if (target && !out.includes(target)) out.push(target);
  }
  return out;
}

export interface TcpUpstream {
  service: Service;
  port: Port;
  /** Inbound listener port on the callee's pods. */
  listener: number;
  /** Loopback port in the caller's pod. */
  bindPort: number;
  /** Proxy service name: the service's own unless it also has an HTTP entry or several TCP ports. */
  proxyName: string;
}

/**
 * The TCP upstreams of a caller, each with its bind port, in `calls` order. A bind port that is
 * taken — by an earlier upstream, the caller's own ports, or the sidecar's — is reported
 * (WEFT668) and that upstream left out: the application's connections to it then go direct.
 */
export function tcpUpstreamsOf(caller: Service, called: readonly Service[], report: Report): TcpUpstream[] {
  const taken = new Map<number, string>([
    [PROXY_PORTS.outbound, 'the sidecar outbound listener'],
    [PROXY_PORTS.inbound, 'the sidecar inbound listener'],
    [PROXY_PORTS.admin, 'the sidecar admin listener'],
    ...caller.ports.map((p) => [p.targetPort, `port ${p.targetPort} of "${caller.name}" itself`] as [number, string]),
    ...inboundTcpPorts(caller).map((p) => [p.listener, 'an inbound TCP listener of the sidecar'] as [number, string]),
    ...inboundHttpPorts(caller).slice(1).map((p) => [p.listener, 'an inbound listener of the sidecar'] as [number, string]),
  ]);
  const out: TcpUpstream[] = [];
  for (const service of called) {
    const ports = inboundTcpPorts(service);
    for (const { port, listener } of ports) {
      const other = taken.get(port.port);
      if (other !== undefined) {
        report(
          'WEFT668',
          caller,
          `the local bind port 127.0.0.1:${port.port} for TCP calls from "${caller.name}" to "${service.name}" is already used by ${other}: those connections are not carried by the weft proxy, so they are neither encrypted nor authorized by the mesh`,
          `give "${service.name}" or the conflicting port another port number`,
        );
        continue;
      }
      taken.set(port.port, `the bind port for "${service.name}"`);
      const proxyName = proxiedPort(service) || ports.length > 1 ? `${service.name}-${port.port}` : service.name;
      out.push({ service, port, listener, bindPort: port.port, proxyName });
    }
  }
  return out;
}

/** The proxy `services` entry of a TCP upstream: each version's pods (headless per-version Service in DNS) on the inbound TCP listener. */
export function tcpUpstreamService(model: MeshModel, u: TcpUpstream, tls: ServiceInput['tls']): ServiceInput {
  const subset = (v: Version): ServiceInput['subsets'][number] => {
    const host = perVersionHost(model, u.service, v);
    const endpoints = v.replicas === 0 && !u.service.autoscaling ? [] : [{ address: host, port: u.listener, ...(v.replicas > 1 && !u.service.autoscaling ? { weight: v.replicas } : {}) }];
    return { name: v.name, endpoints, discovery: { type: 'dns', host, port: u.listener } };
  };
  return { name: u.proxyName, namespace: u.service.namespace, hosts: [], subsets: u.service.versions.map(subset), ...tcpServicePolicy(u.service), ...(tls ? { tls } : {}) };
}

/**
 * The caller's listener for a TCP upstream: the service's TCP route for this caller (a weighted
 * version pick per connection; on a service with HTTP ports too, routes with HTTP conditions
 * are its HTTP routes), else every pod of every version round robin per connection
 * (kube-proxy's spread); the breaker's `maxConnections` as its connection limit.
 */
export function tcpUpstreamListener(u: TcpUpstream, caller: Service): TcpListenerInput {
  const routed = tcpDestinationsFor(u.service, caller, u.proxyName);
  const maxConnections = tcpMaxConnections(u.service);
  return {
    name: `${u.service.namespace}/${u.service.name}:${u.port.port}`,
    host: '127.0.0.1',
    port: u.bindPort,
    destinations: routed ?? [{ service: u.proxyName }],
    ...(maxConnections !== undefined ? { maxConnections } : {}),
  };
}
