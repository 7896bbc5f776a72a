import { serviceFqdn } from '../../model/common';
import type { MeshModel } from '../../model/mesh';
import type { Service } from '../../model/service';
import { isMemoized, memoized } from './memo';

/** Namespaces in which the mesh declares a team or a service. */
const meshNamespaces = memoized('namespaces', (model) => new Set([...model.teams.map((t) => t.namespace), ...model.services.map((s) => s.namespace)]));

/** Services by their in-cluster FQDN; the first declared wins, as a scan in declaration order would find. */
const servicesByFqdn = memoized('services-by-fqdn', (model) => {
  const map = new Map<string, Service>();
  for (const s of model.services) {
    const fqdn = serviceFqdn(s, model.clusterDomain);
    if (!map.has(fqdn)) map.set(fqdn, s);
  }
  return map;
});

/**
 * Host names as a mesh compares them. A VirtualService host may be a short name (`reviews`,
 * interpreted in the VirtualService's namespace), `name.namespace`, `name.namespace.svc` or the
 * FQDN; all of them mean the same Kubernetes service.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#VirtualService (hosts)
 */
export function canonicalHost(host: string, ownerNamespace: string | undefined, model: MeshModel): string {
  const h = stripGatewayNamespace(host).toLowerCase();
  const suffix = `.svc.${model.clusterDomain}`;
  if (h.includes('*')) return h;
  const parts = h.split('.');
  if (parts.length === 1 && ownerNamespace) return `${h}.${ownerNamespace}${suffix}`;
  if (parts.length === 2 && meshNamespaces(model).has(parts[1]!)) return `${h}${suffix}`;
  if (parts.length === 3 && parts[2] === 'svc') return `${h}.${model.clusterDomain}`;
  return h;
}

/** The service whose in-cluster host a canonical host is, if any. */
export function serviceOfHost(canonical: string, model: MeshModel): Service | undefined {
  // Outside `analyze()` (the weft target asks too) a model is usually not memoized: one scan
  // then costs less than building the index for a single lookup.
  if (!isMemoized(model)) return model.services.find((s) => serviceFqdn(s, model.clusterDomain) === canonical);
  return servicesByFqdn(model).get(canonical);
}

/** Gateway hosts may carry a `namespace/` prefix (Istio); only the host part is matched. */
export function stripGatewayNamespace(host: string): string {
  const slash = host.indexOf('/');
  return slash >= 0 ? host.slice(slash + 1) : host;
}

/**
 * Whether two host patterns can both match one request host. `*` matches everything;
 * `*.example.com` matches any name ending in `.example.com` (Envoy's suffix wildcard, which
 * Istio gateways and VirtualServices use).
 * @see https://istio.io/latest/docs/reference/config/networking/gateway/#Server (hosts)
 */
export function hostsOverlap(a: string, b: string): boolean {
  const x = stripGatewayNamespace(a).toLowerCase();
  const y = stripGatewayNamespace(b).toLowerCase();
  if (x === '*' || y === '*' || x === y) return true;
  const xw = x.startsWith('*');
  const yw = y.startsWith('*');
  if (xw && yw) return x.endsWith(y.slice(1)) || y.endsWith(x.slice(1));
  if (xw) return wildcardMatches(x, y);
  if (yw) return wildcardMatches(y, x);
  return false;
}

function wildcardMatches(pattern: string, host: string): boolean {
  const suffix = pattern.slice(1);
  return host.length > suffix.length && host.endsWith(suffix);
}
