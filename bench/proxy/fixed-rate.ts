/**
 * A small, bounded fixed-rate HTTP load generator (wrk cannot hold a rate; Debian has no wrk2).
 * Sends exactly `rps × seconds` GET requests on keep-alive connections, paced by a 1 ms tick,
 * and records each request's latency from the moment it was dispatched. Outstanding requests
 * are abandoned after a grace period so a run can never hang.
 */
import { Pool } from 'undici';

export interface FixedRateResult {
  sent: number;
  ok: number;
  errors: number;
  p50: number;
  p90: number;
  p99: number;
  /** Requests actually completed per second. */
  achievedRps: number;
  /** How far the generator fell behind its schedule at worst (ms): large values invalidate a run. */
  maxLagMs: number;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export async function fixedRate(url: string, rps: number, seconds: number, connections = 32): Promise<FixedRateResult> {
  const u = new URL(url);
  const pool = new Pool(u.origin, { connections, pipelining: 1 });
  const total = Math.round(rps * seconds);
  const latencies: number[] = [];
  let ok = 0;
  let errors = 0;
  let done = 0;
  let next = 0;
  let maxLag = 0;
  const start = performance.now();
  const interval = 1000 / rps;
  const one = (): void => {
    const t0 = performance.now();
    pool
      .request({ path: u.pathname, method: 'GET', headers: { host: u.host } })
      .then(async (r) => {
        await r.body.dump();
        latencies.push(performance.now() - t0);
        if (r.statusCode === 200) ok++;
        else errors++;
      })
      .catch(() => errors++)
      .finally(() => done++);
  };
  // Paced with setImmediate rather than a 1 ms interval timer: a timer tick alone would put up
  // to 1 ms of schedule lag on every request, which the validity check (lag ≤ 1 ms) refuses.
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      while (next < total && start + next * interval <= now) {
        maxLag = Math.max(maxLag, now - (start + next * interval));
        one();
        next++;
      }
      if (next >= total) return resolve();
      const wait = start + next * interval - performance.now();
      if (wait > 2) setTimeout(tick, wait - 1);
      else setImmediate(tick);
    };
    tick();
  });
  const deadline = performance.now() + 5000;
  while (done < total && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  const elapsed = (performance.now() - start) / 1000;
  await pool.destroy();
  latencies.sort((a, b) => a - b);
  return { sent: total, ok, errors: errors + (total - done), p50: quantile(latencies, 0.5), p90: quantile(latencies, 0.9), p99: quantile(latencies, 0.99), achievedRps: done / elapsed, maxLagMs: maxLag };
}
