import type { SourceLocation } from './location';

export type Severity = 'error' | 'warning' | 'info';

/**
 * A problem the user can fix. Every diagnostic has a stable code listed in
 * `docs/diagnostics.md` and in the code registry (`registry.ts`, assembled by synth).
 */
export interface Diagnostic {
  /** `WEFT` + three digits, e.g. `WEFT104`. */
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  /** Construct path of the node the problem belongs to. */
  readonly path: string;
  /** Where in mesh.config.ts; absent only for problems that belong to no declaration. */
  readonly location?: SourceLocation;
  /** How to fix it, in one sentence. */
  readonly hint: string;
  /**
   * For a prop mistake (WEFT001): the path of the offending field inside the construct's props,
   * e.g. `['versions', 'v1', 'replicas']`. Synth moves `location` onto that field when it can
   * find it in the source.
   */
  readonly field?: readonly (string | number)[];
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Orders diagnostics by file, line, column, then code, so that output is deterministic. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      (a.location?.file ?? '').localeCompare(b.location?.file ?? '') ||
      (a.location?.line ?? 0) - (b.location?.line ?? 0) ||
      (a.location?.column ?? 0) - (b.location?.column ?? 0) ||
      a.code.localeCompare(b.code) ||
      a.message.localeCompare(b.message),
  );
}
