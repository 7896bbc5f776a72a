import type { Severity } from './diagnostic';

/** What docs/diagnostics.md says about one code; a test keeps the two in step. */
export interface CodeInfo {
  readonly severity: Severity;
  /** Short title, e.g. "unknown service". */
  readonly title: string;
}

/**
 * One owner's message table: every code the owner (the pipeline, an analyzer rule, a target)
 * can report, with its severity and title, in one place so that wording is reviewed together
 * (eslint's `meta.messages`, one table per rule). Each owner keeps it in its own `codes.ts` or
 * next to its check. Ranges:
 * - WEFT0xx loading and construct props
 * - WEFT1xx references and routes
 * - WEFT2xx resilience
 * - WEFT3xx security
 * - WEFT4xx topology
 * - WEFT5xx hygiene
 * - WEFT6xx target-specific (60x Istio, 62x Consul, 64x–65x Weft proxy, 66x and 691–699 Kubernetes, 690 schema check)
 */
export type CodeTable = Readonly<Record<string, CodeInfo>>;

/** An owner of codes, as the registry joins them. */
export interface CodeOwner {
  /** For the duplicate-code error, e.g. `rule route-weights` or `target istio`. */
  readonly owner: string;
  readonly codes: CodeTable;
}
