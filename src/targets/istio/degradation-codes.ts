import type { CodeInfo } from '../../diagnostics/codes';

/**
 * Codes of the Istio mapping of degradation (docs/degradation.md), from the degradation range
 * WEFT848–WEFT859: what Istio expresses differently from the weft proxy, named per declaration.
 */
export const ISTIO_DEGRADATION_CODES = {
  WEFT848: { severity: 'warning', title: 'fallback partly expressed in Istio' },
  WEFT849: { severity: 'warning', title: 'ratio breaker approximated by Istio outlier detection' },
} as const satisfies Record<string, CodeInfo>;
