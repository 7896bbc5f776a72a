import { ModelIndex } from '../model/query';
import type { MeshModel } from '../model/mesh';
import { allCodes } from './registry';
import { sortDiagnostics, type Diagnostic } from './diagnostic';
import type { Rule, RuleContext } from './rule';
import { RULES } from './rules/index';
import { withAnalysisMemo } from './helpers/memo';

export type { Diagnostic } from './diagnostic';

/** Runs every rule over the model and returns all diagnostics, sorted by location. Never throws on user input. */
export function analyze(model: MeshModel, rules: readonly Rule[] = RULES): Diagnostic[] {
  const codes = allCodes();
  const out: Diagnostic[] = [];
  const ctx: RuleContext = {
    model,
    index: new ModelIndex(model),
    report(code, at, message, hint, severity) {
      const info = codes.get(code);
      if (!info) throw new Error(`analyzer bug: code ${code} is not registered`);
      out.push({ code, severity: severity ?? info.severity, message, path: at.path, location: at.location, hint });
    },
  };
  // Indexes derived from the model (helpers/memo.ts) are built once and shared by every rule.
  withAnalysisMemo(() => {
    for (const rule of rules) rule.check(ctx);
  });
  return sortDiagnostics(out);
}
