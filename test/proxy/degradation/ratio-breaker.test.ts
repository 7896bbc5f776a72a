/**
 * The ratio breaker: its state machine on a controlled clock, then its transitions over real
 * sockets (closed → open on the failure ratio → half-open probes → closed, and a failed probe
 * re-opening it), with the state metric and a circuit-open fallback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RatioBreaker } from '../../../src/proxy/cluster/ratio-breaker';
import { metricsText, send, sleep, startProxy, type TestProxy } from '../helpers/proxy';
import { startUpstream, type Upstream } from '../helpers/upstream';

describe('RatioBreaker state machine', () => {
  const config = { failureRatioPercent: 50, minRequests: 4, windowMs: 1000, openMs: 500, halfOpenProbes: 2 };

  it('judges the ratio only over minRequests, within the window', () => {
    let now = 0;
    const b = new RatioBreaker(config, () => now);
    for (let i = 0; i < 3; i++) b.report(b.admit()!, true);
    expect(b.state).toBe('closed'); // 3 failures of 3, below minRequests
    now = 1500; // the three age out of the window
    b.report(b.admit()!, true);
    b.report(b.admit()!, false);
    b.report(b.admit()!, false);
    b.report(b.admit()!, false);
    expect(b.state).toBe('closed'); // 1/4 = 25% ≤ 50%
    b.report(b.admit()!, true);
    b.report(b.admit()!, true);
    expect(b.state).toBe('closed'); // 3/6 = 50% is not above 50%
    b.report(b.admit()!, true);
    expect(b.state).toBe('open'); // 4/7 > 50%
  });

  it('open refuses until openMs, then lets exactly K probes through; all succeed → closed', () => {
    let now = 0;
    const b = new RatioBreaker(config, () => now);
    for (let i = 0; i < 4; i++) b.report(b.admit()!, true);
    expect(b.state).toBe('open');
    now = 499;
    expect(b.admit()).toBeNull();
    now = 500;
    const p1 = b.admit()!;
    expect(b.state).toBe('half-open');
    const p2 = b.admit()!;
    expect(b.admit()).toBeNull(); // a third request while two probes are out
    b.report(p1, false);
    expect(b.state).toBe('half-open');
    b.report(p2, false);
    expect(b.state).toBe('closed');
    expect(b.transitions).toEqual({ closed: 1, open: 1, 'half-open': 1 });
  });

  it('a failed probe re-opens for another openMs', () => {
    let now = 0;
    const b = new RatioBreaker(config, () => now);
    for (let i = 0; i < 4; i++) b.report(b.admit()!, true);
    now = 600;
    b.report(b.admit()!, true);
    expect(b.state).toBe('open');
    now = 1099;
    expect(b.admit()).toBeNull();
    now = 1100;
    expect(b.admit()).not.toBeNull();
  });
});

describe('ratio breaker over sockets', () => {
  let up: Upstream;
  let p: TestProxy;
  // While open, the test makes a few loopback requests and admin reads that must all fall inside
  // the interval: 3 s holds them on a loaded machine (300 ms did not).
  const OPEN_MS = 3000;

  beforeAll(async () => {
    up = await startUpstream('reviews');
    p = await startProxy({
      listeners: { outbound: { port: 0 }, admin: { port: 0 } },
      services: [
        {
          name: 'reviews',
          namespace: 'shop',
          subsets: [{ name: 'v1', endpoints: [{ address: '127.0.0.1', port: up.port }] }],
          ratioBreaker: { failureRatioPercent: 50, minRequests: 4, windowMs: 60_000, openMs: OPEN_MS, halfOpenProbes: 2 },
        },
      ],
      routes: [
        { name: 'plain', hosts: ['reviews'], action: { type: 'forward', destinations: [{ service: 'reviews' }] } },
        { name: 'fb', hosts: ['reviews-fb'], fallback: { on: ['circuit-open'], response: { status: 200, body: 'cached reviews' } }, action: { type: 'forward', destinations: [{ service: 'reviews' }] } },
      ] as any,
    });
  });

  afterAll(async () => {
    await p.close();
    await up.close();
  });

  const state = async (): Promise<string> => {
    const m = await metricsText(p.admin);
    return ['closed', 'open', 'half-open'].find((s) => m.includes(`weft_proxy_circuit_state{service="reviews",state="${s}"} 1`)) ?? 'none';
  };

  it('closed → open → half-open → closed, and a failed probe re-opens', async () => {
    expect(await state()).toBe('closed');
    for (let i = 0; i < 4; i++) expect((await send(p.outbound, 'reviews', '/?status=500')).status).toBe(500);
    expect(await state()).toBe('open');
    const reached = up.count();
    const refused = await send(p.outbound, 'reviews', '/');
    expect(refused.status).toBe(503);
    expect(up.count()).toBe(reached); // refused without reaching the service
    const fb = await send(p.outbound, 'reviews-fb', '/');
    expect([fb.status, fb.body, fb.headers['x-weft-fallback']]).toEqual([200, 'cached reviews', 'circuit-open']);

    await sleep(OPEN_MS + 50); // the open interval is a lower bound: waiting longer is always correct
    // Two probes in flight at once are let through; a third request is refused meanwhile. The
    // upstream holds them 3 s, so "meanwhile" (an admin read and one request) holds on a loaded machine.
    const probes = [send(p.outbound, 'reviews', '/?delay=3000'), send(p.outbound, 'reviews', '/?delay=3000')];
    for (let i = 0; i < 1000 && up.count() < reached + 2; i++) await sleep(10);
    expect(await state()).toBe('half-open');
    expect((await send(p.outbound, 'reviews', '/')).status).toBe(503);
    expect((await Promise.all(probes)).map((r) => r.status)).toEqual([200, 200]);
    expect(await state()).toBe('closed');

    for (let i = 0; i < 4; i++) await send(p.outbound, 'reviews', '/?status=500');
    expect(await state()).toBe('open');
    await sleep(OPEN_MS + 50);
    expect((await send(p.outbound, 'reviews', '/?status=503')).status).toBe(503);
    expect(await state()).toBe('open');
    const m = await metricsText(p.admin);
    expect(m).toContain('weft_proxy_circuit_transitions_total{service="reviews",state="open"} 3');
    expect(m).toContain('weft_proxy_circuit_transitions_total{service="reviews",state="half-open"} 2');
    expect(m).toContain('weft_proxy_circuit_transitions_total{service="reviews",state="closed"} 1');
  });
});
