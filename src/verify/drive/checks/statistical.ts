/**
 * The statistical checks: split proportions, fault abort and delay rates, mirror rates. Each
 * proportion becomes a pending binomial test, judged together with every other test of the run
 * by Holm's procedure (../judge.ts); the deterministic parts (every answer from the declared
 * service, delays at least as long as declared, callers' answers unchanged by mirroring) are
 * ordinary assertions.
 */
import type { AssertionResult } from '../../report';
import type { CheckSpec } from '../../plan/types';
import { assertion, countBy, latency, latencyEvidence, outcomeKey, sampleIds, sleep, type CheckContext } from '../context';
import type { Observation } from '../observation';
import { runGrpcSplit } from './grpc';
import { runTcpSplit } from './tcp';

type Split = Extract<CheckSpec, { type: 'split' }>;
type Fault = Extract<CheckSpec, { type: 'fault' }>;
type Mirror = Extract<CheckSpec, { type: 'mirror' }>;

function pendingTest(ctx: CheckContext, name: string, successes: number, trials: number, expected: number, obs: Observation[]): AssertionResult {
  const a = assertion(name, true, `${(expected * 100).toFixed(1)}%`, `${successes}/${trials}`, { requests: trials, counts: countBy(obs, outcomeKey), sampleRequestIds: sampleIds(obs) });
  ctx.pending.push({ assertion: a, successes, trials, expected });
  return a;
}

function answered(obs: Observation[], ok: (o: Observation) => boolean, what: string): AssertionResult {
  const bad = obs.filter((o) => !ok(o));
  return assertion('every probe answered as declared', bad.length === 0, what, bad.length === 0 ? `all ${obs.length}` : `${bad.length}/${obs.length} not: ${outcomeKey(bad[0]!)}`, {
    requests: obs.length,
    counts: countBy(obs, outcomeKey),
    ...latencyEvidence(obs),
    sampleRequestIds: sampleIds(obs, bad),
  });
}

export async function runSplit(ctx: CheckContext, spec: Split): Promise<AssertionResult[]> {
  if (spec.protocol === 'grpc') return runGrpcSplit(ctx, spec);
  if (spec.protocol === 'tcp') return runTcpSplit(ctx, spec);
  const obs = await ctx.sendMany(ctx.check.probes, (i) => spec.requests[i % spec.requests.length]!);
  const fromService = (o: Observation) => o.status === 200 && o.echo?.service === spec.service.name && spec.weights.some((w) => w.version === o.echo!.version);
  const valid = obs.filter(fromService);
  const out = [answered(obs, fromService, `200 from ${spec.service.name} ${spec.weights.map((w) => w.version).join('/')}`)];
  for (const t of spec.tests) {
    const version = t.outcome.replace(/^version /, '');
    out.push(pendingTest(ctx, `share of ${t.outcome}`, valid.filter((o) => o.echo!.version === version).length, valid.length, t.expected, valid));
  }
  return out;
}

export async function runFault(ctx: CheckContext, spec: Fault): Promise<AssertionResult[]> {
  const obs = await ctx.sendMany(ctx.check.probes, (i) => spec.requests[i % spec.requests.length]!, {}, 32);
  const aborted = (o: Observation) => spec.abort !== undefined && o.status === spec.abort.status && o.flags.includes('FI');
  const delayed = (o: Observation) => o.flags.includes('DI');
  const out = [answered(obs, (o) => aborted(o) || (o.status === 200 && o.echo !== undefined), `200 from the service, or ${spec.abort?.status ?? '-'} with flag FI`)];
  if (spec.abort) out.push(pendingTest(ctx, `abort rate (${spec.abort.status}, flag FI)`, obs.filter(aborted).length, obs.length, spec.abort.percent / 100, obs));
  if (spec.delay) {
    const d = spec.delay;
    out.push(pendingTest(ctx, 'delay rate (flag DI)', obs.filter(delayed).length, obs.length, d.percent / 100, obs));
    const slow = obs.filter(delayed);
    const short = slow.filter((o) => o.durationMs < d.fixedDelayMs - 5);
    out.push(
      assertion(`delayed probes take ≥ ${d.fixedDelayMs} ms`, slow.length > 0 ? short.length === 0 : d.percent === 0, `≥ ${d.fixedDelayMs - 5} ms`, slow.length ? `min ${Math.round(Math.min(...slow.map((o) => o.durationMs)))} ms over ${slow.length}` : 'no delayed probe', {
        requests: slow.length,
        latencyMs: latency(slow),
        sampleRequestIds: sampleIds(slow, short),
      }),
    );
  }
  return out;
}

export async function runMirror(ctx: CheckContext, spec: Mirror): Promise<AssertionResult[]> {
  const prefix = `${ctx.idPrefix}-`;
  const obs = await ctx.sendMany(ctx.check.probes, (i) => spec.requests[i % spec.requests.length]!);
  const out = [answered(obs, (o) => o.status === 200 && o.echo !== undefined, 'the caller gets the primary answer (200 from the route destination)')];
  // Mirrors are fire-and-forget: poll until the count stops growing (bounded).
  let last = -1;
  let seen = await ctx.transport.arrivals(spec.mirror, prefix);
  for (let i = 0; i < 30 && seen && seen.shadowIds !== last; i++) {
    last = seen.shadowIds;
    await sleep(200);
    seen = await ctx.transport.arrivals(spec.mirror, prefix);
  }
  if (!seen) {
    // Not seeing every mirror instance's count is no evidence against the mesh: inconclusive, never passed.
    out.push(assertion('mirrored copies', 'inconclusive', `${spec.percent}%`, 'the arrival counts of every mirror target instance could not be read in this mode (no caller\'s probe client reaches it, or not every instance answered)', { requests: 0 }));
    return out;
  }
  out.push(pendingTest(ctx, `share mirrored to ${spec.mirror.name}${spec.mirror.version ? ` ${spec.mirror.version}` : ''}`, Math.min(seen.shadowIds, obs.length), obs.length, spec.percent / 100, obs));
  return out;
}
