import type { CodeTable } from '../diagnostics/codes';
import type { Report } from '../diagnostics/reporter';
import type { MeshModel } from '../model/mesh';
import type { ModelIndex } from '../model/query';

export interface RuleContext {
  readonly model: MeshModel;
  readonly index: ModelIndex;
  /** Reports one problem; the severity comes from the code's registry entry unless given. */
  readonly report: Report;
}

/** One analyzer check. Rules never throw on user input; they report. */
export interface Rule {
  /** Short id, e.g. `route-weights`. */
  readonly id: string;
  /** The codes this rule can report: its message table (src/diagnostics/codes.ts). */
  readonly codes: CodeTable;
  check(ctx: RuleContext): void;
}
