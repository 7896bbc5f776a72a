import type { CodeInfo } from '../../diagnostics/codes';

/**
 * Codes the argocd target reports (WEFT760–WEFT779): settings an environment delivered by Argo
 * CD needs and does not have, and settings that would make two environments' Argo CD objects
 * collide in the cluster. docs/gitops.md explains the settings.
 */
export const ARGOCD_CODES = {
  /** `repoUrl` or `targetRevision` is not set, neither on the environment nor mesh-wide. */
  WEFT760: { severity: 'error', title: 'environment delivered by Argo CD lacks a repository or revision' },
  /** Two environments name the same AppProject, each with its own destinations. */
  WEFT761: { severity: 'error', title: 'two environments share one AppProject' },
  /** Under `delivery: 'application-set'` one template serves every environment. */
  WEFT762: { severity: 'error', title: 'per-environment gitops settings under an ApplicationSet' },
  /** `distPath` must be a relative path inside the repository. */
  WEFT763: { severity: 'error', title: 'gitops distPath is not a relative repository path' },
} as const satisfies Record<string, CodeInfo>;
