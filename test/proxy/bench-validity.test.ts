/** The benchmark's validity checks (bench/proxy/validity.ts): refuse busy rounds and bad runs. */
import { describe, expect, it } from 'vitest';
import { cpuMicrosPerRequest, cpuTicks, loadAverage1m, refuseRound, refuseRun } from '../../bench/proxy/validity';

describe('benchmark validity', () => {
  it('reads the 1-minute load average and refuses a round above 1.5', () => {
    expect(loadAverage1m('0.42 0.80 1.10 2/345 6789\n')).toBe(0.42);
    expect(() => loadAverage1m('garbage')).toThrow(/loadavg/);
    expect(refuseRound(1.5)).toBeNull();
    expect(refuseRound(1.51)).toMatch(/load average \(1 min\) 1\.51 > 1\.5/);
    expect(refuseRound(7.9)).toMatch(/busy/);
  });

  it('refuses a fixed-rate run that missed its rate by more than 2% or lagged more than 1 ms', () => {
    expect(refuseRun({ targetRps: 2000, achievedRps: 1961, lagP99Ms: 0.9 })).toBeNull();
    expect(refuseRun({ targetRps: 2000, achievedRps: 1959, lagP99Ms: 0.5 })).toMatch(/1959 of 2000 rps \(missed by 2\.0[0-9]*% > 2%\)|missed by 2\.1% > 2%/);
    expect(refuseRun({ targetRps: 2000, achievedRps: 2000, lagP99Ms: 1.2 })).toMatch(/generator lag \(p99\) 1\.20 ms > 1 ms/);
    const both = refuseRun({ targetRps: 2000, achievedRps: 1000, lagP99Ms: 30 })!;
    expect(both).toContain('missed by 50.0%');
    expect(both).toContain('lag (p99) 30.00 ms');
    expect(refuseRun({ targetRps: 2000, achievedRps: NaN, lagP99Ms: 0 })).not.toBeNull();
  });

  it('computes CPU µs per request from /proc/<pid>/stat ticks', () => {
    const stat = '1234 (node worker (x)) S 1 1234 1234 0 -1 4194560 5000 0 0 0 250 50 0 0 20 0 11 0 100 0 0';
    expect(cpuTicks(stat)).toBe(300);
    // 300 ticks at 100 Hz = 3 s of CPU for 50,000 requests = 60 µs each.
    expect(cpuMicrosPerRequest(300, 50_000)).toBe(60);
    expect(cpuMicrosPerRequest(5, 0)).toBeNaN();
  });
});
