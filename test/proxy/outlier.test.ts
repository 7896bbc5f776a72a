import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Endpoint } from '../../src/proxy/cluster/endpoint';
import { OutlierDetector } from '../../src/proxy/cluster/outlier-detector';
import { CircuitBreaker } from '../../src/proxy/cluster/circuit-breaker';
import { TokenBucket } from '../../src/proxy/pipeline/token-bucket';
import { RetryPolicy } from '../../src/proxy/pipeline/retry';
import { outlierDetectionSchema, retriesSchema } from '../../src/proxy/config/schema';
import { send, sleep, startProxy, type TestProxy } from './helpers/proxy';
import { startUpstream, type Upstream } from './helpers/upstream';

const pool = { connectTimeoutMs: 1000, idleTimeoutMs: 1000 };
const made: Endpoint[] = [];
const hosts = (n: number) => Array.from({ length: n }, (_, i) => {
  const e = new Endpoint('10.1.0.' + i, 80, 1, pool);
  made.push(e);
  return e;
});
afterAll(async () => {
  await Promise.all(made.map((e) => e.pool.destroy()));
});

describe('outlier detector (Envoy semantics)', () => {
  it('ejects after N consecutive 5xx; a success resets the count', () => {
    const eps = hosts(2);
    const d = new OutlierDetector(outlierDetectionSchema.parse({ consecutive5xxErrors: 3, maxEjectionPercent: 100 }), eps, () => {});
    d.report(eps[0]!, 'error-5xx');
    d.report(eps[0]!, 'error-5xx');
    d.report(eps[0]!, 'success');
    d.report(eps[0]!, 'error-5xx');
    d.report(eps[0]!, 'local-failure');
    expect(eps[0]!.ejected).toBe(false);
    d.report(eps[0]!, 'error-gateway');
    expect(eps[0]!.ejected).toBe(true);
  });

  it('consecutive gateway errors count 502/503/504 and local failures, and a 500 resets them', () => {
    const eps = hosts(2);
    const d = new OutlierDetector(outlierDetectionSchema.parse({ consecutive5xxErrors: 0, consecutiveGatewayErrors: 2, maxEjectionPercent: 100 }), eps, () => {});
    d.report(eps[0]!, 'error-gateway');
    d.report(eps[0]!, 'error-5xx');
    d.report(eps[0]!, 'local-failure');
    expect(eps[0]!.ejected).toBe(false);
    d.report(eps[0]!, 'error-gateway');
    expect(eps[0]!.ejected).toBe(true);
  });

  it('ejection time = base × times ejected (capped); sweeps return hosts and decay the multiplier', () => {
    const eps = hosts(2);
    const e = eps[0]!;
    const d = new OutlierDetector(outlierDetectionSchema.parse({ consecutive5xxErrors: 1, baseEjectionTimeMs: 1000, maxEjectionTimeMs: 2500, maxEjectionPercent: 100 }), eps, () => {});
    const t0 = Date.now();
    d.report(e, 'error-5xx');
    const reported = Date.now();
    // Bracketed by clock reads before and after the report, not by a guess at how long it took.
    expect(e.ejectedUntil - t0).toBeGreaterThanOrEqual(1000);
    expect(e.ejectedUntil - reported).toBeLessThanOrEqual(1000);
    d.sweep(t0 + 999);
    expect(e.ejected).toBe(true);
    d.sweep(t0 + 1100);
    expect(e.ejected).toBe(false);
    const t1 = Date.now();
    d.report(e, 'error-5xx');
    expect(e.ejections).toBe(2);
    expect(e.ejectedUntil - t1).toBeGreaterThanOrEqual(2000);
    d.sweep(e.ejectedUntil);
    d.report(e, 'error-5xx');
    expect(e.ejections).toBe(3);
    expect(e.ejectedUntil - Date.now()).toBeLessThanOrEqual(2500); // max_ejection_time caps 3 × 1000
    d.sweep(e.ejectedUntil);
    // Healthy for whole intervals: the multiplier decreases by one per interval.
    d.sweep(e.ejectedUntil + 10);
    d.sweep(e.ejectedUntil + 20);
    expect(e.ejections).toBe(2);
  });

  it('max ejection percent caps ejections, but one host can always be ejected', () => {
    const eps = hosts(4);
    const d = new OutlierDetector(outlierDetectionSchema.parse({ consecutive5xxErrors: 1, maxEjectionPercent: 10 }), eps, () => {});
    for (const e of eps) d.report(e, 'error-5xx');
    expect(eps.filter((e) => e.ejected).length).toBe(1);
    const eps2 = hosts(4);
    const d2 = new OutlierDetector(outlierDetectionSchema.parse({ consecutive5xxErrors: 1, maxEjectionPercent: 50 }), eps2, () => {});
    for (const e of eps2) d2.report(e, 'error-5xx');
    expect(eps2.filter((e) => e.ejected).length).toBe(2);
  });
});

