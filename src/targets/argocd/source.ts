/**
 * The directory source of an environment: every `*.yaml` under `dist/<env>/` except the
 * `argocd/` folder (the Application must not manage itself or its AppProject; they are applied
 * once, by hand or by a parent Application). Weft's JSON proxy configs stay out: they reach the
 * cluster inside ConfigMaps. Argo CD matches `include`/`exclude` against the path relative to
 * the source path with gobwas/glob without separators, so `*` also matches `/`.
 * @see https://argo-cd.readthedocs.io/en/stable/user-guide/directory/#includingexcluding-files
 */
export function directorySource(repoUrl: string, targetRevision: string, path: string): Record<string, unknown> {
  return {
    repoURL: repoUrl,
    targetRevision,
    path,
    directory: { recurse: true, include: '*.yaml', exclude: 'argocd/*' },
  };
}
