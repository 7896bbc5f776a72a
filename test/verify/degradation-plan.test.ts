import { describe, expect, it } from 'vitest';
import { Mesh } from '../../src/index';
import { modelForEnvironment } from '../../src/model/query';
import { derivePlan } from '../../src/verify/plan/derive';
import { planForTarget } from '../../src/verify/plan/target';

/** The verifier's degradation probes, derived from the model (src/verify/plan/degradation.ts). */
function planOf(state: 'on' | 'off', callLevel = false) {
  const m = new Mesh('m', { environments: { dev: { mesh: 'weft', switches: { shed: state } } } });
  const sw = m.switch('shed', { description: 'shed captcha' });
  const t = m.team('shop');
  const captcha = t.service('captcha', {
    port: 5000,
    versions: { v1: { image: 'c' } },
    resilience: { timeout: '1s', fallback: { on: ['5xx', 'timeout', 'connect-failure'], response: { status: 200, headers: { 'content-type': 'application/json' }, body: '{"verdict":"unknown"}' } } },
  });
  const gw = t.service('gw', { port: 8080, versions: { v1: { image: 'g' } }, calls: [captcha] });
  gw.degrade(sw, { calls: [captcha], response: { status: 200, body: 'skip' } });
  if (callLevel) gw.fallbackFor(captcha, { on: ['5xx'], response: { status: 202, body: 'gw-only' } });
  const model = m.toModel().model!;
  return derivePlan(modelForEnvironment(model, model.environments[0]!), 'dev');
}

