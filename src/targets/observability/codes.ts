import type { CodeInfo } from '../../diagnostics/codes';

/**
 * Codes the `observability` target reports (range WEFT780–WEFT799). docs/observability.md
 * explains how SLOs become rules; docs/diagnostics.md lists each code with an example.
 */
export const OBSERVABILITY_CODES = {
  /** The duration histogram can only count requests at or under one of its bucket boundaries. */
  WEFT780: { severity: 'error', title: 'latency SLO threshold is not a histogram bucket boundary' },
  /** Request metrics count HTTP and gRPC requests; a TCP-only service has none. */
  WEFT781: { severity: 'error', title: 'SLO on a service without request metrics' },
  /** Metrics are switched off for the service, so the rules have no series to evaluate. */
  WEFT782: { severity: 'warning', title: 'SLO on a service whose metrics are off' },
  /** Consul's Envoy reports requests on the caller's side only; the rules measure what callers in the mesh see. */
  WEFT783: { severity: 'info', title: 'SLO measured on the callers\' side under Consul' },
  /** The burn-rate factors are the SRE workbook's for a 30-day window. */
  WEFT784: { severity: 'warning', title: 'SLO window shorter than the slowest alert window' },
} as const satisfies Record<string, CodeInfo>;

export type ObservabilityCode = keyof typeof OBSERVABILITY_CODES;
