/**
 * gRPC checks (../../plan/grpc.ts): calls of the echo's Echo/Call through the caller's proxy
 * (../grpc-probe.ts). Attempts are counted at every callee echo under `grpc:<request id>` (the
 * gRPC echo's own key, src/echo/grpc.ts).
 */
import type { AssertionResult } from '../../report';
import type { CheckSpec } from '../../plan/types';
import { assertion, countBy, sleep, type CheckContext } from '../context';
import type { GrpcObservation, GrpcProbeRequest } from '../grpc-probe';
import { fastestMs, probeTimed, TIMED_PROBES } from './timed-probes';

type GrpcRoute = Extract<CheckSpec, { type: 'grpc-route' }>;
type GrpcRetries = Extract<CheckSpec, { type: 'grpc-retries' }>;
type GrpcTimeout = Extract<CheckSpec, { type: 'grpc-timeout' }>;
type Split = Extract<CheckSpec, { type: 'split' }>;

const DEADLINE_EXCEEDED = 4;

function key(o: GrpcObservation): string {
  const who = o.reply ? ` ${o.reply.service} ${o.reply.version}` : '';
  return `grpc ${o.code}${who}${o.flags.length ? ` ${o.flags.join(',')}` : ''}`;
}

/** An unexpected outcome with the status message the caller got: a proxy's local reply names its cause there (Envoy's reply text). */
function described(o: GrpcObservation): string {
  return o.code !== 0 && o.details ? `${key(o)} ("${o.details}")` : key(o);
}

async function call(ctx: CheckContext, request: GrpcProbeRequest): Promise<GrpcObservation | undefined> {
  if (!ctx.transport.grpcCall) return undefined;
  const token = (await ctx.prepare({ method: 'POST', path: '/', headers: {} })).headers;
  const o = await ctx.transport.grpcCall(ctx.check.via, { ...request, metadata: token }, ctx.rid());
  ctx.count();
  return o;
}

const unavailable = (name: string): AssertionResult[] => [assertion(name, 'inconclusive', 'gRPC probes', 'gRPC calls through a probe client are not available in this mode', { requests: 0 })];

export async function runGrpcRoute(ctx: CheckContext, spec: GrpcRoute): Promise<AssertionResult[]> {
  const obs: GrpcObservation[] = [];
  for (let i = 0; i < spec.calls; i++) {
    const o = await call(ctx, {});
    if (!o) return unavailable(`gRPC calls reach ${spec.route}`);
    obs.push(o);
  }
  const bad = obs.filter((o) => o.code !== 0 || o.reply?.service !== spec.service.name || (spec.versions !== undefined && !spec.versions.includes(o.reply.version)));
  return [
    assertion(`gRPC calls reach ${spec.route}`, bad.length === 0, `OK from ${spec.service.name}${spec.versions ? ` ${spec.versions.join(' or ')}` : ''}`, JSON.stringify(countBy(obs, key)), { requests: obs.length, counts: countBy(obs, key), sampleRequestIds: [...bad, ...obs].slice(0, 5).map((o) => o.requestId) }),
  ];
}

/** Arrivals of one call at the callee's echoes, once the count is stable. */
async function attemptsOf(ctx: CheckContext, spec: GrpcRetries, o: GrpcObservation): Promise<number> {
  let last = -1;
  for (let i = 0; i < 20; i++) {
    const seen = await ctx.transport.arrivals(spec.service, `grpc:${o.requestId}`);
    if (!seen) return o.reply?.attempt ?? 0;
    if (seen.arrivals === last) return last;
    last = seen.arrivals;
    await sleep(100);
  }
  return last;
}

export async function runGrpcRetries(ctx: CheckContext, spec: GrpcRetries): Promise<AssertionResult[]> {
  const out: AssertionResult[] = [];
  for (const c of spec.cases) {
    const o = await call(ctx, { status: c.status });
    if (!o) return unavailable(c.name);
    const attempts = await attemptsOf(ctx, spec, o);
    const ok = attempts >= c.attempts.min && attempts <= c.attempts.max && o.code === c.status;
    const want = c.attempts.min === c.attempts.max ? `${c.attempts.min}` : `${c.attempts.min}..${c.attempts.max}`;
    out.push(assertion(c.name, ok, `${want} attempt(s) at ${spec.service.name}, the caller gets status ${c.status}`, `${attempts} attempt(s), caller got ${key(o)}`, { requests: 1, counts: { attempts }, sampleRequestIds: [o.requestId] }));
  }
  return out;
}

export async function runGrpcTimeout(ctx: CheckContext, spec: GrpcTimeout): Promise<AssertionResult[]> {
  const t = spec.timeout;
  if (!ctx.transport.grpcCall) return unavailable(`DEADLINE_EXCEEDED after ${t.expectedMs} ms`);
  const lo = t.expectedMs - 50;
  const hi = t.expectedMs + t.toleranceMs;
  const sound = (o: GrpcObservation) => o.code === DEADLINE_EXCEEDED && o.durationMs >= lo;
  const obs = await probeTimed(async () => (await call(ctx, { delayMs: spec.delayMs }))!, sound, hi);
  // Every call DEADLINE_EXCEEDED and not early; the fastest within the upper bound (./timed-probes.ts).
  const bad = obs.filter((o) => !sound(o));
  const late = fastestMs(obs) > hi;
  return [
    assertion(`DEADLINE_EXCEEDED after ${t.expectedMs} ms`, bad.length === 0 && !late, `status ${DEADLINE_EXCEEDED} in ${lo}..${hi} ms (the fastest of up to ${TIMED_PROBES.max} calls within)`, obs.map((o) => `${key(o)} in ${Math.round(o.durationMs)} ms`).join(', '), {
      requests: obs.length,
      counts: countBy(obs, key),
      sampleRequestIds: obs.map((o) => o.requestId),
    }),
  ];
}

/** A split over gRPC: the answering versions' shares become pending binomial tests (../judge.ts), as for HTTP. */
export async function runGrpcSplit(ctx: CheckContext, spec: Split): Promise<AssertionResult[]> {
  if (!ctx.transport.grpcCall) return unavailable('share of each version');
  const obs = new Array<GrpcObservation>(ctx.check.probes);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < obs.length) {
      const i = next++;
      obs[i] = (await call(ctx, {}))!;
    }
  };
  await Promise.all(Array.from({ length: Math.min(16, obs.length) }, worker));
  const fromService = (o: GrpcObservation) => o.code === 0 && o.reply?.service === spec.service.name && spec.weights.some((w) => w.version === o.reply!.version);
  const valid = obs.filter(fromService);
  const bad = obs.filter((o) => !fromService(o));
  const counts = countBy(obs, key);
  const ids = [...bad, ...obs].slice(0, 5).map((o) => o.requestId);
  const out = [
    assertion('every call answered as declared', bad.length === 0, `OK from ${spec.service.name} ${spec.weights.map((w) => w.version).join('/')}`, bad.length === 0 ? `all ${obs.length}` : `${bad.length}/${obs.length} not: ${described(bad[0]!)}`, { requests: obs.length, counts, sampleRequestIds: ids }),
  ];
  for (const t of spec.tests) {
    const version = t.outcome.replace(/^version /, '');
    const successes = valid.filter((o) => o.reply!.version === version).length;
    const a = assertion(`share of ${t.outcome}`, true, `${(t.expected * 100).toFixed(1)}%`, `${successes}/${valid.length}`, { requests: valid.length, counts, sampleRequestIds: ids });
    ctx.pending.push({ assertion: a, successes, trials: valid.length, expected: t.expected });
    out.push(a);
  }
  return out;
}
