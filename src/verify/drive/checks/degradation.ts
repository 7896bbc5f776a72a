/**
 * Fallbacks and switches (src/verify/plan/degradation.ts): each case provokes its reason — echo
 * controls (5xx, timeout), a burst past a rate limit or a shaping queue, a burst of held requests
 * past the connection pool, a caller proxy whose endpoint refuses connections — or none, for a
 * switch that is on, and expects the declared preset answer with `x-weft-fallback`; a switch case
 * also expects the callee's echoes to have seen nothing of it.
 */
import type { AssertionResult } from '../../report';
import type { CheckSpec } from '../../plan/types';
import type { Observation } from '../observation';
import { assertion, outcomeKey, sleep, type CheckContext, type SendOptions } from '../context';

type Fallback = Extract<CheckSpec, { type: 'fallback' }>;
type RatioCycle = Extract<CheckSpec, { type: 'ratio-breaker' }>;

export async function runFallback(ctx: CheckContext, spec: Fallback): Promise<AssertionResult[]> {
  const out: AssertionResult[] = [];
  for (const c of spec.cases) {
    if (c.refuse && !ctx.transport.sendRefusing) {
      out.push(assertion(c.name, 'inconclusive', `${c.status} "${c.body}" with x-weft-fallback: ${c.reason}`, 'this transport cannot run a caller proxy with a refusing endpoint (local mesh only)', { requests: 0 }));
      continue;
    }
    const exceeded = c.exceed ? await exceedLimit(ctx, spec, c.exceed) : undefined;
    if (exceeded?.unprovoked) {
      out.push(assertion(c.name, 'inconclusive', `${c.status} "${c.body}" with x-weft-fallback: ${c.reason}`, exceeded.unprovoked, { requests: exceeded.sent }));
      await sleep(c.exceed!.refillMs + 200);
      continue;
    }
    const o = exceeded ? exceeded.observation
      : c.overflow ? await overflowPool(ctx, spec, c.overflow)
      : c.refuse ? await sendRefused(ctx, spec, c.refuse)
      : await ctx.send(spec.request, { ...(c.controls ? { controls: c.controls } : {}), instance: 0 });
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
    // A drained bucket would reject the next check's probes: wait until it is full again.
    if (c.exceed) await sleep(c.exceed.refillMs + 200);
  }
  return out;
}

/** Rounds of `probes` requests sent at most: the bucket refills while they are sent, so a slow machine may need more than one. */
const EXCEED_ROUNDS = 3;

/**
 * Sends rounds of `probes` requests, `concurrency` at a time and unpaced (a rejection is what is
 * wanted), and returns the first the rate limit rejected (a 429, a fallback answer, or flag RL), else the last one.
 * Without a rejection, a token bucket that could have admitted every probe in the time they took
 * — its burst plus one fill per period begun, as runRateLimit counts them (./resilience.ts) — was
 * not exceeded: the probes were slower than its refill (a loaded machine), so nothing is known.
 */
async function exceedLimit(ctx: CheckContext, spec: Fallback, exceed: NonNullable<Fallback['cases'][number]['exceed']>): Promise<{ observation: Observation; sent: number; unprovoked?: string }> {
  const { probes, concurrency, bucket } = exceed;
  let last: Observation | undefined;
  const t0 = performance.now();
  for (let round = 0; round < EXCEED_ROUNDS; round++) {
    const options = { instance: 0, resendRateLimited: false } as const;
    const all = concurrency >= probes ? await atOnce(ctx, probes, spec.request, options) : await ctx.sendMany(probes, () => spec.request, options, concurrency);
    const rejected = all.find((o) => o.flags.includes('RL') || o.status === 429 || o.headers['x-weft-fallback'] !== undefined);
    if (rejected) return { observation: rejected, sent: (round + 1) * probes };
    last = all[all.length - 1];
  }
  const sent = EXCEED_ROUNDS * probes;
  const windowMs = performance.now() - t0;
  const capacity = bucket ? bucket.burst + bucket.requests * (Math.floor(windowMs / bucket.perMs) + 1) : 0;
  const unprovoked =
    bucket && sent <= capacity
      ? `no rejection: ${sent} probes took ${Math.round(windowMs)} ms (${Math.round(sent / (windowMs / 1000))}/s), and the bucket (burst ${bucket.burst}, ${bucket.requests} per ${bucket.perMs} ms) could admit ${capacity} in that time; inconclusive`
      : undefined;
  return { observation: last!, sent, ...(unprovoked ? { unprovoked } : {}) };
}

/**
 * Twice what the callee's pool admits, at once from one caller proxy, each held by the echo:
 * returns the first overflow answer (the fallback must have answered it), else the first one. The connections are opened first within the limit, so the burst meets a warm pool.
 */
async function overflowPool(ctx: CheckContext, spec: Fallback, overflow: NonNullable<Fallback['cases'][number]['overflow']>): Promise<Observation> {
  const held = { controls: `delay=${overflow.holdMs}`, instance: 0, resendRateLimited: false } as const;
  await atOnce(ctx, overflow.admitted, spec.request, held);
  const all = await atOnce(ctx, overflow.concurrent, spec.request, held);
  // Flag UO where the proxy exposes its flags (the weft proxy), else the fallback's own header (Istio's local reply mapper).
  return all.find((o) => o.flags.includes('UO') || o.headers['x-weft-fallback'] === 'circuit-open') ?? all[0]!;
}

/**
 * `count` probes all in flight at once — past the check's own concurrency cap, which keeps the
 * other cases of a pooled service below its limit: here overflowing a limit is the point.
 */
