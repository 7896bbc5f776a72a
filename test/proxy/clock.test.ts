/**
 * The proxy's clock (src/proxy/clock.ts) is `performance.now()`'s clock without the
 * `performance` global: milliseconds of the same monotonic clock, with sub-microsecond
 * resolution. Checked by nesting one clock's interval inside the other's — an interval of the
 * same clock measured inside another is never longer — so no bound depends on the machine's
 * speed or load. Which built-ins the bundle loads is test/proxy/memory-startup-modules.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { monotonicMs } from '../../src/proxy/clock';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('monotonicMs', () => {
  it('measures the same intervals as performance.now(), in milliseconds', async () => {
    for (let i = 0; i < 5; i++) {
      const outerStart = performance.now();
      const innerStart = monotonicMs();
      await pause(20);
      const innerEnd = monotonicMs();
      const outerEnd = performance.now();
      expect(innerEnd - innerStart).toBeLessThanOrEqual(outerEnd - outerStart);
      expect(innerEnd - innerStart).toBeGreaterThan(15);

      const start = monotonicMs();
      const perfStart = performance.now();
      await pause(20);
      const perfEnd = performance.now();
      const end = monotonicMs();
      expect(perfEnd - perfStart).toBeLessThanOrEqual(end - start);
    }
  });

  it('counts from the process start, as performance.now() does (within a few milliseconds)', () => {
    const perf = performance.now();
    const mine = monotonicMs();
    const perfAfter = performance.now();
    // Both zeros are Node's start (performance.timeOrigin, and process.uptime()'s start): 1–2 ms
    // apart on an idle machine. A zero at the clock module's load would be off by nearly all of
    // performance.now() here (vitest starts, then imports this file and the clock); the bound is
    // a tenth of it, so that a loaded machine's slower start does not fail it.
    expect(Math.abs(mine - perf)).toBeLessThan(20 + perf / 10 + (perfAfter - perf));
  });

  it('never goes back, and resolves steps of less than 10 µs', () => {
    let previous = monotonicMs();
    let smallestStep = Infinity;
    let backwards = 0;
    for (let i = 0; i < 100_000; i++) {
      const now = monotonicMs();
      if (now < previous) backwards++;
      if (now > previous) smallestStep = Math.min(smallestStep, now - previous);
      previous = now;
    }
    expect(backwards).toBe(0);
    expect(smallestStep).toBeLessThan(0.01);
  });
});
