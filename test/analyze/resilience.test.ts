import { describe, expect, it } from 'vitest';
import { duration } from '../../src/index';
import type { ServiceProps } from '../../src/index';
import { diagnose, expectNone, expectOne, newMesh, v1v2, withCode } from './helpers';

function svc(props: Partial<ServiceProps> = {}) {
  const mesh = newMesh();
  const s = mesh.team('storefront').service('app', { port: 8080, versions: v1v2, ...props } as ServiceProps);
  return { mesh, s };
}

describe('WEFT201 retries exceed the timeout', () => {
  it('reports (attempts + 1) × perTryTimeout above the service timeout', () => {
    const { mesh, s } = svc({ resilience: { timeout: duration.seconds(1), retries: { attempts: 3, perTryTimeout: duration.millis(500) } } });
    const d = expectOne(diagnose(mesh), 'WEFT201', { at: s, severity: 'warning', message: ['service "app" allows 4 tries of up to 500ms (2s in all) within a timeout of 1s', 'only 2 slow tries fit', 'the last 2 can never run'] });
    expect(d.hint).toContain('2s');
  });

  it('checks a route on its effective values: its own retries with the service timeout', () => {
    const { mesh, s } = svc({ resilience: { timeout: duration.seconds(2) } });
    const r = s.route('slow', { retries: { attempts: 5, perTryTimeout: '500ms' }, to: s });
    expectOne(diagnose(mesh), 'WEFT201', { at: r, severity: 'warning', message: ['route "slow" of service "app" allows 6 tries', 'timeout of 2s'] });
  });

  it('checks gateway routes on their own values', () => {
    const { mesh, s } = svc();
    const r = mesh.gateway('public', { hosts: ['shop.example.com'] }).route('all', { timeout: '1s', retries: { attempts: 2, perTryTimeout: '400ms' }, to: s });
    expectOne(diagnose(mesh), 'WEFT201', { at: r, severity: 'warning', message: ['route "all" of gateway "public" allows 3 tries'] });
  });

  it('is silent when the tries fit exactly, or a route overrides the timeout to fit (near miss)', () => {
    const { mesh, s } = svc({ resilience: { timeout: duration.seconds(1), retries: { attempts: 3, perTryTimeout: '250ms' } } });
    s.route('long', { timeout: '5s', retries: { attempts: 3, perTryTimeout: '1s' }, to: s });
    expectNone(diagnose(mesh), 'WEFT201');
  });
});

describe('WEFT202 per-try timeout at or above the timeout', () => {
  it('reports a per-try timeout equal to the timeout (and not WEFT201 as well)', () => {
    const { mesh, s } = svc({ resilience: { timeout: '2s', retries: { attempts: 2, perTryTimeout: '2s' } } });
    const diags = diagnose(mesh);
    expectOne(diags, 'WEFT202', { at: s, severity: 'warning', message: ['per-try timeout of 2s, not below its timeout of 2s', 'none of the 2 retries'] });
    expectNone(diags, 'WEFT201');
  });

  it('reports a route whose per-try timeout is above the service timeout it inherits', () => {
    const { mesh, s } = svc({ resilience: { timeout: '1s' } });
    const r = s.route('r', { retries: { attempts: 1, perTryTimeout: '3s' }, to: s });
    expectOne(diagnose(mesh), 'WEFT202', { at: r, severity: 'warning', message: ['route "r"', 'per-try timeout of 3s'] });
  });

  it('is silent without a timeout or with retries off (near miss)', () => {
    const { mesh, s } = svc({ resilience: { retries: { attempts: 2, perTryTimeout: '2s' } } });
    s.route('off', { timeout: '1s', retries: { attempts: 0, perTryTimeout: '2s' }, to: s });
    expectNone(diagnose(mesh), 'WEFT202');
  });
});

describe('WEFT203 fault injection with retries or a timeout', () => {
  it('reports a route with a fault and retries, citing the Istio documentation', () => {
    const { mesh, s } = svc();
    const r = s.route('chaos', { fault: { abort: { status: 503, percent: 10 } }, retries: { attempts: 2 }, to: s });
    const d = expectOne(diagnose(mesh), 'WEFT203', { at: r, severity: 'warning', message: ['route "chaos" of service "app" injects a fault', 'retries (2)', 'https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPFaultInjection'] });
    expect(d.message).not.toContain('declares retries (2) and timeout');
  });

  it('reports a route fault combined with the service timeout it inherits', () => {
    const { mesh, s } = svc({ resilience: { timeout: '2s' } });
    const r = s.route('chaos', { fault: { delay: { fixed: '1s', percent: 50 } }, to: s });
    expectOne(diagnose(mesh), 'WEFT203', { at: r, severity: 'warning', message: ['and also declares timeout'] });
  });

  it('is silent for a fault without retries or timeout (near miss)', () => {
    const { mesh, s } = svc({ resilience: { retries: { attempts: 0 } } });
    s.route('chaos', { fault: { abort: { status: 503, percent: 10 } }, to: s });
    expectNone(diagnose(mesh), 'WEFT203');
  });
});

