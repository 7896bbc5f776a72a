/**
 * Leaky-bucket shaping over real sockets: requests beyond the rate wait in a bounded queue and
 * leave in arrival order, spaced at least one interval apart; one more than the queue holds
 * gets 429 (flag RL), which a rate-limited fallback answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricsText, send, sleep, startProxy, type TestProxy } from '../helpers/proxy';
import { startUpstream, type Upstream } from '../helpers/upstream';

let up: Upstream;
let p: TestProxy;
// 1 request per 1.5 s: the queue must still be full (no release yet) when the two overflow probes
// arrive after the metrics read; with 150 ms, on a loaded machine, one of them was queued and served.
const INTERVAL = 1500;
// The bounded route's queue must still hold both waiting requests when the overflow arrives: the
// first release comes one interval after the first request passed, and in between this test makes
// four loopback round trips. 4 s leaves room for a loaded machine (a round trip there can take
// hundreds of ms); the test waits two intervals for the queued ones.
const BOUNDED_INTERVAL = 4000;

beforeAll(async () => {
  up = await startUpstream('search');
  p = await startProxy({
    listeners: { outbound: { port: 0 }, admin: { port: 0 } },
    services: [{ name: 'search', namespace: 'shop', subsets: [{ name: 'v1', endpoints: [{ address: '127.0.0.1', port: up.port }] }] }],
    routes: [
      { name: 'shaped', hosts: ['shaped'], shape: { requests: 1, perMs: INTERVAL, maxQueue: 3 }, action: { type: 'forward', destinations: [{ service: 'search' }] } },
      { name: 'bounded', hosts: ['bounded'], shape: { requests: 1, perMs: BOUNDED_INTERVAL, maxQueue: 2 }, action: { type: 'forward', destinations: [{ service: 'search' }] } },
      {
        name: 'shaped-fb',
        hosts: ['shaped-fb'],
        shape: { requests: 1, perMs: 60_000, maxQueue: 0 },
        fallback: { on: ['rate-limited'], response: { status: 200, body: 'later' } },
        action: { type: 'forward', destinations: [{ service: 'search' }] },
      },
    ] as any,
  });
});

afterAll(async () => {
  await p.close();
  await up.close();
});

async function queued(route = 'shaped'): Promise<number> {
  const m = (await metricsText(p.admin)).match(new RegExp(`^weft_proxy_shaping_queued\\{route="${route}"\\} (\\d+)`, 'm'));
  return Number(m?.[1] ?? -1);
}

describe('leaky-bucket shaping', () => {
  it('queues up to the bound, releases in arrival order at the rate, rejects overflow with 429', async () => {
    const replies: Array<Promise<Awaited<ReturnType<typeof send>>>> = [];
    const t0 = performance.now();
    let lastDone = 0;
    // One passes at once; each later one is sent after the previous is seen queued, so arrival order is known.
    replies.push(send(p.outbound, 'shaped', '/?n=0'));
    for (let i = 1; i <= 3; i++) {
      replies.push(send(p.outbound, 'shaped', `/?n=${i}`));
      // Generous bound for a loaded machine: a condition, not a clock.
      for (let t = 0; t < 2000 && (await queued()) < i && up.count() < i + 1; t++) await sleep(5);
    }
    // The queue holds 3 (unless the machine is so slow that some already left): more overflow.
    const depth = await queued();
    const extra = await Promise.all([send(p.outbound, 'shaped', '/?n=x'), send(p.outbound, 'shaped', '/?n=y')]);
    const all = await Promise.all(replies.map((r) => r.then((x) => ((lastDone = Math.max(lastDone, performance.now())), x))));
    expect(all.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    // The numbered requests in arrival order (the overflow probes x, y may pass too when the queue had drained).
    expect(up.received.filter((r) => /^\/\?n=\d$/.test(r.url)).map((r) => r.url)).toEqual(['/?n=0', '/?n=1', '/?n=2', '/?n=3']);
    if (depth === 3) {
      expect(extra.map((r) => r.status)).toEqual([429, 429]);
      expect(extra[0]!.body).toBe('local_rate_limited');
    }
    // Released no faster than the rate: the 4th leaves at least 3 intervals after the 1st
    // (a causal lower bound; timers never fire early by more than a millisecond).
    expect(lastDone - t0).toBeGreaterThanOrEqual(3 * INTERVAL - 2);
  });

  it('holds at most maxQueue: the next request gets 429 with flag RL, the queued ones are served', async () => {
    const first = await send(p.outbound, 'bounded', '/?b=0');
    expect(first.status).toBe(200);
    const waiting = [send(p.outbound, 'bounded', '/?b=1'), send(p.outbound, 'bounded', '/?b=2')];
    for (let t = 0; t < 400 && (await queued('bounded')) < 2; t++) await sleep(5);
    expect(await queued('bounded')).toBe(2);
    const over = await send(p.outbound, 'bounded', '/?b=3');
    expect([over.status, over.body, over.headers['x-weft-ratelimited']]).toEqual([429, 'local_rate_limited', 'true']);
    expect((await Promise.all(waiting)).map((r) => r.status)).toEqual([200, 200]);
    expect(up.received.filter((r) => r.url.startsWith('/?b=')).map((r) => r.url).sort()).toEqual(['/?b=0', '/?b=1', '/?b=2']);
    const m = await metricsText(p.admin);
    expect(m).toContain('weft_proxy_shaping_overflow_total{route="bounded"} 1');
  });

  it('an overflowing request is answered by a rate-limited fallback', async () => {
    expect((await send(p.outbound, 'shaped-fb', '/')).headers['x-weft-fallback']).toBeUndefined();
    const r = await send(p.outbound, 'shaped-fb', '/');
    expect([r.status, r.body, r.headers['x-weft-fallback']]).toEqual([200, 'later', 'rate-limited']);
  });
});
