import type { ExternalService } from '../../model/mesh';
import type { Port } from '../../model/service';
import { SyncWave } from '../sync-waves';
import type { Manifest } from '../target';
import { API, compact, manifest, type IstioContext } from './common';

/**
 * A ServiceEntry per external service, so that calls to it are known to the mesh (required
 * under `outboundTrafficPolicy: REGISTRY_ONLY`).
 * @see https://istio.io/latest/docs/reference/config/networking/service-entry/
 */
export function serviceEntries(ic: IstioContext): Manifest[] {
  return ic.model.externalServices.map((x) => {
    const ports = x.ports.map((p) => ({ number: p.port, name: p.name, protocol: protocolOf(p) }));
    // Istio rejects several hosts on a plain TCP port unless resolution is NONE: nothing tells the hosts apart.
    if (x.resolution !== 'none' && x.hosts.length > 1 && ports.some((p) => p.protocol === 'TCP'))
      ic.report(
        'WEFT600',
        x,
        `external service "${x.name}": several hosts on a plain TCP port cannot be expressed in an Istio ServiceEntry with ${x.resolution} resolution`,
        'declare one external service per host, use an https/tls port, or resolution "none"',
      );
    // A wildcard host is no DNS name: DNS resolution would look up "*.example.com" and find
    // nothing. Istio's wildcard egress uses NONE — the sidecar forwards to the address the
    // application itself resolved — which is what "dns" means for such a host.
    // @see https://istio.io/latest/docs/tasks/traffic-management/egress/wildcard-egress-hosts/
    const wildcard = x.resolution === 'dns' && x.hosts.some((h) => h.startsWith('*'));
    if (wildcard)
      ic.report(
        'WEFT620',
        x,
        `external service "${x.name}" has a wildcard host (${x.hosts.find((h) => h.startsWith('*'))}); Istio cannot resolve it by DNS, so its ServiceEntry uses resolution NONE: the sidecar forwards to the address the application resolved`,
        'nothing to change; declare resolution "none" to make this explicit, or list the exact hosts to have the mesh resolve them',
      );
    return manifest(ic, API.networking, 'ServiceEntry', x.name, x.namespace, x.name, SyncWave.destinations, compact({
      hosts: x.hosts,
      location: 'MESH_EXTERNAL',
      ports,
      resolution: wildcard ? 'NONE' : resolutionOf(x),
      addresses: tcpAddresses(x, ports),
      endpoints: x.resolution === 'static' && x.addresses.length ? x.addresses.map((address) => ({ address })) : undefined,
    }));
  });
}

/**
 * A ServiceEntry without `addresses` identifies plain TCP traffic by its destination port alone:
 * every connection any workload opens to that port, to any address, would go to this service.
 * For a static service the endpoint IPs are the addresses its callers dial, so they become the
 * entry's `addresses` and only connections to them are captured.
 * @see https://istio.io/latest/docs/reference/config/networking/service-entry/#ServiceEntry (addresses)
 */
function tcpAddresses(x: ExternalService, ports: readonly { protocol: string }[]): string[] | undefined {
  if (x.resolution !== 'static' || x.addresses.length === 0 || !ports.some((p) => p.protocol === 'TCP')) return undefined;
  return [...x.addresses];
}

function resolutionOf(x: ExternalService): string {
  return x.resolution === 'dns' ? 'DNS' : x.resolution === 'static' ? 'STATIC' : 'NONE';
}

/**
 * The model keeps `https`/`tls` external ports as TCP (TLS passed through); their names keep
 * the declared protocol as a prefix, which is how Istio selects a protocol from a port name,
 * so `https-443` becomes HTTPS (routed by SNI) rather than opaque TCP.
 * @see https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/#explicit-protocol-selection
 */
function protocolOf(p: Port): string {
  const prefix = p.name.split('-')[0]!.toLowerCase();
  if (p.protocol === 'tcp' && prefix === 'https') return 'HTTPS';
  if (p.protocol === 'tcp' && prefix === 'tls') return 'TLS';
  return { http: 'HTTP', http2: 'HTTP2', grpc: 'GRPC', tcp: 'TCP' }[p.protocol];
}
