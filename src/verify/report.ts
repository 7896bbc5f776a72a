/**
 * The JSON report of `weft verify` (`--json FILE`): the stable contract between the verifier and
 * whoever renders it (the observability target's HTML report page, CI dashboards). Additive
 * changes only; a breaking change bumps `schemaVersion`. docs/verify.md documents every field.
 */

/** Where a checked behaviour is declared in mesh.config.ts. */
export interface Declaration {
  /** Construct path, e.g. `shop/storefront/springboot-app/route:canary`. */
  path: string;
  /** File as the user wrote it (relative to the working directory when possible). */
  file: string;
  line: number;
  column: number;
}

/** What a check verifies; one kind per behaviour family of the plan. */
export type CheckKind =
  | 'route'
  | 'split'
  | 'redirect'
  | 'direct-response'
  | 'rewrite'
  | 'request-headers'
  | 'response-headers'
  | 'retries'
  | 'timeout'
  | 'fault'
  | 'mirror'
  | 'rate-limit'
  | 'circuit-breaker'
  | 'load-balancer'
  | 'fallback'
  | 'authorization'
  | 'jwt'
  | 'mtls';

export type Status = 'passed' | 'failed' | 'skipped';

/** A proportion judged by an exact binomial test. */
export interface ProportionEvidence {
  /** What is counted, e.g. `version v1` or `aborted (503, flag FI)`. */
  outcome: string;
  successes: number;
  trials: number;
  /** Declared share, 0..1. */
  expected: number;
  observed: number;
  /** Clopper–Pearson interval at `confidence`. */
  interval: [number, number];
  confidence: number;
  /** Two-sided exact binomial p-value. */
  pValue: number;
  /** The Holm-adjusted threshold this p-value was compared with. */
  threshold: number;
}

/** What the verifier saw for one assertion; enough to judge it again by hand. */
export interface Evidence {
  /** Probes sent for this assertion. */
  requests: number;
  /** Outcome → count (versions, statuses, flags, attempts…). */
  counts: Record<string, number>;
  proportion?: ProportionEvidence;
  /** Observed durations, ms (timeouts, delays): min, median, max. */
  latencyMs?: { min: number; median: number; max: number };
  /**
   * The same durations as a histogram on Envoy's default bucket bounds (src/verify/stats/histogram.ts):
   * `counts[i]` probes took ≤ `boundsMs[i]` ms (and more than the bound before); the last count is
   * the overflow. Set where an assertion has every probe of a route behind it (routing, splits,
   * faults, mirrors, timeouts).
   */
  latencyHistogramMs?: { boundsMs: number[]; counts: number[] };
  /** Up to five x-request-id values of probes behind this assertion (first failing ones first). */
  sampleRequestIds: string[];
}

export interface AssertionResult {
  /** Short name, e.g. `positive`, `near-miss: header end-user`, `attempts`. */
  name: string;
  status: Status;
  expected: string;
  observed: string;
  evidence: Evidence;
}

export interface CheckResult {
  /** Stable id, `<kind>:<declaration path>[:<detail>]`; `--only` matches it. */
  id: string;
  kind: CheckKind;
  title: string;
  declaration: Declaration;
  /** failed when any assertion failed; skipped when none ran (see `skipReason`). */
  status: Status;
  skipReason?: string;
  assertions: AssertionResult[];
  durationMs: number;
}

/** A declared behaviour the verifier could not check, and why (never counted as passed). */
export interface NotVerified {
  kind: CheckKind;
  declaration: Declaration;
  reason: string;
}

export interface VerifyReport {
  schemaVersion: 1;
  mesh: string;
  environment: string;
  mode: 'local' | 'target';
  /** The gateway / probe base URL in target mode. */
  target?: string;
  /** dist/ directory the local mesh ran from. */
  dist?: string;
  seed: number;
  startedAt: string;
  durationMs: number;
  statistics: {
    /** Family-wise false-failure rate across the statistical checks (Holm). */
    familyAlpha: number;
    /** Statistical checks in the family (m of Holm). */
    statisticalChecks: number;
    /** Smallest detectable deviation the sample sizes are planned for (0.05 = 5 points). */
    detectableDeviation: number;
    power: number;
  };
  summary: { checks: number; passed: number; failed: number; skipped: number; probes: number; notVerified: number };
  checks: CheckResult[];
  notVerified: NotVerified[];
}