describe('WEFT204 circuit breaker without ejection trigger', () => {
  it('reports a breaker with only connection limits', () => {
    const { mesh, s } = svc({ resilience: { circuitBreaker: { maxConnections: 100 } } });
    expectOne(diagnose(mesh), 'WEFT204', { at: s, severity: 'warning', message: ['neither consecutive5xx nor consecutiveGatewayErrors', 'outlier detection is disabled', 'only its connection limits apply'] });
  });

  it('says a breaker with nothing at all does nothing', () => {
    const { mesh, s } = svc({ resilience: { circuitBreaker: { maxEjectionPercent: 50 } } });
    expectOne(diagnose(mesh), 'WEFT204', { at: s, severity: 'warning', message: ['the breaker does nothing'] });
  });

  it('is silent with either trigger (near miss)', () => {
    const a = svc({ resilience: { circuitBreaker: { consecutive5xx: 5 } } });
    const b = svc({ resilience: { circuitBreaker: { consecutiveGatewayErrors: 3 } } });
    expectNone(diagnose(a.mesh), 'WEFT204');
    expectNone(diagnose(b.mesh), 'WEFT204');
  });

  it('is silent for a ratio breaker, a trigger of its own', () => {
    const { mesh } = svc({ resilience: { circuitBreaker: { ratio: { failureRatio: 50, minRequests: 10 } } } });
    expectNone(diagnose(mesh), 'WEFT204');
  });
});

describe('WEFT205 unknown retry-on class', () => {
  it('reports each unknown class, suggesting the spelling Envoy knows', () => {
    const { mesh, s } = svc({ resilience: { retries: { attempts: 2, on: ['5XX', 'reset'] } } });
    const r = s.route('r', { retries: { attempts: 1, on: ['connect_failure', 'whenever'] }, to: s });
    const diags = withCode(diagnose(mesh), 'WEFT205');
    expect(diags.map((d) => [d.location?.line, d.severity, d.hint])).toEqual([
      [s.location.line, 'error', 'write "5xx"'],
      [r.location.line, 'error', 'write "connect-failure"'],
      [r.location.line, 'error', expect.stringContaining('use one of: 5xx, gateway-error')],
    ]);
    expect(diags[2]!.message).toContain('route "r" retries on "whenever"');
  });

  it('warns about a status code among the classes, pointing at statusCodes', () => {
    const { mesh, s } = svc({ resilience: { retries: { attempts: 2, on: ['5xx', '503'] } } });
    const d = expectOne(diagnose(mesh), 'WEFT205', { at: s, severity: 'warning', message: ['retries on "503", a status code'] });
    expect(d.hint).toContain('statusCodes: [503]');
  });

  it('accepts the known classes (near miss)', () => {
    const { mesh } = svc({ resilience: { retries: { attempts: 2, on: ['5xx', 'gateway-error', 'reset', 'connect-failure', 'retriable-4xx'] } } });
    expectNone(diagnose(mesh), 'WEFT205');
  });
});

describe('WEFT206 latency SLO threshold not below the timeout', () => {
  it('reports a threshold at or above every timeout of the service', () => {
    const { mesh, s } = svc({ resilience: { timeout: '2s' } });
    const slo = s.slo('fast', { latency: { threshold: '2s', percent: 99 } });
    expectOne(diagnose(mesh), 'WEFT206', { at: slo, severity: 'warning', message: ['latency SLO "fast" of service "app"', 'slower than 2s', 'after at most 2s'] });
  });

  it('is silent below the timeout, or when some route has no timeout (near miss)', () => {
    const a = svc({ resilience: { timeout: '2s' } });
    a.s.slo('fast', { latency: { threshold: '300ms', percent: 99 } });
    expectNone(diagnose(a.mesh), 'WEFT206');
    const b = svc();
    b.s.route('timed', { match: { path: { prefix: '/api' } }, timeout: '1s', to: b.s });
    b.s.route('default', { to: b.s }); // no timeout on this path
    b.s.slo('fast', { latency: { threshold: '2s', percent: 99 } });
    expectNone(diagnose(b.mesh), 'WEFT206');
  });
});