describe('circuit breaker, token bucket, backoff (unit)', () => {
  it('circuit breaker queues up to maxPending, overflows beyond, hands slots over FIFO', () => {
    const cb = new CircuitBreaker({ maxConnections: 1, maxPendingRequests: 2, connectTimeoutMs: 1, idleTimeoutMs: 1 });
    const ran: number[] = [];
    const w = (i: number) => ({ run: () => ran.push(i) });
    expect(cb.acquire(w(0))).toBe('run');
    const w1 = w(1);
    expect(cb.acquire(w1)).toBe('queued');
    expect(cb.acquire(w(2))).toBe('queued');
    expect(cb.acquire(w(3))).toBe('overflow');
    expect(cb.cancel(w1)).toBe(true);
    cb.release();
    expect(ran).toEqual([2]);
    expect(cb.overflows).toBe(1);
  });

  it('maxRequests caps active + pending', () => {
    const cb = new CircuitBreaker({ maxRequests: 2, connectTimeoutMs: 1, idleTimeoutMs: 1 });
    expect(cb.acquire({ run() {} })).toBe('run');
    expect(cb.acquire({ run() {} })).toBe('run');
    expect(cb.acquire({ run() {} })).toBe('overflow');
  });

  it('token bucket refills tokensPerFill per whole interval up to maxTokens', () => {
    const b = new TokenBucket({ maxTokens: 2, tokensPerFill: 1, fillIntervalMs: 100 }, 0);
    expect([b.take(0), b.take(1), b.take(2)]).toEqual([true, true, false]);
    expect(b.take(99)).toBe(false);
    expect(b.take(100)).toBe(true);
    expect(b.take(150)).toBe(false);
    expect([b.take(1000), b.take(1000), b.take(1000)]).toEqual([true, true, false]);
  });

  it('backoff is fully jittered exponential within [0, (2^N-1)·base), capped at max', () => {
    const p = new RetryPolicy(retriesSchema.parse({ attempts: 5, backoff: { baseMs: 25 } }));
    for (let i = 0; i < 200; i++) {
      expect(p.backoff(1)).toBeLessThan(25);
      expect(p.backoff(2)).toBeLessThan(75);
      expect(p.backoff(6)).toBeLessThanOrEqual(250); // default max = 10 × base
    }
    const spread = new Set(Array.from({ length: 50 }, () => Math.round(p.backoff(3))));
    expect(spread.size).toBeGreaterThan(10);
  });
});

describe('outlier detection over sockets', () => {
  const EJECTION_MS = 4000;
  let good: Upstream, bad: Upstream;
  let p: TestProxy;
  beforeAll(async () => {
    [good, bad] = await Promise.all([startUpstream('good'), startUpstream('bad')]);
    bad.defaultStatus = 500;
    p = await startProxy({
      listeners: { outbound: { port: 0 }, admin: { port: 0 } },
      services: [
        {
          name: 'svc',
          namespace: 'shop',
          subsets: [{ name: 'v1', endpoints: [good, bad].map((u) => ({ address: '127.0.0.1', port: u.port })) }],
          // 4 s: the checks made while the host is out (12 loopback requests) fit in it on a loaded machine.
          outlierDetection: { consecutive5xxErrors: 3, intervalMs: 50, baseEjectionTimeMs: EJECTION_MS, maxEjectionPercent: 50 },
        },
      ],
    });
  });
  afterAll(async () => {
    await p.close();
    await Promise.all([good, bad].map((u) => u.close()));
  });

  it('ejects the failing host, then brings it back after the ejection time', async () => {
    const start = performance.now();
    for (let i = 0; i < 6; i++) await send(p.outbound, 'svc', '/');
    expect(bad.count()).toBe(3);
    const during = bad.count();
    for (let i = 0; i < 10; i++) expect((await send(p.outbound, 'svc', '/')).status).toBe(200);
    expect(bad.count()).toBe(during);
    const clusters = JSON.parse((await send(p.admin, 'x', '/clusters')).body);
    expect(clusters[0].endpoints.find((e: any) => e.host.endsWith(String(bad.port))).ejected).toBe(true);
    expect((await send(p.admin, 'x', '/metrics')).body).toMatch(/weft_proxy_upstream_ejected_hosts\{service="svc"\} 1/);
    // Back once the ejection time has passed: wait on its first request (bounded), then check it
    // was not sooner than the ejection time after the first request of the test (a causal bound).
    for (let i = 0; i < 400 && bad.count() === during; i++) {
      await send(p.outbound, 'svc', '/');
      if (bad.count() === during) await sleep(25);
    }
    expect(bad.count()).toBeGreaterThan(during);
    expect(performance.now() - start).toBeGreaterThanOrEqual(EJECTION_MS - 2);
  });
});