function atOnce(ctx: CheckContext, count: number, request: Fallback['request'], options: SendOptions): Promise<Observation[]> {
  return Promise.all(Array.from({ length: count }, () => ctx.send(request, options)));
}

/** One probe through the caller's second proxy whose only endpoint of the callee is a closed port. */
async function sendRefused(ctx: CheckContext, spec: Fallback, callee: NonNullable<Fallback['cases'][number]['refuse']>): Promise<Observation> {
  const o = await ctx.transport.sendRefusing!(ctx.check.via, callee, 'all', spec.request, ctx.rid());
  ctx.probes++;
  return o;
}

/**
 * A refusal of the caller's breaker: flagged UO (the flag stays visible under a fallback answer),
 * not UH — an outlier ejection leaving no healthy host is another mechanism.
 */
function refused(o: Observation): boolean {
  return o.flags.includes('UO');
}

/** The callee's echoes saw this probe (once counted; a late arrival gets a moment to show up). */
async function arrivalsOf(ctx: CheckContext, spec: RatioCycle, o: Observation): Promise<number> {
  await sleep(100);
  return (await ctx.transport.arrivals(spec.callee, o.requestId))?.arrivals ?? 0;
}

/**
 * One cycle of the caller's ratio breaker (src/verify/plan/degradation.ts): failures until it
 * opens, a refused probe that never reaches the callee, then after the open interval the
 * half-open probes reach it and close it — the next probe is served, where a breaker still
 * half-open (all its probes issued) or open would refuse it.
 */
export async function runRatioBreaker(ctx: CheckContext, spec: RatioCycle): Promise<AssertionResult[]> {
  const out: AssertionResult[] = [];
  const send = (controls?: string) => ctx.send(spec.request, { ...(controls ? { controls } : {}), instance: 0, resendRateLimited: false });
  let failures = 0;
  let refusal: Observation | undefined;
  const counts: Record<string, number> = {};
  // Earlier checks' successes in the window would dilute the ratio: let them leave it first.
  await sleep(spec.windowMs + 200);
  // Probes go one at a time, so each outcome is in the window before the next is admitted.
  while (failures < spec.maxFailures) {
    const o = await send('status=500');
    if (refused(o)) {
      refusal = o;
      break;
    }
    failures++;
    counts[outcomeKey(o)] = (counts[outcomeKey(o)] ?? 0) + 1;
  }
  const seen = Object.entries(counts).map(([k, n]) => `${n} × ${k}`).join(', ');
  out.push(
    assertion(
      `the breaker opens after failures`,
      refusal !== undefined && failures >= spec.minRequests,
      `a refusal after ≥ ${spec.minRequests} failing probes (> ${spec.failureRatioPercent} % failures)`,
      refusal ? `refused after ${failures} failing probe(s)` : `no refusal in ${failures} failing probes (${seen})`,
      { requests: failures + (refusal ? 1 : 0), counts },
    ),
  );
  if (!refusal) return out;
  const open = await send();
  const reached = await arrivalsOf(ctx, spec, open);
  const answerOk = refused(open) && (spec.fallback ? open.status === spec.fallback.status && open.body === spec.fallback.body && open.headers['x-weft-fallback'] === 'circuit-open' : open.status === 503);
  out.push(
    assertion(
      'while open, a healthy request is refused and never reaches the callee',
      answerOk && reached === 0,
      `${spec.fallback ? `${spec.fallback.status} "${spec.fallback.body}" with x-weft-fallback: circuit-open` : '503 UO'}, 0 arrival(s) at ${spec.callee.name}`,
      `${outcomeKey(open)} "${open.body.slice(0, 80)}" with x-weft-fallback: ${open.headers['x-weft-fallback'] ?? '(none)'}, ${reached} arrival(s) at ${spec.callee.name}`,
      { requests: 1, counts: { [outcomeKey(open)]: 1 }, sampleRequestIds: [open.requestId] },
    ),
  );
  if (!spec.halfOpen) return out;
  // Past the open interval (with room for a loaded machine's timers), the next requests are the probes.
  await sleep(spec.halfOpen.openMs + 500);
  const probes: Observation[] = [];
  let probesReached = 0;
  for (let i = 0; i < spec.halfOpen.probes; i++) {
    const o = await send();
    probes.push(o);
    if (o.status === 200 && o.echo) probesReached += await arrivalsOf(ctx, spec, o);
  }
  out.push(
    assertion(
      `after ${spec.halfOpen.openMs} ms, ${spec.halfOpen.probes} half-open probe(s) reach ${spec.callee.name}`,
      probesReached === spec.halfOpen.probes,
      `${spec.halfOpen.probes} × 200 from ${spec.callee.name}`,
      probes.map((o) => outcomeKey(o)).join(', ') + `; ${probesReached} arrival(s)`,
      { requests: probes.length, sampleRequestIds: probes.map((o) => o.requestId) },
    ),
  );
  const closed = await send();
  const closedReached = closed.status === 200 && closed.echo ? await arrivalsOf(ctx, spec, closed) : 0;
  out.push(
    assertion(
      'the successful probes close the breaker: the next request is served',
      closedReached === 1,
      `200 from ${spec.callee.name}`,
      `${outcomeKey(closed)} with x-weft-fallback: ${closed.headers['x-weft-fallback'] ?? '(none)'}, ${closedReached} arrival(s)`,
      { requests: 1, counts: { [outcomeKey(closed)]: 1 }, sampleRequestIds: [closed.requestId] },
    ),
  );
  return out;
}
