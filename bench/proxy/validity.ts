/**
 * When a benchmark round means something. A round is refused — and the reason printed — when
 * the machine was busy before it (1-minute load average above 1.5: other processes then take
 * CPU from whichever process is scheduled less, and ratios between proxies drift toward 1), and a
 * fixed-rate run is refused when its generator could not hold the rate (it missed the target by
 * more than 2%) or fell behind its schedule by more than 1 ms (then latencies measure the
 * generator, not the proxy). Pure functions: test/proxy/bench-validity.test.ts checks them.
 */

export const MAX_LOAD_1M = 1.5;
export const MAX_RATE_MISS = 0.02;
export const MAX_LAG_MS = 1;

/** The 1-minute load average from the text of /proc/loadavg. */
export function loadAverage1m(procLoadavg: string): number {
  const v = Number(procLoadavg.trim().split(/\s+/)[0]);
  if (!Number.isFinite(v)) throw new Error(`unreadable /proc/loadavg: ${JSON.stringify(procLoadavg)}`);
  return v;
}

/** Why a round may not start, or null. */
export function refuseRound(load1m: number, max = MAX_LOAD_1M): string | null {
  return load1m > max ? `load average (1 min) ${load1m.toFixed(2)} > ${max}: the machine is busy` : null;
}

export interface RateRun {
  targetRps: number;
  achievedRps: number;
  /**
   * 99th percentile of how late requests left the generator (ms). The tail, not the maximum: on a
   * shared 2-core VM a single preemption of a few ms happens in almost every 10 s run, even with
   * no proxy in the path (the `direct` row), while a generator that falls behind shows in the tail.
   */
  lagP99Ms: number;
}

/** Why a fixed-rate run is invalid, or null; every failed check is listed. */
export function refuseRun(run: RateRun, maxMiss = MAX_RATE_MISS, maxLagMs = MAX_LAG_MS): string | null {
  const reasons: string[] = [];
  const miss = (run.targetRps - run.achievedRps) / run.targetRps;
  if (!(miss <= maxMiss)) reasons.push(`generator reached ${run.achievedRps.toFixed(0)} of ${run.targetRps} rps (missed by ${(miss * 100).toFixed(1)}% > ${maxMiss * 100}%)`);
  if (!(run.lagP99Ms <= maxLagMs)) reasons.push(`generator lag (p99) ${run.lagP99Ms.toFixed(2)} ms > ${maxLagMs} ms`);
  return reasons.length ? reasons.join('; ') : null;
}

/** CPU time of a process from /proc/<pid>/stat: utime + stime (fields 14 and 15), in clock ticks. */
export function cpuTicks(procStat: string): number {
  // The command name (field 2) is in parentheses and may contain spaces: split after it.
  const rest = procStat.slice(procStat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); utime is field 14 → rest[11], stime field 15 → rest[12].
  return Number(rest[11]) + Number(rest[12]);
}

/** CPU microseconds per request from tick counts (USER_HZ ticks per second). */
export function cpuMicrosPerRequest(ticks: number, requests: number, hz = 100): number {
  return requests > 0 ? (ticks / hz / requests) * 1e6 : NaN;
}
