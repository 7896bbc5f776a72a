import { PIPELINE_CODES, type CodeInfo } from './codes';
import { RULES } from './rules/index';
import { TARGETS } from '../targets/index';

/** Every code Weft can emit: pipeline, analyzer rules and targets. docs/diagnostics.md lists them all. */
export function allCodes(): Map<string, CodeInfo> {
  const all = new Map<string, CodeInfo>();
  const add = (codes: Readonly<Record<string, CodeInfo>>, owner: string) => {
    for (const [code, info] of Object.entries(codes)) {
      if (all.has(code)) throw new Error(`code ${code} is declared twice (again by ${owner})`);
      all.set(code, info);
    }
  };
  add(PIPELINE_CODES, 'pipeline');
  for (const rule of RULES) add(rule.codes, `rule ${rule.id}`);
  for (const target of TARGETS) add(target.codes, `target ${target.name}`);
  return new Map([...all].sort(([a], [b]) => a.localeCompare(b)));
}
