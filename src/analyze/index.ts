import { sortDiagnostics, type Diagnostic } from '../diagnostics/diagnostic';
import { CodeRegistry } from '../diagnostics/registry';
import { Reporter } from '../diagnostics/reporter';
import { withModelMemo } from '../model/memo';
import { ModelIndex } from '../model/query';
import type { MeshModel } from '../model/mesh';
import type { Rule, RuleContext } from './rule';
import { RULES } from './rules/index';

/**
 * Runs every rule over the model and returns all diagnostics, sorted by location. Never throws
 * on user input. The rules' own code tables give each code its severity; the analyzer knows no
 * target (synth joins every owner's codes, src/synth/registry.ts).
 */
export function analyze(model: MeshModel, rules: readonly Rule[] = RULES): Diagnostic[] {
  const reporter = new Reporter(new CodeRegistry(rules.map((rule) => ({ owner: `rule ${rule.id}`, codes: rule.codes }))));
  const ctx: RuleContext = { model, index: new ModelIndex(model), report: reporter.report };
  // Indexes derived from the model (model/memo.ts) are built once and shared by every rule.
  withModelMemo(() => {
    for (const rule of rules) rule.check(ctx);
  });
  return sortDiagnostics(reporter.diagnostics);
}
