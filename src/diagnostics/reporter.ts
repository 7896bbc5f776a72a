import type { Diagnostic, Severity } from './diagnostic';
import type { At } from './location';
import type { CodeRegistry } from './registry';

/** The one way to report a problem, for analyzer rules and targets alike. */
export type Report = (code: string, at: At, message: string, hint: string, severity?: Severity) => void;

/**
 * Collects diagnostics. The severity comes from the code's registry entry unless the caller
 * gives one; a code missing from the registry is a Weft bug and throws. Each problem is kept
 * once: a target builds one config per workload, and a route called by five workloads would
 * otherwise yield the same warning five times.
 */
export class Reporter {
  private readonly seen = new Set<string>();
  private readonly out: Diagnostic[] = [];

  constructor(private readonly registry: Pick<CodeRegistry, 'get'>) {}

  readonly report: Report = (code, at, message, hint, severity) => {
    const info = this.registry.get(code);
    if (!info) throw new Error(`bug: code ${code} is not registered`);
    this.add({ code, severity: severity ?? info.severity, message, path: at.path, location: at.location, hint });
  };

  /** Adds a diagnostic built elsewhere (the loader's, the constructs' prop checks). */
  add(diagnostic: Diagnostic): void {
    const key = `${diagnostic.code}\0${diagnostic.path}\0${diagnostic.message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.out.push(diagnostic);
  }

  get diagnostics(): readonly Diagnostic[] {
    return this.out;
  }
}
