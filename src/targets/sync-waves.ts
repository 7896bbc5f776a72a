import type { Manifest } from './target';

/**
 * Argo CD sync waves: lower waves are applied, and must be healthy, before higher ones.
 * The order is "make before break" for every target:
 *
 *   namespaces (and the mesh's trust roots) → config and identities → workloads → subsets
 *   (DestinationRules, resolvers, per-version Services, gateways) → routes → tightening policies
 *
 * Workloads exist before a subset selects them; subsets exist before a route sends traffic to
 * them (a VirtualService naming a subset that no DestinationRule defines answers 503 NR); and a
 * policy that takes access away (an Istio DENY or allow-nothing policy, STRICT mTLS, Consul's
 * default-deny intention, a default-deny NetworkPolicy, mesh-destinations-only egress, a local
 * rate limit) lands last, after everything it would otherwise cut off is in place. Policies
 * that grant access (ALLOW rules, allow intentions) come with the config, before the workloads.
 *
 * Emitters pick a wave by name; `syncPhaseOf` is the one classification of an object into its
 * phase, and test/targets/sync-waves.test.ts checks every object of every target against it.
 * @see https://argo-cd.readthedocs.io/en/stable/user-guide/sync-waves/
 */
export const SyncWave = {
  /** Namespaces and the cluster-wide trust roots (cert-manager ClusterIssuers, the mesh CA). */
  namespace: -3,
  /** ServiceAccounts, ConfigMaps, workload certificates, mesh-wide settings, ALLOW rules. */
  foundation: -2,
  /** Deployments, Services, autoscalers, disruption budgets, per-service NetworkPolicies, scrape configs. */
  workloads: -1,
  /** Subsets and endpoints: DestinationRules, ServiceEntries, Sidecars, Gateways, Consul resolvers and defaults, per-version Services. */
  destinations: 0,
  /** VirtualServices, Consul routers and splitters, HTTPRoutes: traffic shifts only once its destinations exist. */
  routes: 1,
  /** Policies that take access away: DENY / allow-nothing, STRICT mTLS, default-deny, local rate limits. */
  tightening: 2,
} as const;

export type SyncPhase = keyof typeof SyncWave;

export function syncWave(wave: number): Record<string, string> {
  return { 'argocd.argoproj.io/sync-wave': String(wave) };
}

/** The wave an object carries, or undefined when it has none. */
export function syncWaveOf(m: Manifest): number | undefined {
  const text = m.metadata.annotations?.['argocd.argoproj.io/sync-wave'];
  return text === undefined ? undefined : Number(text);
}

type Spec = Record<string, unknown> | undefined;
const specOf = (m: Manifest): Spec => (m.spec && typeof m.spec === 'object' ? (m.spec as Record<string, unknown>) : undefined);
const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.lastIndexOf('/')) : '');

/** Phase by API group and kind, for kinds whose phase does not depend on their spec. */
const PHASE_BY_KIND: Record<string, SyncPhase> = {
  '/Namespace': 'namespace',
  'cert-manager.io/ClusterIssuer': 'namespace',
  'apiextensions.k8s.io/CustomResourceDefinition': 'namespace',
  '/ServiceAccount': 'foundation',
  '/ConfigMap': 'foundation',
  '/Secret': 'foundation',
  // Kinds teams add through the escape hatch (team.chart) that workloads depend on.
  '/ResourceQuota': 'foundation',
  '/LimitRange': 'foundation',
  '/PersistentVolumeClaim': 'foundation',
  'scheduling.k8s.io/PriorityClass': 'foundation',
  'node.k8s.io/RuntimeClass': 'foundation',
  'rbac.authorization.k8s.io/Role': 'foundation',
  'rbac.authorization.k8s.io/RoleBinding': 'foundation',
  'rbac.authorization.k8s.io/ClusterRole': 'foundation',
  'rbac.authorization.k8s.io/ClusterRoleBinding': 'foundation',
  'apps/StatefulSet': 'workloads',
  'apps/DaemonSet': 'workloads',
  'batch/Job': 'workloads',
  'batch/CronJob': 'workloads',
  'networking.k8s.io/Ingress': 'routes',
  'networking.istio.io/Sidecar': 'destinations',
  'networking.istio.io/DestinationRule': 'destinations',
  'networking.istio.io/ServiceEntry': 'destinations',
  'networking.istio.io/Gateway': 'destinations',
  'networking.istio.io/VirtualService': 'routes',
  'security.istio.io/RequestAuthentication': 'foundation',
  'telemetry.istio.io/Telemetry': 'foundation',
  'consul.hashicorp.com/ProxyDefaults': 'foundation',
  'consul.hashicorp.com/JWTProvider': 'foundation',
  'consul.hashicorp.com/ServiceDefaults': 'destinations',
  'consul.hashicorp.com/ServiceResolver': 'destinations',
  'consul.hashicorp.com/ServiceRouter': 'routes',
  'consul.hashicorp.com/ServiceSplitter': 'routes',
  'gateway.networking.k8s.io/Gateway': 'destinations',
  'gateway.networking.k8s.io/ReferenceGrant': 'destinations',
  'gateway.networking.k8s.io/HTTPRoute': 'routes',
  'apps/Deployment': 'workloads',
  'autoscaling/HorizontalPodAutoscaler': 'workloads',
  'policy/PodDisruptionBudget': 'workloads',
  'monitoring.coreos.com/PodMonitor': 'workloads',
  'monitoring.coreos.com/ServiceMonitor': 'workloads',
  'monitoring.coreos.com/PrometheusRule': 'workloads',
};