describe('verify plan: degradation', () => {
  it('provokes each fallback reason (5xx, timeout, connect-failure) and expects the declared answer with x-weft-fallback', () => {
    const plan = planOf('off');
    const check = plan.checks.find((c) => c.id === 'fallback:m/shop/captcha<-gw')!;
    expect(check.kind).toBe('fallback');
    expect(check.via.caller).toEqual({ namespace: 'shop', name: 'gw' });
    expect(check.spec).toEqual({
      type: 'fallback',
      request: { method: 'GET', path: '/weft-default-probe', headers: {} },
      cases: [
        { name: 'an upstream 500 gets the fallback', reason: '5xx', controls: 'status=500', status: 200, body: '{"verdict":"unknown"}', headers: { 'content-type': 'application/json' } },
        { name: 'an upstream slower than 1000 ms gets the fallback', reason: 'timeout', controls: 'delay=2500', status: 200, body: '{"verdict":"unknown"}', headers: { 'content-type': 'application/json' } },
        { name: 'a refused upstream connection gets the fallback', reason: 'connect-failure', status: 200, body: '{"verdict":"unknown"}', headers: { 'content-type': 'application/json' }, refuse: { namespace: 'shop', name: 'captcha' } },
      ],
    });
    expect(plan.notVerified.map((n) => n.reason).filter((r) => r.includes('fallback') || r.includes('switch'))).toEqual([]);
    // An off switch is not probed statically (the calls reach the callee); it is flipped at runtime.
    expect(plan.checks.some((c) => c.id.startsWith('switch:'))).toBe(false);
  });

  it('flips a switch at runtime under a bounded load, from the shipped state and back', () => {
    for (const state of ['off', 'on'] as const) {
      const check = planOf(state).checks.find((c) => c.id === 'switch-flip:m/shop/gw/degrade:shed->captcha')!;
      expect(check.phase).toBe('disruptive');
      expect(check.spec).toEqual({
        type: 'switch-flip',
        request: { method: 'GET', path: '/weft-default-probe', headers: {} },
        switch: 'shed',
        shipped: state,
        callee: { namespace: 'shop', name: 'captcha' },
        answer: { kind: 'response', status: 200, body: 'skip', headers: {} },
        shedVersions: ['v1'],
        clients: 4,
        perPhase: 40,
        maxRequests: 800,
      });
    }    // A switch to a static version of the callee: that version's arrivals are the switch's answer, the others must stay 0.
    const m = new Mesh('m', { environments: { dev: { mesh: 'weft' } } });
    const t = m.team('shop');
    const recs = t.service('recs', { port: 5000, versions: { v1: { image: 'r' }, static: { image: 's' } } });
    const gw = t.service('gw', { port: 8080, versions: { v1: { image: 'g' } }, calls: [recs] });
    gw.degrade(m.switch('cached', { description: 'cached' }), { calls: [recs], to: recs.version('static') });
    gw.degrade(m.switch('self', { description: 'self' }), { calls: [recs], to: recs });
    const model = m.toModel().model!;
    const plan = derivePlan(modelForEnvironment(model, model.environments[0]!), 'dev');
    const cached = plan.checks.find((c) => c.id === 'switch-flip:m/shop/gw/degrade:cached->recs')!.spec as { answer: unknown; shedVersions: string[] };
    expect([cached.answer, cached.shedVersions]).toEqual([{ kind: 'destination', service: { namespace: 'shop', name: 'recs' }, version: 'static' }, ['v1']]);
    expect(plan.notVerified.map((n) => n.reason)).toEqual(expect.arrayContaining(['switch "self" sends to "recs" itself: nothing is shed to observe']));
    // A cluster's switches are ConfigMaps: cluster mode lists the flip as not verified, with the reason.
    const cluster = planForTarget(planOf('off'), new Set(['shop/gw → shop/captcha']), 'weft');
    expect(cluster.checks.some((c) => c.id.startsWith('switch-flip:'))).toBe(false);
    expect(cluster.notVerified.map((n) => n.reason)).toEqual(expect.arrayContaining([expect.stringMatching(/^switch-flip:m\/shop\/gw\/degrade:shed->captcha: a cluster's switches are the weft-switches ConfigMaps/)]));
  });

  it('expects the switch answer, and nothing at the callee, while the switch is on', () => {
    const check = planOf('on').checks.find((c) => c.id === 'switch:m/shop/gw/degrade:shed->captcha')!;
    expect(check.spec.type).toBe('fallback');
    const cases = (check.spec as { cases: Array<{ reason: string; body: string; calleeUntouched?: unknown }> }).cases;
    expect(cases).toHaveLength(5);
    expect(cases.every((c) => c.reason === 'switch/shed' && c.body === 'skip' && JSON.stringify(c.calleeUntouched) === '{"namespace":"shop","name":"captcha"}')).toBe(true);
  });

  it('probes the caller\'s own fallback when it declares one for the call', () => {
    const check = planOf('off', true).checks.find((c) => c.id === 'fallback:m/shop/captcha<-gw')!;
    expect((check.spec as { cases: Array<{ reason: string; status: number; body: string }> }).cases.map((c) => [c.reason, c.status, c.body])).toEqual([['5xx', 202, 'gw-only']]);
  });
});

describe('verify plan: ratio breaker and rate-limited fallbacks', () => {
  function planWith(resilience: Record<string, unknown>) {
    const m = new Mesh('m', { environments: { dev: { mesh: 'weft' } } });
    const t = m.team('shop');
    const captcha = t.service('captcha', { port: 5000, versions: { v1: { image: 'c' } }, resilience });
    t.service('gw', { port: 8080, versions: { v1: { image: 'g' } }, calls: [captcha] });
    const model = m.toModel().model!;
    return derivePlan(modelForEnvironment(model, model.environments[0]!), 'dev');
  }
  const fallback = { on: ['circuit-open', 'rate-limited'], response: { status: 200, body: 'busy' } };

  it('drives one breaker cycle: failures up to twice minRequests (+5), the circuit-open answer, then the half-open probes', () => {
    const plan = planWith({ fallback, circuitBreaker: { ratio: { failureRatio: 50, minRequests: 4, window: '30s', openFor: '2s', halfOpenProbes: 2 } } });
    const check = plan.checks.find((c) => c.id === 'ratio-breaker:m/shop/captcha<-gw')!;
    expect(check.phase).toBe('disruptive');
    expect(check.spec).toEqual({
      type: 'ratio-breaker',
      request: { method: 'GET', path: '/weft-default-probe', headers: {} },
      callee: { namespace: 'shop', name: 'captcha' },
      maxFailures: 13,
      minRequests: 4,
      failureRatioPercent: 50,
      windowMs: 30_000,
      fallback: { status: 200, body: 'busy' },
      halfOpen: { openMs: 2000, probes: 2 },
    });
    expect(plan.notVerified.map((n) => n.reason)).toEqual(expect.arrayContaining([expect.stringContaining('"rate-limited" fallback of "captcha": "captcha" declares no service rate limit')]));
  });

  it('does not wait out a window past its bound, and says so', () => {
    const plan = planWith({ fallback, circuitBreaker: { ratio: { failureRatio: 50, minRequests: 4, window: '1m', openFor: '2s', halfOpenProbes: 2 } } });
    expect(plan.checks.some((c) => c.id.startsWith('ratio-breaker:'))).toBe(false);
    expect(plan.notVerified.map((n) => n.reason)).toEqual(expect.arrayContaining([expect.stringContaining('judges a 60000 ms window')]));
  });

  it('does not wait out an open interval past its bound, and says so', () => {
    const plan = planWith({ fallback, circuitBreaker: { ratio: { failureRatio: 50, minRequests: 4, window: '30s', openFor: '5m', halfOpenProbes: 2 } } });
    expect(plan.checks.find((c) => c.id === 'ratio-breaker:m/shop/captcha<-gw')!.spec).not.toHaveProperty('halfOpen');
    expect(plan.notVerified.map((n) => n.reason)).toEqual(expect.arrayContaining([expect.stringContaining('half-open probing is not watched')]));
  });

  it('exceeds a service rate limit to see the rate-limited fallback; a circuit-open fallback without a ratio breaker is not verified', () => {
    const plan = planWith({ fallback, rateLimit: { requests: 2, per: '1s', burst: 3 } });
    const cases = (plan.checks.find((c) => c.id === 'fallback:m/shop/captcha<-gw')!.spec as { cases: unknown[] }).cases;
    expect(cases).toEqual([{ name: 'requests past the rate limit (burst 3) get the fallback', reason: 'rate-limited', status: 200, body: 'busy', headers: {}, exceed: { probes: 10, refillMs: 2000, concurrency: 16, bucket: { burst: 3, requests: 2, perMs: 1000 } } }]);
    expect(plan.notVerified.map((n) => n.reason)).toEqual(expect.arrayContaining([expect.stringContaining('"circuit-open" fallback of "captcha": "captcha" declares neither a connection pool limit nor a ratio breaker')]));
    expect(plan.checks.some((c) => c.id.startsWith('ratio-breaker:'))).toBe(false);
  });

  it('overflows a shaping queue all at once, per receiving instance, and waits for it to drain', () => {
    const plan = planWith({ fallback, rateLimit: { requests: 10, per: '1s', mode: 'shape', maxQueue: 5 } });
    const cases = (plan.checks.find((c) => c.id === 'fallback:m/shop/captcha<-gw')!.spec as { cases: unknown[] }).cases;
    expect(cases).toEqual([{ name: 'requests past the shaping queue (5 waiting) get the fallback', reason: 'rate-limited', status: 200, body: 'busy', headers: {}, exceed: { probes: 20, refillMs: 600, concurrency: 20 } }]);
    const big = planWith({ fallback, rateLimit: { requests: 100, per: '1s', mode: 'shape', maxQueue: 400 } });
    expect(big.notVerified.map((n) => n.reason)).toEqual(expect.arrayContaining([expect.stringContaining('needs 505 requests at once, past the verifier\'s bound of 400')]));
  });

  it('overflows the connection pool with held requests for a circuit-open fallback', () => {
    const plan = planWith({ fallback, timeout: '2s', circuitBreaker: { maxConnections: 3, maxPendingRequests: 1 } });
    const cases = (plan.checks.find((c) => c.id === 'fallback:m/shop/captcha<-gw')!.spec as { cases: Array<{ reason: string; overflow?: unknown }> }).cases;
    expect(cases.find((c) => c.reason === 'circuit-open')!.overflow).toEqual({ concurrent: 8, admitted: 4, holdMs: 500 });
    const big = planWith({ fallback, circuitBreaker: { maxConnections: 300 } });
    expect(big.notVerified.map((n) => n.reason)).toEqual(expect.arrayContaining([expect.stringContaining('admits 1324 requests at once')]));
  });
});
