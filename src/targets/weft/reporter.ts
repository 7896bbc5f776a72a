import type { At } from '../../analyze/rule';
import type { EmitContext } from '../target';
import { WEFT_CODES, type WeftCode } from './codes';

/**
 * Reports each problem once, with the severity of its registry entry. One config is built per
 * workload, so a route called by five workloads would otherwise yield the same warning five times.
 */
export class Reporter {
  private readonly seen = new Set<string>();

  constructor(private readonly ctx: Pick<EmitContext, 'report'>) {}

  report(code: WeftCode, at: At, message: string, hint: string): void {
    const key = `${code}\0${at.path}\0${message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.ctx.report({ code, message, path: at.path, location: at.location, hint, severity: WEFT_CODES[code].severity });
  }
}
