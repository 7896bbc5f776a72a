import type { Severity } from './diagnostic';

/** What docs/diagnostics.md says about one code; a test keeps the two in step. */
export interface CodeInfo {
  readonly severity: Severity;
  /** Short title, e.g. "unknown service". */
  readonly title: string;
}

/**
 * The codes of the pipeline itself. Analyzer rules and targets declare their own codes next to
 * the check (`Rule.codes`, `Target.codes`); `allCodes()` in `registry.ts` joins them. Ranges:
 * - WEFT0xx loading and construct props
 * - WEFT1xx references and routes
 * - WEFT2xx resilience
 * - WEFT3xx security
 * - WEFT4xx topology
 * - WEFT5xx hygiene
 * - WEFT6xx target-specific (60x Istio, 62x Consul, 64x Weft proxy, 66x Kubernetes, 69x schema check)
 */
export const PIPELINE_CODES = {
  WEFT001: { severity: 'error', title: 'invalid construct properties' },
  WEFT002: { severity: 'error', title: 'mesh.config.ts failed to load' },
  WEFT003: { severity: 'error', title: 'no Mesh in mesh.config.ts' },
  WEFT004: { severity: 'error', title: 'unknown environment' },
  WEFT005: { severity: 'error', title: 'environment override names an unknown service' },
  WEFT006: { severity: 'error', title: 'mesh flavour has no target' },
  WEFT007: { severity: 'error', title: 'two objects map to one file' },
  WEFT008: { severity: 'info', title: 'declared feature has no target yet' },
  WEFT690: { severity: 'error', title: 'emitted object fails its schema' },
} as const satisfies Record<string, CodeInfo>;

