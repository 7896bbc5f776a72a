import { isClusterScopedKind } from '../../model/escape-hatch';
import type { MeshFlavour, MeshModel } from '../../model/mesh';

/** An API group and kind, as an AppProject's resource whitelists name them (`''` is the core group). */
export interface GroupKind {
  group: string;
  kind: string;
}

/**
 * The kinds Weft writes, per target, for the AppProject's whitelists. A static, documented list
 * rather than one computed from the other targets' output: targets never import one another nor
 * read each other's objects (docs/architecture.md), and the AppProject must not change when a
 * service starts or stops using a feature. test/targets/argocd/kinds.test.ts compiles the
 * example mesh and every fixture and fails when a target writes a kind missing here.
 * @see https://argo-cd.readthedocs.io/en/stable/user-guide/projects/
 */
const CORE_NAMESPACED: readonly GroupKind[] = [
  { group: '', kind: 'ConfigMap' },
  { group: '', kind: 'Service' },
  { group: '', kind: 'ServiceAccount' },
  { group: 'apps', kind: 'Deployment' },
  { group: 'autoscaling', kind: 'HorizontalPodAutoscaler' },
  { group: 'networking.k8s.io', kind: 'NetworkPolicy' },
  { group: 'policy', kind: 'PodDisruptionBudget' },
];

/** The observability target's Prometheus Operator objects, written for every mesh. */
const OBSERVABILITY: readonly GroupKind[] = [
  { group: 'monitoring.coreos.com', kind: 'PodMonitor' },
  { group: 'monitoring.coreos.com', kind: 'PrometheusRule' },
  { group: 'monitoring.coreos.com', kind: 'ServiceMonitor' },
];

/** @see https://istio.io/latest/docs/reference/config/ */
const ISTIO: readonly GroupKind[] = [
  { group: 'networking.istio.io', kind: 'DestinationRule' },
  { group: 'networking.istio.io', kind: 'EnvoyFilter' },
  { group: 'networking.istio.io', kind: 'Gateway' },
  { group: 'networking.istio.io', kind: 'ServiceEntry' },
  { group: 'networking.istio.io', kind: 'Sidecar' },
  { group: 'networking.istio.io', kind: 'VirtualService' },
  { group: 'security.istio.io', kind: 'AuthorizationPolicy' },
  { group: 'security.istio.io', kind: 'PeerAuthentication' },
  { group: 'security.istio.io', kind: 'RequestAuthentication' },
  { group: 'telemetry.istio.io', kind: 'Telemetry' },
];

/**
 * consul-k8s custom resources (all namespaced), and the Gateway API objects of the Consul API
 * gateway (its ingress).
 * @see https://developer.hashicorp.com/consul/docs/k8s/crds
 * @see https://developer.hashicorp.com/consul/docs/connect/gateways/api-gateway
 */
const CONSUL: readonly GroupKind[] = [
  ...[
    'ExportedServices', 'IngressGateway', 'JWTProvider', 'Mesh', 'ProxyDefaults', 'ServiceDefaults',
    'ServiceIntentions', 'ServiceResolver', 'ServiceRouter', 'ServiceSplitter', 'TerminatingGateway',
  ].map((kind) => ({ group: 'consul.hashicorp.com', kind })),
  ...['Gateway', 'HTTPRoute', 'ReferenceGrant'].map((kind) => ({ group: 'gateway.networking.k8s.io', kind })),
];

/**
 * The weft mesh adds per-version Services and proxy-config ConfigMaps (core kinds) and the
 * workload identities its mTLS uses: cert-manager Certificates, issued by a ClusterIssuer.
 * @see https://cert-manager.io/docs/reference/api-docs/
 */
const WEFT: readonly GroupKind[] = [{ group: 'cert-manager.io', kind: 'Certificate' }];
const WEFT_CLUSTER: readonly GroupKind[] = [{ group: 'cert-manager.io', kind: 'ClusterIssuer' }];

const BY_FLAVOUR: Readonly<Record<MeshFlavour, readonly GroupKind[]>> = { istio: ISTIO, consul: CONSUL, weft: WEFT };

/**
 * Namespaces a mesh flavour writes to besides the model's: Istio's root namespace holds the
 * mesh-wide PeerAuthentication and Telemetry.
 * @see https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#MeshConfig-root_namespace
 */
export const FLAVOUR_NAMESPACES: Readonly<Record<MeshFlavour, readonly string[]>> = { istio: ['istio-system'], consul: [], weft: ['cert-manager'] };

const CLUSTER_BY_FLAVOUR: Readonly<Record<MeshFlavour, readonly GroupKind[]>> = { istio: [], consul: [], weft: WEFT_CLUSTER };

/** Cluster-scoped kinds: the teams' Namespaces, and a mesh's own (the weft mesh's ClusterIssuers). */
export function clusterKinds(flavours: readonly MeshFlavour[]): GroupKind[] {
  return sortedUnique([{ group: '', kind: 'Namespace' }, ...flavours.flatMap((f) => CLUSTER_BY_FLAVOUR[f])]);
}

/** Namespaced kinds of the given flavours, sorted by group then kind, each once. */
export function namespacedKinds(flavours: readonly MeshFlavour[]): GroupKind[] {
  return sortedUnique([...CORE_NAMESPACED, ...OBSERVABILITY, ...flavours.flatMap((f) => BY_FLAVOUR[f])]);
}

function sortedUnique(all: readonly GroupKind[]): GroupKind[] {
  const unique = new Map(all.map((gk) => [`${gk.group}/${gk.kind}`, gk]));
  // Code-point order: the same bytes on every machine, whatever its locale.
  const key = (gk: GroupKind) => `${gk.group}/${gk.kind}`;
  return [...unique.values()].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/**
 * Kinds of the objects teams added through the escape hatch (`team.chart`), split as the
 * Kubernetes target writes them (cluster-wide or in the team's namespace): the AppProject must
 * admit what the user deliberately added, or Argo CD would refuse the sync.
 */
export function escapeHatchKinds(model: Pick<MeshModel, 'teams'>): { cluster: GroupKind[]; namespaced: GroupKind[] } {
  const cluster: GroupKind[] = [];
  const namespaced: GroupKind[] = [];
  for (const team of model.teams)
    for (const object of team.objects ?? []) {
      const apiVersion = String(object.manifest.apiVersion ?? '');
      const kind = String(object.manifest.kind ?? '');
      const gk = { group: apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '', kind };
      (isClusterScopedKind(kind) ? cluster : namespaced).push(gk);
    }
  return { cluster: sortedUnique(cluster), namespaced: sortedUnique(namespaced) };
}

/** Two whitelists as one, sorted, each kind once. */
export function mergeKinds(a: readonly GroupKind[], b: readonly GroupKind[]): GroupKind[] {
  return sortedUnique([...a, ...b]);
}
