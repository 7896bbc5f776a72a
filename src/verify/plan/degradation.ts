/**
 * Probes for degradation (docs/degradation.md): the fallback a caller gets when its call fails
 * for a declared reason, and the answer of a degradation switch that is on in the environment.
 * The echo is made to fail on purpose (`status=500`, `delay=…` past the timeout); the check
 * expects the declared preset answer with `x-weft-fallback: <reason>`, and for a switch, that the
 * callee's echoes saw nothing of the probes.
 */
import { sameService, type ServiceRef } from '../../model/common';
import { switchState, type Fallback } from '../../model/degradation';
import type { Environment, MeshModel } from '../../model/mesh';
import type { Service } from '../../model/service';
import type { CheckKind } from '../report';
import { declarationOf } from './declaration';
import type { PlannedCheck, ProbeRequest, Via } from './types';

export interface DegradationCase {
  name: string;
  /** The `x-weft-fallback` value expected: a reason, or `switch/<name>`. */
  reason: string;
  /** Echo query controls that provoke the reason; none for a switch. */
  controls?: string;
  status: number;
  body: string;
  /** Declared headers of the preset answer. */
  headers: Record<string, string>;
  /** For a switch: the callee must see none of these probes. */
  calleeUntouched?: ServiceRef;
  /**
   * For `rate-limited`: send up to three rounds of `probes` requests (`concurrency` at a time:
   * 16 for a token bucket; all at once for a shaping queue, which only overflows when more wait
   * than it holds) and judge the first one the limit rejected; then wait `refillMs` so the bucket
   * is full (the queue empty) again for the next check. `bucket` (a token bucket's declaration)
   * judges rounds without a rejection: when the bucket could have admitted every probe in the
   * time they took (a loaded machine sends slower than it refills), the case is inconclusive.
   */
  exceed?: { probes: number; refillMs: number; concurrency: number; bucket?: { burst: number; requests: number; perMs: number } };
  /**
   * For `connect-failure`: sent through a second outbound proxy of the caller whose only
   * endpoint of this callee is a closed loopback port (src/verify/drive/refusing-caller.ts).
   */
  refuse?: ServiceRef;
  /**
   * For `circuit-open` by connection-pool overflow: `concurrent` requests at once, each held
   * `holdMs` by the echo (`delay=`), against a pool that admits `admitted`; the overflow (UO) must
   * get the fallback.
   */
  overflow?: { concurrent: number; admitted: number; holdMs: number };
}

/** The longest refill of a drained token bucket the verifier waits out after exceeding it. */
export const MAX_REFILL_WAIT_MS = 30_000;

/**
 * One open → half-open → closed cycle of a caller's ratio breaker (src/proxy/cluster/ratio-breaker.ts),
 * driven through the caller's outbound proxy with echo failure controls.
 */
export interface RatioBreakerCycle {
  callee: ServiceRef;
  /** Failing probes (`status=500`) sent at most before the breaker must have opened. */
  maxFailures: number;
  minRequests: number;
  failureRatioPercent: number;
  /** The window, waited out first: earlier checks' successes in it would dilute the failure ratio. */
  windowMs: number;
  /** The preset answer of a fallback `on: ['circuit-open']`; without one, a 503 flagged UO. */
  fallback?: { status: number; body: string };
  /** Probing half-open: wait `openMs`, then `halfOpenProbes` probes must reach the callee and close it. Undefined when the wait is past the verifier's bound. */
  halfOpen?: { openMs: number; probes: number };
}

/**
 * A degradation switch flipped at runtime under a bounded load (local mesh only: the switches file
 * its proxies watch): the load runs through the caller's outbound proxies while the check flips
 * the switch away from the state the environment ships and back, each time waiting until every
 * proxy reports the new state. While the switch is on, every answer is the switch's and the
 * callee sees none of the requests sent after the flip propagated; while off, calls reach it.
 */
export interface SwitchFlip {
  switch: string;
  /** The state the environment ships (restored at the end, whatever happens). */
  shipped: 'on' | 'off';
  callee: ServiceRef;
  /** The switch's declared answer: a preset response, or another service (or one version of one) that answers instead. */
  answer: { kind: 'response'; status: number; body: string; headers: Record<string, string> } | { kind: 'destination'; service: ServiceRef; version?: string };
  /**
   * The callee's versions whose arrivals must stay 0 while the switch is on: all of them, except
   * the fallback version when the switch sends to a version of the callee itself.
   */
  shedVersions: string[];
  /** Concurrent clients of the load. */
  clients: number;
  /** Answers each phase waits for before the next flip. */
  perPhase: number;
  /** Requests sent at most, all phases together. */
  maxRequests: number;
}

