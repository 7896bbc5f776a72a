/**
 * Outlier ejection and recovery, from one caller instance (each caller proxy keeps its own
 * outlier state, as each Envoy does): one instance of the callee (echo control `only=<it>`)
 * answers 503 to every probe while the others serve. Its failures are counted where they
 * happen — arrivals of each probe's request id at that instance's echo, retries included — so
 * the count is exactly what the proxy's detector sees. It must be ejected at the declared
 * consecutive failure (not before, not after): no probe reaches it for the next 10 per
 * instance. Then, when the plan says the wait fits its bound, it must serve again within
 * baseEjection + one interval (the sweep that returns it).
 * @see https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/outlier#ejection-algorithm
 */
import type { AssertionResult } from '../../report';
import type { CheckSpec } from '../../plan/types';
import { assertion, sampleIds, sleep, type CheckContext } from '../context';
import type { Observation } from '../observation';
import { resetOutliers } from './resilience';

type Outlier = Extract<CheckSpec, { type: 'outlier' }>;

export async function runOutlier(ctx: CheckContext, spec: Outlier): Promise<AssertionResult[]> {
  await resetOutliers(ctx, spec.request, spec.instances);
  const warm: Observation[] = [];
  for (let i = 0; i < spec.instances * 20 && !warm.some((o) => o.echo?.version === spec.version); i++) warm.push(await ctx.send(spec.request, { instance: 0, resendFaults: true }));
  const target = warm.find((o) => o.echo?.version === spec.version)?.echo?.instance;
  if (!target) return [assertion('ejection', 'inconclusive', `an instance of ${spec.version} to fail`, `no answer from ${spec.version} in ${warm.length} probes`, { requests: warm.length, sampleRequestIds: sampleIds(warm) })];
  const at = { ...spec.service, instance: target };
  const arrivalsOf = async (o: Observation) => (await ctx.transport.arrivals(at, o.requestId))?.arrivals ?? 0;
  const failing = { controls: `status=503&only=${encodeURIComponent(target)}`, instance: 0, resendFaults: true };
  const window = spec.instances * 10;

  // Until the declared count of failures reached it, or it stopped receiving probes (ejected early).
  const before: Observation[] = [];
  let failures = 0;
  let quiet = 0;
  const bound = (spec.consecutive + 2) * window;
  while (before.length < bound && failures < spec.consecutive && !(failures > 0 && quiet >= window)) {
    const o = await ctx.send(spec.request, failing);
    before.push(o);
    const n = await arrivalsOf(o);
    failures += n;
    quiet = n > 0 ? 0 : quiet + 1;
  }
  const ejectedAt = performance.now();
  const after: Observation[] = [];
  let reached = 0;
  for (let i = 0; i < window; i++) {
    const o = await ctx.send(spec.request, failing);
    after.push(o);
    reached += await arrivalsOf(o);
  }
  const out = [
    assertion(
      `ejected after ${spec.consecutive} consecutive failures`,
      failures === spec.consecutive && reached === 0,
      `${target} fails ${spec.consecutive} times, then gets none of the next ${window} probes`,
      failures < spec.consecutive && quiet >= window
        ? `${target} stopped receiving after ${failures} failure(s): ejected too early`
        : `${failures} failure(s) at ${target}, then ${reached} of the next ${window} probes reached it${reached > 0 ? ': not ejected' : ''}`,
      { requests: before.length + after.length, counts: { [`failures at ${target}`]: failures, [`reached ${target} after`]: reached }, sampleRequestIds: sampleIds([...before, ...after]) },
    ),
  ];
  if (spec.recovery) {
    // Returned by the first sweep after baseEjection: up to one interval later (plus scheduling slack).
    const due = spec.baseEjectionMs + spec.intervalMs + 500;
    await sleep(Math.max(0, ejectedAt + due - performance.now()));
    const back: Observation[] = [];
    for (let i = 0; i < window * 2 && !back.some((o) => o.echo?.instance === target); i++) back.push(await ctx.send(spec.request, { instance: 0, resendFaults: true }));
    const served = back.some((o) => o.echo?.instance === target);
    out.push(
      assertion(`serves again after ${spec.baseEjectionMs} ms`, served, `${target} answers within ${due} ms of its ejection`, served ? `${target} answered probe ${back.length} of ${back.length}` : `${target} answered none of ${back.length} probes ${Math.round(performance.now() - ejectedAt)} ms after its ejection`, {
        requests: back.length,
        counts: { [`answered by ${target}`]: back.filter((o) => o.echo?.instance === target).length },
        sampleRequestIds: sampleIds(back),
      }),
    );
  }
  return out;
}
