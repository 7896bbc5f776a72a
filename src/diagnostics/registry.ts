import type { CodeInfo, CodeOwner } from './codes';

/**
 * Every code of a compiler run, joined from its owners' tables: synth assembles it from the
 * pipeline, the analyzer's rules and the targets (`src/synth/registry.ts`), so that neither the
 * analyzer nor a target needs to know the others. docs/diagnostics.md lists every entry.
 */
export class CodeRegistry {
  private readonly byCode: ReadonlyMap<string, CodeInfo>;

  constructor(owners: readonly CodeOwner[]) {
    const all = new Map<string, CodeInfo>();
    for (const { owner, codes } of owners) {
      for (const [code, info] of Object.entries(codes)) {
        if (all.has(code)) throw new Error(`code ${code} is declared twice (again by ${owner})`);
        all.set(code, info);
      }
    }
    this.byCode = new Map([...all].sort(([a], [b]) => a.localeCompare(b)));
  }

  get(code: string): CodeInfo | undefined {
    return this.byCode.get(code);
  }

  /** Every code with its entry, ordered by code. */
  entries(): ReadonlyMap<string, CodeInfo> {
    return this.byCode;
  }
}