/** Concurrent clients and answers per phase of a switch flip's load; the load stops at 20 phases' worth of requests whatever happens. */
const FLIP_CLIENTS = 4;
const FLIP_PER_PHASE = 40;

/** The longest open interval (or window) the verifier waits out to watch the ratio breaker. */
export const MAX_OPEN_WAIT_MS = 30_000;

/** The most requests the verifier sends at once to overflow a pool or a shaping queue. */
const MAX_AT_ONCE = 400;

/**
 * How to overflow the callee's connection pool from one caller proxy: twice what it admits
 * (maxConnections + maxPendingRequests, or maxRequests), each held by the echo for a quarter of
 * the shortest timeout on the way (so no probe times out instead) — or why not (a string).
 */
function poolOverflow(service: Service): RequiredOverflow | string | undefined {
  const cb = service.resilience.circuitBreaker;
  if (!cb || (cb.maxConnections === undefined && cb.maxRequests === undefined)) return undefined;
  const byConnections = cb.maxConnections !== undefined ? cb.maxConnections + (cb.maxPendingRequests ?? 1024) : Infinity;
  const admitted = Math.min(byConnections, cb.maxRequests ?? Infinity);
  if (admitted * 2 > MAX_AT_ONCE) return `its connection pool admits ${admitted} requests at once; overflowing it needs more than the verifier's bound of ${MAX_AT_ONCE}`;
  const bound = Math.min(service.resilience.retries?.perTryTimeoutMs ?? Infinity, service.resilience.timeoutMs ?? Infinity);
  return { concurrent: admitted * 2, admitted, holdMs: Number.isFinite(bound) ? Math.max(50, Math.floor(bound * 0.25)) : 1000 };
}
type RequiredOverflow = NonNullable<DegradationCase['overflow']>;

type Node = Parameters<typeof declarationOf>[0];
type Skip = (kind: CheckKind, node: Node, reason: string) => void;

const PROBE: ProbeRequest = { method: 'GET', path: '/weft-default-probe', headers: {} };

/** The fallback `caller` gets on its calls to `service`: its own call fallback, else the service's. */
export function fallbackFor(caller: Service, service: Service): { fallback: Fallback; node: Node } | undefined {
  const own = (caller.callFallbacks ?? []).find((c) => sameService(c.callee, service));
  if (own) return { fallback: own.fallback, node: own };
  return service.resilience.fallback ? { fallback: service.resilience.fallback, node: service } : undefined;
}

