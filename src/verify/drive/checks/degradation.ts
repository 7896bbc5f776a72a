/**
 * Fallbacks and switches (src/verify/plan/degradation.ts): each case provokes its reason with
 * echo controls (or none, for a switch that is on) and expects the declared preset answer with
 * `x-weft-fallback`; a switch case also expects the callee's echoes to have seen nothing of it.
 */
import type { AssertionResult } from '../../report';
import type { CheckSpec } from '../../plan/types';
import { assertion, outcomeKey, sleep, type CheckContext } from '../context';

type Fallback = Extract<CheckSpec, { type: 'fallback' }>;

export async function runFallback(ctx: CheckContext, spec: Fallback): Promise<AssertionResult[]> {
  const out: AssertionResult[] = [];
  for (const c of spec.cases) {
    const o = await ctx.send(spec.request, { ...(c.controls ? { controls: c.controls } : {}), instance: 0 });
    const header = o.headers['x-weft-fallback'];
    const headersOk = Object.entries(c.headers).every(([k, v]) => o.headers[k.toLowerCase()] === v);
    let reached = 0;
    if (c.calleeUntouched) {
      // Arrivals are reported by the echoes once counted; give a late arrival time to show up.
      await sleep(100);
      reached = (await ctx.transport.arrivals(c.calleeUntouched, o.requestId))?.arrivals ?? 0;
    }
    const ok = o.status === c.status && o.body === c.body && header === c.reason && headersOk && reached === 0;
    out.push(
      assertion(
        c.name,
        ok,
        `${c.status} "${c.body}" with x-weft-fallback: ${c.reason}${c.calleeUntouched ? `, ${c.calleeUntouched.name} sees nothing` : ''}`,
        `${outcomeKey(o)} "${o.body.slice(0, 80)}" with x-weft-fallback: ${header ?? '(none)'}${c.calleeUntouched ? `, ${reached} arrival(s) at ${c.calleeUntouched.name}` : ''}`,
        { requests: 1, counts: { [outcomeKey(o)]: 1 }, sampleRequestIds: [o.requestId] },
      ),
    );
    // A provoked failure moves the outlier counters: answer a few plain requests before the next case.
    if (c.controls) for (let i = 0; i < 3; i++) await ctx.send(spec.request, { instance: 0 });
  }
  return out;
}
