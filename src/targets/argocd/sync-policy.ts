/**
 * How Argo CD applies an environment: automatically, pruning what dist/ no longer holds and
 * reverting hand edits in the cluster, wave by wave (the `argocd.argoproj.io/sync-wave`
 * annotations every target writes, src/targets/sync-waves.ts).
 * @see https://argo-cd.readthedocs.io/en/stable/user-guide/auto_sync/
 * @see https://argo-cd.readthedocs.io/en/stable/user-guide/sync-options/
 */
export function syncPolicy(): Record<string, unknown> {
  return {
    automated: { prune: true, selfHeal: true },
    syncOptions: [
      // The destination namespace exists before the first wave's dry run.
      'CreateNamespace=true',
      // Proxy-config ConfigMaps grow past the 256 KiB `last-applied-configuration` annotation
      // that client-side apply needs; server-side apply has no such limit, and it leaves fields
      // other managers own (the HPA's `replicas`) to them.
      'ServerSideApply=true',
      // Without it the ignored fields are still applied on sync (ignoreDifferences only affects
      // the comparison), and a sync would reset what the HPA owns.
      'RespectIgnoreDifferences=true',
      // Remove objects that left dist/ only after every wave is applied and healthy: the new
      // routes are in place before the old subsets and workloads go ("make before break").
      'PruneLast=true',
      // Two Applications (two environments pointed at one cluster and namespace) must not
      // silently take over each other's objects.
      'FailOnSharedResource=true',
    ],
    // A failed sync (a CRD not installed yet, a webhook briefly down) is retried with
    // exponential backoff: 5 s, 10 s, 20 s, 40 s, 80 s, at most 3 minutes apart.
    retry: { limit: 5, backoff: { duration: '5s', factor: 2, maxDuration: '3m' } },
  };
}
