import { CodeRegistry } from '../diagnostics/registry';
import type { Rule } from '../analyze/rule';
import { RULES } from '../analyze/rules/index';
import { TARGETS } from '../targets/index';
import type { Target } from '../targets/target';
import { PIPELINE_CODES } from './codes';
import { VERIFY_CODES } from '../verify/codes';

/**
 * Every code Weft can emit: the pipeline's, the analyzer rules' and the targets'. Synth
 * assembles it, so that the analyzer never loads a target (and through the weft target the
 * proxy's config loader) just to know their codes. docs/diagnostics.md lists them all.
 */
export function codeRegistry(rules: readonly Rule[] = RULES, targets: readonly Target[] = TARGETS): CodeRegistry {
  return new CodeRegistry([
    { owner: 'pipeline', codes: PIPELINE_CODES },
    ...rules.map((rule) => ({ owner: `rule ${rule.id}`, codes: rule.codes })),
    ...targets.map((target) => ({ owner: `target ${target.name}`, codes: target.codes })),
    { owner: 'verify', codes: VERIFY_CODES },
  ]);
}
