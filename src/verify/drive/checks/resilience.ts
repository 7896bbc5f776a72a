/**
 * Retries (attempts counted at the callee's echoes), timeouts (observed time), rate limits
 * (ceiling and refill), connection-pool limits (503 UO) and load balancing (round robin and
 * consistent hash here; random and least request in ./balancer.ts).
 */
import type { AssertionResult } from '../../report';
import type { CheckSpec } from '../../plan/types';
import { assertion, countBy, latency, latencyEvidence, outcomeKey, sampleIds, sleep, withControls, type CheckContext } from '../context';
import { rateLimited, type Observation } from '../observation';
import { runLeastRequest, runRandom } from './balancer';
import { fastestMs, probeTimed, TIMED_PROBES } from './timed-probes';

type Retries = Extract<CheckSpec, { type: 'retries' }>;
type Timeout = Extract<CheckSpec, { type: 'timeout' }>;
type RateLimit = Extract<CheckSpec, { type: 'rate-limit' }>;
type Breaker = Extract<CheckSpec, { type: 'circuit-breaker' }>;
type Balancer = Extract<CheckSpec, { type: 'load-balancer' }>;

/** Attempts the callee's echoes saw for one request id, once the count is stable. */
async function attemptsOf(ctx: CheckContext, service: Retries['service'], o: Observation): Promise<number> {
  let last = -1;
  for (let i = 0; i < 20; i++) {
    const seen = await ctx.transport.arrivals(service, o.requestId);
    if (!seen) return o.echo?.attempt ?? 0;
    if (seen.arrivals === last) return last;
    last = seen.arrivals;
    await sleep(100);
  }
  return last;
}

/**
 * After a probe that failed on purpose, successes until every instance the route reaches has
 * answered one: outlier detection counts *consecutive* errors per endpoint, and the verifier
 * must not eject an endpoint the next check needs (bounded: 10 probes per instance).
 */
export async function resetOutliers(ctx: CheckContext, request: Retries['request'], instances: number): Promise<void> {
  const seen = new Set<string>();
  for (let i = 0; i < instances * 10 && seen.size < instances; i++) {
    const o = await ctx.send(request, { instance: 0, resendFaults: true });
    if (o.status === 200 && o.echo) seen.add(o.echo.instance);
  }
}

export async function runRetries(ctx: CheckContext, spec: Retries): Promise<AssertionResult[]> {
  const out: AssertionResult[] = [];
  for (const c of spec.retry.cases) {
    const request = { ...spec.request, method: c.method };
    const o = await ctx.send(request, { controls: c.controls, instance: 0, resendFaults: true });
    const attempts = await attemptsOf(ctx, spec.service, o);
    const ok = attempts >= c.attempts.min && attempts <= c.attempts.max;
    const want = c.attempts.min === c.attempts.max ? `${c.attempts.min}` : `${c.attempts.min}..${c.attempts.max}`;
    out.push(assertion(c.name, ok, `${want} attempt(s) at ${spec.service.name}`, `${attempts} attempt(s), caller got ${outcomeKey(o)}`, { requests: 1, counts: { attempts }, latencyMs: latency([o]), sampleRequestIds: [o.requestId] }));
    await resetOutliers(ctx, spec.request, spec.instances);
  }
  return out;
}

export async function runTimeout(ctx: CheckContext, spec: Timeout): Promise<AssertionResult[]> {
  const t = spec.timeout;
  const lo = t.expectedMs - 50;
  const hi = t.expectedMs + t.toleranceMs;
  const sound = (o: Observation) => o.status === 504 && o.durationMs >= lo;
  const obs = await probeTimed(
    async () => {
      const o = await ctx.send(spec.request, { controls: t.controls, instance: 0, resendFaults: true });
      await resetOutliers(ctx, spec.request, spec.instances);
      return o;
    },
    sound,
    hi,
  );
  // Every probe 504 and not early; the fastest within the upper bound (./timed-probes.ts).
  const bad = obs.filter((o) => !sound(o));
  const late = fastestMs(obs) > hi;
  return [
    assertion(`504 after ${t.expectedMs} ms`, bad.length === 0 && !late, `504 in ${lo}..${hi} ms (the fastest of up to ${TIMED_PROBES.max} probes within)`, obs.map((o) => `${outcomeKey(o)} in ${Math.round(o.durationMs)} ms`).join(', '), {
      requests: obs.length,
      counts: countBy(obs, outcomeKey),
      ...latencyEvidence(obs),
      sampleRequestIds: sampleIds(obs, bad),
    }),
  ];
}