export function planDegradation(model: MeshModel, env: Environment | undefined, service: Service, caller: Service, via: Via, lane: string, checks: PlannedCheck[], skip: Skip): void {
  const ref = { namespace: service.namespace, name: service.name };
  const found = fallbackFor(caller, service);
  if (found) {
    const { fallback, node } = found;
    const cases: DegradationCase[] = [];
    if (fallback.answer.kind !== 'response') skip('fallback', node, `the fallback of "${service.name}" sends to another service; only preset answers are probed`);
    else if (service.routes.some((r) => r.fallback)) skip('fallback', node, `"${service.name}" has routes with their own fallbacks; the default probe could take either`);
    else {
      const r = fallback.answer.response;
      const answer = { status: r.status, body: r.body ?? '', headers: r.headers ?? {} };
      if (fallback.on.includes('5xx')) cases.push({ name: 'an upstream 500 gets the fallback', reason: '5xx', controls: 'status=500', ...answer });
      const timeout = service.resilience.timeoutMs;
      if (fallback.on.includes('timeout') && timeout !== undefined) cases.push({ name: `an upstream slower than ${timeout} ms gets the fallback`, reason: 'timeout', controls: `delay=${timeout + 1500}`, ...answer });
      const limit = service.resilience.rateLimit;
      if (fallback.on.includes('rate-limited') && limit?.mode === 'shape') {
        // The queue overflows only when more wait at once than it holds, while it releases one
        // request every perMs / requests: one period's releases more, at once, per receiving instance.
        const queue = limit.maxQueue ?? limit.burst;
        const instances = Math.max(1, service.versions.reduce((n, v) => n + v.replicas, 0));
        const probes = (queue + limit.requests + 5) * instances;
        const drainMs = Math.ceil(((queue + 1) * limit.perMs) / limit.requests);
        if (probes > MAX_AT_ONCE) skip('fallback', node, `the "rate-limited" fallback of "${service.name}": overflowing its shaping queue (${queue} per instance, ${instances} instance(s)) needs ${probes} requests at once, past the verifier's bound of ${MAX_AT_ONCE}`);
        else if (drainMs > MAX_REFILL_WAIT_MS) skip('fallback', node, `the "rate-limited" fallback of "${service.name}": its shaping queue takes ${drainMs} ms to drain, past the ${MAX_REFILL_WAIT_MS} ms the verifier waits`);
        else cases.push({ name: `requests past the shaping queue (${queue} waiting) get the fallback`, reason: 'rate-limited', ...answer, exceed: { probes, refillMs: drainMs, concurrency: probes } });
      } else if (fallback.on.includes('rate-limited') && limit) {
        const refillMs = Math.ceil(limit.burst / limit.requests) * limit.perMs;
        if (refillMs > MAX_REFILL_WAIT_MS) skip('fallback', node, `the "rate-limited" fallback of "${service.name}": its bucket takes ${refillMs} ms to refill, past the ${MAX_REFILL_WAIT_MS} ms the verifier waits`);
        // A bucket refilled while the probes are sent needs more than its burst: one period's tokens more.
        else cases.push({ name: `requests past the rate limit (burst ${limit.burst}) get the fallback`, reason: 'rate-limited', ...answer, exceed: { probes: limit.burst + limit.requests + 5, refillMs, concurrency: 16, bucket: { burst: limit.burst, requests: limit.requests, perMs: limit.perMs } } });
      } else if (fallback.on.includes('rate-limited')) skip('fallback', node, `the "rate-limited" fallback of "${service.name}": "${service.name}" declares no service rate limit to exceed (route limits are not probed here)`);
      if (fallback.on.includes('connect-failure')) cases.push({ name: 'a refused upstream connection gets the fallback', reason: 'connect-failure', ...answer, refuse: ref });
      // A ratio breaker's refusals are probed by the ratio-breaker check (below); a pool limit here.
      const overflow = fallback.on.includes('circuit-open') ? poolOverflow(service) : undefined;
      if (overflow && typeof overflow === 'object') cases.push({ name: `requests past the connection pool (${overflow.admitted} admitted) get the fallback`, reason: 'circuit-open', ...answer, overflow });
      else if (fallback.on.includes('circuit-open') && !service.resilience.circuitBreaker?.ratio)
        skip('fallback', node, `the "circuit-open" fallback of "${service.name}": ${overflow ?? `"${service.name}" declares neither a connection pool limit nor a ratio breaker to trip`}`);
    }
    if (cases.length)
      checks.push({
        id: `fallback:${service.path}<-${caller.name}`,
        kind: 'fallback',
        title: `fallback of ${caller.name} → ${service.name}`,
        declaration: declarationOf(node),
        via,
        probes: cases.length,
        expectation: `${cases.map((c) => c.reason).join(', ')}: the declared answer with x-weft-fallback`,
        lane,
        phase: 'disruptive',
        spec: { type: 'fallback', request: PROBE, cases },
      });
  }
  planRatioBreaker(service, caller, via, lane, checks, skip);
  for (const d of caller.degrade ?? []) {
    if (!d.calls.some((c) => sameService(c, ref))) continue;
    const sw = (model.switches ?? []).find((x) => x.name === d.switch);
    if (!sw) continue;
    const shipped = env ? switchState(sw, env) : sw.default;
    const limit = service.resilience.rateLimit;
    const a = d.answer;
    const toSelf = a.kind === 'destination' && sameService(a.service, ref);
    if (toSelf && a.version === undefined) {
      skip('fallback', d, `switch "${d.switch}" sends to "${service.name}" itself: nothing is shed to observe`);
      continue;
    }
    const answer: SwitchFlip['answer'] = a.kind === 'response' ? { kind: 'response', status: a.response.status, body: a.response.body ?? '', headers: a.response.headers ?? {} } : { kind: 'destination', service: { namespace: a.service.namespace, name: a.service.name }, ...(a.version !== undefined ? { version: a.version } : {}) };
    const shedVersions = service.versions.map((v) => v.name).filter((v) => !(toSelf && a.kind === 'destination' && v === a.version));
    const flip: SwitchFlip = { switch: d.switch, shipped, callee: ref, answer, shedVersions, clients: FLIP_CLIENTS, perPhase: FLIP_PER_PHASE, maxRequests: FLIP_PER_PHASE * 5 * 4 };
    const flipped = shipped === 'on' ? 'off' : 'on';
    checks.push({
      id: `switch-flip:${d.path}->${service.name}`,
      kind: 'fallback',
      title: `switch ${d.switch} flipped at runtime: ${caller.name} → ${service.name}`,
      declaration: declarationOf(d),
      via,
      probes: FLIP_PER_PHASE * 3,
      // Well under the callee's own limit (one bucket's worth), so that no answer is a rate limit's.
      ...(limit ? { rateCap: ((limit.requests * 1000) / limit.perMs) * 0.5 } : {}),
      expectation: `under ${FLIP_CLIENTS} concurrent clients, flipped ${flipped} and back to ${shipped}: each flip reaches every proxy; while on, the switch's answer and nothing at ${service.name}${toSelf ? ` (but its version ${(a as { version: string }).version})` : ''}; while off, calls reach it; 0 failed requests`,
      lane,
      phase: 'disruptive',
      spec: { type: 'switch-flip', request: PROBE, ...flip },
    });
    if (!env || shipped !== 'on') continue;
    if (d.answer.kind !== 'response') {
      skip('fallback', d, `switch "${d.switch}" sends to another service: its answer while on is probed by the runtime flip (switch-flip:) only`);
      continue;
    }
    const r = d.answer.response;
    checks.push({
      id: `switch:${d.path}->${service.name}`,
      kind: 'fallback',
      title: `switch ${d.switch}: ${caller.name} → ${service.name}`,
      declaration: declarationOf(d),
      via,
      probes: 5,
      expectation: `switch on: the declared answer with x-weft-fallback: switch/${d.switch}, and ${service.name} receives nothing`,
      lane,
      phase: 'deterministic',
      spec: {
        type: 'fallback',
        request: PROBE,
        cases: Array.from({ length: 5 }, (_, i) => ({ name: `probe ${i + 1} is answered by the switch`, reason: `switch/${d.switch}`, status: r.status, body: r.body ?? '', headers: r.headers ?? {}, calleeUntouched: ref })),
      },
    });
  }
}

