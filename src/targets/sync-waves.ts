/**
 * Argo CD sync waves: lower waves are applied (and healthy) before higher ones.
 * "Make before break": subsets (DestinationRules) exist before the routes that use them, and
 * workloads exist before traffic is shifted to them.
 * @see https://argo-cd.readthedocs.io/en/stable/user-guide/sync-waves/
 */
export const SyncWave = {
  namespace: -3,
  /** ServiceAccounts, ConfigMaps, mesh-wide security (PeerAuthentication, baseline policies). */
  foundation: -2,
  /** DestinationRules and other definitions of subsets and endpoints. */
  destinations: -1,
  /** Deployments, Services, autoscalers. */
  workloads: 0,
  /** VirtualServices, Gateways, routes: shift traffic last. */
  routes: 1,
} as const;

export function syncWave(wave: number): Record<string, string> {
  return { 'argocd.argoproj.io/sync-wave': String(wave) };
}