/**
 * A token bucket (Envoy local_ratelimit): full at `burst`, `requests` more every `perMs` (the
 * fill phase is unknown, so a window of w ms holds floor(w/perMs) or one more fill). Phase 1
 * fires a burst at once: the admitted count must lie within 10 % of [burst, burst + fills ×
 * requests]. Phase 2, one interval later, fires again: at least min(burst, requests) come back.
 * Phase 1 fires 3 × burst (not 2) so that a slow machine still outpaces the refill.
 */
export async function runRateLimit(ctx: CheckContext, spec: RateLimit): Promise<AssertionResult[]> {
  const instance = spec.scope === 'route' ? 0 : undefined;
  const direct = spec.direct ? { identity: ctx.check.via.caller } : undefined;
  const b = spec.buckets;
  // Open the connections (TLS included) first, then start from full buckets: idle long enough
  // for `burst` tokens to come back.
  await ctx.sendMany(32, () => spec.request, { resendRateLimited: false, instance, direct }, 32);
  await sleep(Math.ceil(spec.burst / spec.requests) * spec.perMs + 100);
  const limited = rateLimited;
  const fills = (ms: number) => Math.floor(ms / spec.perMs) + 1;
  const burstCount = Math.ceil(b * spec.burst * 3);
  const t0 = performance.now();
  const burst = await ctx.sendMany(burstCount, () => spec.request, { resendRateLimited: false, instance, direct }, 32);
  const w1 = performance.now() - t0;
  const accepted = burst.filter((o) => !limited(o)).length;
  const lo1 = Math.floor(0.9 * b * spec.burst);
  const hi1 = Math.ceil(1.1 * b * (spec.burst + spec.requests * fills(w1)));
  // Probes slower than the refill cannot reach the ceiling: if the buckets could have admitted
  // every probe sent in the window, no 429 says nothing about the limit (inconclusive).
  const capacity = b * (spec.burst + spec.requests * fills(w1));
  const ceilingOk = accepted <= hi1 && (burst.some(limited) ? accepted >= lo1 : burstCount > capacity ? false : 'inconclusive');
  const out = [
    assertion('ceiling (burst)', ceilingOk, `${lo1}..${hi1} of ${burstCount} admitted, the rest 429 RL`, `${accepted} admitted in ${Math.round(w1)} ms${ceilingOk === 'inconclusive' ? ` (${Math.round(burstCount / (w1 / 1000))} probes/s: the buckets could admit all ${burstCount}; inconclusive)` : ''}`, {
      requests: burst.length,
      counts: countBy(burst, outcomeKey),
      sampleRequestIds: sampleIds(burst, burst.filter(limited)),
    }),
  ];
  const pause = spec.perMs * 1.1;
  await sleep(pause);
  const refillCount = Math.ceil(b * Math.min(spec.burst, spec.requests) * 2);
  const t1 = performance.now();
  const refill = await ctx.sendMany(refillCount, () => spec.request, { resendRateLimited: false, instance, direct }, 32);
  const w2 = performance.now() - t1;
  const again = refill.filter((o) => !limited(o)).length;
  const lo2 = Math.floor(0.9 * b * Math.min(spec.burst, spec.requests));
  const hi2 = Math.ceil(1.1 * b * spec.requests * fills(pause + w2));
  out.push(
    assertion(`refill (${spec.requests} per ${spec.perMs} ms)`, again >= lo2 && again <= hi2, `${lo2}..${hi2} admitted after one interval`, `${again} of ${refillCount} in ${Math.round(w2)} ms`, {
      requests: refill.length,
      counts: countBy(refill, outcomeKey),
      sampleRequestIds: sampleIds(refill),
    }),
  );
  return out;
}

