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
   * For `rate-limited`: send up to three rounds of `probes` requests (16 at a time) and judge the
   * first one the limit rejected; then wait `refillMs` so the bucket is full again for the next check.
   */
  exceed?: { probes: number; refillMs: number };
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

/** The longest open interval (or window) the verifier waits out to watch the ratio breaker. */
export const MAX_OPEN_WAIT_MS = 30_000;

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
      if (fallback.on.includes('rate-limited') && limit) {
        const refillMs = Math.ceil(limit.burst / limit.requests) * limit.perMs;
        if (limit.mode === 'shape') skip('fallback', node, `the "rate-limited" fallback of "${service.name}" answers a full shaping queue, which the verifier does not fill (test/proxy/degradation/shape.test.ts covers it over sockets)`);
        else if (refillMs > MAX_REFILL_WAIT_MS) skip('fallback', node, `the "rate-limited" fallback of "${service.name}": its bucket takes ${refillMs} ms to refill, past the ${MAX_REFILL_WAIT_MS} ms the verifier waits`);
        // A bucket refilled while the probes are sent needs more than its burst: one period's tokens more.
        else cases.push({ name: `requests past the rate limit (burst ${limit.burst}) get the fallback`, reason: 'rate-limited', ...answer, exceed: { probes: limit.burst + limit.requests + 5, refillMs } });
      } else if (fallback.on.includes('rate-limited')) skip('fallback', node, `the "rate-limited" fallback of "${service.name}": "${service.name}" declares no service rate limit to exceed (route limits are not probed here)`);
      // A ratio breaker's refusals are probed by the ratio-breaker check (below); pool overflow is not provoked.
      if (fallback.on.includes('circuit-open') && !service.resilience.circuitBreaker?.ratio)
        skip('fallback', node, `the "circuit-open" fallback of "${service.name}" is not provoked without a ratio breaker (pool overflow: test/proxy/degradation/fallback.test.ts covers it over sockets)`);
      for (const reason of fallback.on.filter((x) => x !== '5xx' && x !== 'timeout' && x !== 'rate-limited' && x !== 'circuit-open'))
        skip('fallback', node, `the "${reason}" fallback of "${service.name}" is not provoked by weft verify (test/proxy/degradation/fallback.test.ts covers it over sockets)`);
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
    if (!env || switchState(sw, env) !== 'on') {
      skip('fallback', d, `switch "${d.switch}" is off in this environment: the calls reach "${service.name}" (routing checks cover them); flipping it at runtime is tested in test/proxy/degradation/switch.test.ts`);
      continue;
    }
    if (d.answer.kind !== 'response') {
      skip('fallback', d, `switch "${d.switch}" sends to another service; only preset answers are probed`);
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
