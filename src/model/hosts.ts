import { serviceFqdn } from './common';
import type { MeshModel } from './mesh';
import type { Service } from './service';
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
 * The one host canonicalisation of Weft. The analyzer's host rules, the Istio plan (which
 * groups routes into one VirtualService per canonical host) and the Weft proxy config all use
 * it, so that they group hosts identically (test/model/hosts.test.ts shows they agree).
 *
 * Rules, applied to the host lower-cased and without a gateway's `namespace/` prefix:
 * 1. a wildcard (`*`, `*.example.com`) stays as written;
 * 2. a short name (`reviews`) is a service in the owner's namespace: `reviews.<owner ns>.svc.<domain>`
 *    (Istio interprets short names in the namespace of the rule, not of the service);
 * 3. `name.namespace`, when `namespace` is one the mesh declares (a team's or a service's):
 *    `name.namespace.svc.<domain>` — Kubernetes DNS resolves it from any pod, and Istio's
 *    sidecars list it among the domains of the service's virtual host;
 * 4. `name.namespace.svc`: `name.namespace.svc.<domain>`;
 * 5. anything else (an FQDN, an external host) stays as written.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#VirtualService (hosts)
 * @see https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/#namespaces-of-services
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
  // Outside a memo scope (memo.ts) a mutable model is not memoized: one scan then costs less
  // than building the index for a single lookup.
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
