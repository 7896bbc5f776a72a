import type { CodeInfo } from '../../diagnostics/codes';

/**
 * Codes the Kubernetes target reports: things the model allows but Kubernetes cannot express
 * as declared. Ranges WEFT66x and WEFT691–WEFT699 (see src/diagnostics/codes.ts).
 */
export const KUBERNETES_CODES = {
  WEFT660: { severity: 'warning', title: 'autoscaling on utilization without resource requests' },
  WEFT661: { severity: 'warning', title: 'probe timing rounded up to whole seconds' },
  WEFT662: { severity: 'error', title: 'config key is not a valid ConfigMap key' },
  WEFT663: { severity: 'error', title: 'autoscaling minReplicas exceeds maxReplicas' },
  WEFT664: { severity: 'error', title: 'disruption budget sets both minAvailable and maxUnavailable' },
  WEFT665: { severity: 'error', title: 'ConfigMap exceeds 1 MiB' },
  WEFT691: { severity: 'error', title: 'runAsNonRoot with runAsUser 0' },
  WEFT692: { severity: 'error', title: 'volume name taken by Weft or the mesh' },
  WEFT693: { severity: 'error', title: 'escape-hatch object outside its team\'s namespace' },
  WEFT694: { severity: 'error', title: 'escape-hatch object fails its schema' },
  WEFT695: { severity: 'error', title: 'escape-hatch object replaces an object Weft writes' },
} as const satisfies Record<string, CodeInfo>;
