import type { SourceLocation } from '../model/common';
import type { MeshModel } from '../model/mesh';
import type { ModelIndex } from '../model/query';
import type { CodeInfo } from './codes';
import type { Diagnostic } from './diagnostic';

/** The place a diagnostic points at: any model node has these two fields. */
export interface At {
  readonly path: string;
  readonly location?: SourceLocation;
}

export interface RuleContext {
  readonly model: MeshModel;
  readonly index: ModelIndex;
  /** Reports one problem; the severity comes from the code's registry entry unless given. */
  report(code: string, at: At, message: string, hint: string, severity?: Diagnostic['severity']): void;
}

/** One analyzer check. Rules never throw on user input; they report. */
export interface Rule {
  /** Short id, e.g. `route-weights`. */
  readonly id: string;
  /** The codes this rule can report, with their registry entries. */
  readonly codes: Readonly<Record<string, CodeInfo>>;
  check(ctx: RuleContext): void;
}