export async function runBreaker(ctx: CheckContext, spec: Breaker): Promise<AssertionResult[]> {
  const admitted = spec.admitted!;
  const total = admitted * 2;
  // Open the connections first (ours to the caller's proxy, and its upstream ones, TLS included)
  // within the pool's limit, so that the burst below arrives at once and finds them warm.
  await resetOutliers(ctx, spec.request, spec.instances);
  // Stepwise, so that the upstream TLS handshakes do not all land at once on one instance.
  for (const step of [10, 30, 60, 100, admitted].filter((n) => n <= admitted)) await ctx.sendMany(step, () => spec.request, { controls: `delay=${spec.holdMs}`, instance: 0 }, step);
  const obs = await ctx.sendMany(total, () => spec.request, { controls: `delay=${spec.holdMs}`, instance: 0, resendRateLimited: false }, total);
  const overflow = obs.filter((o) => o.status === 503 && o.flags.includes('UO'));
  const served = obs.filter((o) => o.status === 200);
  // Under load, queued probes may meet the per-try timeout and trip outlier detection (UT, UH):
  // those say nothing about the pool. What must hold: the overflow is refused with UO.
  const minOverflow = Math.max(1, Math.floor((total - admitted) * 0.1));
  const unhealthy = obs.filter((o) => o.flags.includes('UH') || o.flags.includes('UT')).length;
  // Most probes never reached the pool (endpoints ejected on the way): the pool was not tested.
  const ok = overflow.length >= minOverflow ? true : unhealthy > total / 2 ? 'inconclusive' : false;
  await resetOutliers(ctx, spec.request, spec.instances);
  return [
    assertion('pool limit trips (503 UO)', ok, `of ${total} at once, ≥ ${minOverflow} refused with 503 UO (the pool admits ${admitted})`, `${served.length} served, ${overflow.length} 503 UO${unhealthy ? `, ${unhealthy} UH/UT: outlier detection ejected endpoints under the burst, so the pool was not reached (inconclusive unless UO shows)` : ''}`, {
      requests: obs.length,
      counts: countBy(obs, outcomeKey),
      sampleRequestIds: sampleIds(obs, overflow),
    }),
  ];
}

/** Keys of a consistent-hash check, each sent 5 times (the plan's 100 probes). */
const HASH_KEYS = 20;

export async function runBalancer(ctx: CheckContext, spec: Balancer): Promise<AssertionResult[]> {
  if (spec.policy === 'random') return runRandom(ctx, spec);
  if (spec.policy === 'least-request') return runLeastRequest(ctx, spec);
  if (spec.policy === 'round-robin') {
    const obs: Observation[] = [];
    for (let i = 0; i < ctx.check.probes; i++) obs.push(await ctx.send(spec.request, { instance: 0 }));
    const per = countBy(obs.filter((o) => o.echo), (o) => o.echo!.instance);
    const counts = Object.values(per);
    const ok = counts.length === spec.instances && Math.max(...counts) - Math.min(...counts) <= 2;
    return [assertion('round robin is even', ok, `${spec.instances} instances, ${obs.length / spec.instances} each (±1)`, JSON.stringify(per), { requests: obs.length, counts: per, sampleRequestIds: sampleIds(obs) })];
  }
  // A correct hash puts all K keys on one of n instances with probability n·n^-K: 2^-19 for 20
  // keys on two (10 keys gave 2^-9, a false failure every ~500 runs), far below the plan's α.
  const keys = Array.from({ length: HASH_KEYS }, (_, i) => `weft-key-${i}`);
  const byKey: Record<string, Set<string>> = {};
  const all: Observation[] = [];
  for (const key of keys) {
    const headers = spec.hashHeader ? { [spec.hashHeader]: key } : { cookie: `${spec.hashCookie}=${key}` };
    for (let i = 0; i < 5; i++) {
      const o = await ctx.send({ ...spec.request, headers: { ...spec.request.headers, ...headers } }, { instance: 0 });
      all.push(o);
      if (o.echo) (byKey[key] ??= new Set()).add(o.echo.instance);
    }
  }
  const sticky = Object.values(byKey).every((s) => s.size === 1) && Object.keys(byKey).length === keys.length;
  const spread = new Set(Object.values(byKey).flatMap((s) => [...s])).size;
  return [
    assertion('same key, same instance', sticky, `each of ${HASH_KEYS} keys always on one instance`, JSON.stringify(Object.fromEntries(Object.entries(byKey).map(([k, s]) => [k, [...s]]))), { requests: all.length, sampleRequestIds: sampleIds(all) }),
    assertion('keys spread over instances', spread >= 2, `≥ 2 instances over ${HASH_KEYS} keys`, `${spread} instance(s)`, { requests: all.length, sampleRequestIds: sampleIds(all) }),
  ];
}

export { withControls };
