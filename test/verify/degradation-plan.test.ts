import { describe, expect, it } from 'vitest';
import { Mesh } from '../../src/index';
import { modelForEnvironment } from '../../src/model/query';
import { derivePlan } from '../../src/verify/plan/derive';

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
  it('provokes each fallback reason it can (5xx, timeout) and expects the declared answer with x-weft-fallback', () => {
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
      ],
    });
    expect(plan.notVerified.map((n) => n.reason)).toEqual(
      expect.arrayContaining([expect.stringContaining('"connect-failure" fallback of "captcha" is not provoked'), expect.stringContaining('switch "shed" is off in this environment')]),
    );
    expect(plan.checks.some((c) => c.id.startsWith('switch:'))).toBe(false);
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
    expect(cases).toEqual([{ name: 'requests past the rate limit (burst 3) get the fallback', reason: 'rate-limited', status: 200, body: 'busy', headers: {}, exceed: { probes: 10, refillMs: 2000 } }]);
    expect(plan.notVerified.map((n) => n.reason)).toEqual(expect.arrayContaining([expect.stringContaining('"circuit-open" fallback of "captcha" is not provoked without a ratio breaker')]));
    expect(plan.checks.some((c) => c.id.startsWith('ratio-breaker:'))).toBe(false);
  });
});