/**
 * The phase an object belongs in. Kinds whose effect depends on their spec (a policy that grants
 * or takes away access, a Service that is a workload's or a subset's) are read from it.
 * Throws for a kind no phase is known for: a new kind must be placed in the order on purpose.
 */
export function syncPhaseOf(m: Manifest): SyncPhase {
  const key = `${groupOf(m.apiVersion)}/${m.kind}`;
  const spec = specOf(m);
  switch (key) {
    case '/Service':
      // Weft's per-version Services select one version's pods: they are subsets.
      return (spec?.selector as Record<string, string> | undefined)?.['version'] !== undefined ? 'destinations' : 'workloads';
    case 'cert-manager.io/Certificate':
      return spec?.isCA === true ? 'namespace' : 'foundation';
    case 'security.istio.io/PeerAuthentication':
      return (spec?.mtls as { mode?: string } | undefined)?.mode === 'STRICT' ? 'tightening' : 'foundation';
    case 'security.istio.io/AuthorizationPolicy': {
      // An ALLOW policy without rules allows nothing; DENY policies deny.
      const action = (spec?.action as string | undefined) ?? 'ALLOW';
      const rules = spec?.rules as unknown[] | undefined;
      return action === 'DENY' || (action === 'ALLOW' && (!rules || rules.length === 0)) ? 'tightening' : 'foundation';
    }
    case 'networking.istio.io/EnvoyFilter':
      return envoyFilterPhase(spec);
    case 'networking.k8s.io/NetworkPolicy': {
      // A policy with no ingress rule isolates the pods it selects: default deny.
      const ingress = spec?.ingress as unknown[] | undefined;
      return !ingress || ingress.length === 0 ? 'tightening' : 'workloads';
    }
    case 'consul.hashicorp.com/ServiceIntentions': {
      const sources = (spec?.sources as Array<{ action?: string }> | undefined) ?? [];
      return sources.length > 0 && sources.every((s) => s.action === 'deny') ? 'tightening' : 'foundation';
    }
    case 'consul.hashicorp.com/Mesh': {
      // Mesh-destinations-only cuts egress off; it goes last unless the same entry must first
      // allow permissive mTLS for a ServiceDefaults of an earlier wave.
      const only = (spec?.transparentProxy as { meshDestinationsOnly?: boolean } | undefined)?.meshDestinationsOnly === true;
      return only && spec?.allowEnablingPermissiveMutualTLS !== true ? 'tightening' : 'foundation';
    }
  }
  const phase = PHASE_BY_KIND[key];
  if (!phase) throw new Error(`sync-waves: no sync phase is defined for ${key}; place it in the order in src/targets/sync-waves.ts`);
  return phase;
}

/** The phase of a kind Weft places in the order, or undefined for one it does not know (a user's CRD). */
export function knownSyncPhaseOf(m: Manifest): SyncPhase | undefined {
  try {
    return syncPhaseOf(m);
  } catch {
    return undefined;
  }
}

/**
 * An object a team added through the escape hatch, with the wave of its kind's phase unless it
 * carries its own `argocd.argoproj.io/sync-wave` (the user's choice stands); a kind Weft does
 * not know keeps Argo CD's default wave 0.
 */
export function withSyncWave(m: Manifest): Manifest {
  if (syncWaveOf(m) !== undefined) return m;
  const phase = knownSyncPhaseOf(m);
  if (!phase) return m;
  return { ...m, metadata: { ...m.metadata, annotations: { ...m.metadata.annotations, ...syncWave(SyncWave[phase]) } } };
}

/**
 * EnvoyFilters are phased by the filters they insert: a local rate limit takes capacity away
 * (tightening); anything else (custom responses for fallbacks) must be in place before the
 * routes that may need it.
 */
function envoyFilterPhase(spec: Spec): SyncPhase {
  const patches = (spec?.configPatches as Array<{ patch?: { value?: { name?: string } } }> | undefined) ?? [];
  const limits = patches.some((p) => p.patch?.value?.name === 'envoy.filters.http.local_ratelimit');
  return limits ? 'tightening' : 'destinations';
}