/**
 * The caller's ratio breaker for `service`: failing probes until it opens (the ratio is 100 %,
 * so `minRequests` suffice; a few more allow for outcomes that left the window on a slow
 * machine), a refused probe answered by the circuit-open fallback that never reaches the
 * callee, then — after the open interval — the half-open probes that reach it and close it.
 */
function planRatioBreaker(service: Service, caller: Service, via: Via, lane: string, checks: PlannedCheck[], skip: Skip): void {
  const ratio = service.resilience.circuitBreaker?.ratio;
  if (!ratio) return;
  if (ratio.failureRatioPercent >= 100) {
    skip('circuit-breaker', service, `the ratio breaker of "${service.name}" opens above ${ratio.failureRatioPercent} % failures, which no probe sequence exceeds`);
    return;
  }
  const found = fallbackFor(caller, service);
  const answer = found?.fallback.on.includes('circuit-open') && found.fallback.answer.kind === 'response' ? found.fallback.answer.response : undefined;
  if (found?.fallback.on.includes('circuit-open') && !answer) skip('fallback', found.node, `the circuit-open fallback of "${service.name}" sends to another service; the ratio breaker check expects the refusal only`);
  if (ratio.windowMs > MAX_OPEN_WAIT_MS) {
    skip('circuit-breaker', service, `the ratio breaker of "${service.name}" judges a ${ratio.windowMs} ms window, past the ${MAX_OPEN_WAIT_MS} ms the verifier waits for earlier probes to leave it`);
    return;
  }
  const halfOpen = ratio.openMs <= MAX_OPEN_WAIT_MS;
  if (!halfOpen) skip('circuit-breaker', service, `the ratio breaker of "${service.name}" stays open ${ratio.openMs} ms, past the ${MAX_OPEN_WAIT_MS} ms the verifier waits: half-open probing is not watched (test/proxy/degradation/ covers it)`);
  const cycle: RatioBreakerCycle = {
    callee: { namespace: service.namespace, name: service.name },
    maxFailures: ratio.minRequests * 2 + 5,
    minRequests: ratio.minRequests,
    failureRatioPercent: ratio.failureRatioPercent,
    windowMs: ratio.windowMs,
    ...(answer ? { fallback: { status: answer.status, body: answer.body ?? '' } } : {}),
    ...(halfOpen ? { halfOpen: { openMs: ratio.openMs, probes: ratio.halfOpenProbes } } : {}),
  };
  checks.push({
    id: `ratio-breaker:${service.path}<-${caller.name}`,
    kind: 'circuit-breaker',
    title: `ratio breaker of ${caller.name} → ${service.name}`,
    declaration: declarationOf(service),
    via,
    probes: cycle.maxFailures + 1 + (halfOpen ? ratio.halfOpenProbes + 1 : 0),
    expectation: `open after ≥ ${ratio.minRequests} failures: ${answer ? `the circuit-open fallback ${answer.status}` : '503 UO'} and nothing at ${service.name}${halfOpen ? `; after ${ratio.openMs} ms, ${ratio.halfOpenProbes} half-open probe(s) reach it and close the breaker` : ''}`,
    lane,
    phase: 'disruptive',
    spec: { type: 'ratio-breaker', request: PROBE, ...cycle },
  });
}
