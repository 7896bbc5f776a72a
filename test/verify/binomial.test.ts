import { describe, expect, it } from 'vitest';
import {
  binomialCdf,
  binomialPmf,
  binomialPower,
  binomialSampleSize,
  binomialTestPValue,
  clopperPearson,
  logGamma,
  normalQuantile,
} from '../../src/verify/stats/binomial';
import { holm } from '../../src/verify/stats/holm';

describe('exact binomial statistics (values from R 4.x binom.test / pbinom)', () => {
  it('logGamma matches factorials', () => {
    expect(Math.exp(logGamma(11))).toBeCloseTo(3628800, 3);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
  });

  it('pmf and cdf', () => {
    expect(binomialPmf(0, 10, 0.5)).toBeCloseTo(1 / 1024, 15);
    expect(binomialPmf(5, 10, 0.5)).toBeCloseTo(252 / 1024, 14);
    // pbinom(3, 20, 0.2) = 0.4114489
    expect(binomialCdf(3, 20, 0.2)).toBeCloseTo(0.4114489, 6);
  });

  it('two-sided p-value equals R binom.test', () => {
    // binom.test(c(682, 243), p = 3/4): p-value = 0.3825 (R's documented example, Conover 1971)
    expect(binomialTestPValue(682, 925, 0.75)).toBeCloseTo(0.3825, 4);
    // binom.test(0, 10): 2/1024; binom.test(1, 10): 22/1024
    expect(binomialTestPValue(0, 10, 0.5)).toBeCloseTo(0.001953125, 12);
    expect(binomialTestPValue(1, 10, 0.5)).toBeCloseTo(0.021484375, 12);
    // symmetric case at the mode
    expect(binomialTestPValue(5, 10, 0.5)).toBe(1);
  });

  it('Clopper–Pearson interval equals R binom.test', () => {
    // binom.test(c(682, 243), p = 3/4)$conf.int = 0.7076683 0.7654066
    const [lo, hi] = clopperPearson(682, 925, 0.95);
    expect(lo).toBeCloseTo(0.7076683, 6);
    expect(hi).toBeCloseTo(0.7654066, 6);
    // x = 0: upper = 1 − 0.025^(1/10)
    expect(clopperPearson(0, 10)[1]).toBeCloseTo(1 - 0.025 ** (1 / 10), 8);
    expect(clopperPearson(10, 10)[0]).toBeCloseTo(0.025 ** (1 / 10), 8);
  });

  it('normal quantile', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.99)).toBeCloseTo(2.326348, 5);
    expect(normalQuantile(1 - 0.0005)).toBeCloseTo(3.290527, 5);
  });

  it('exact power: n = 10, p0 = 0.5, α = 0.05 rejects only {0,1,9,10}', () => {
    // P(X ∈ {0,1,9,10} | p = 0.9) = 1 − pbinom(8, 10, 0.9) + pbinom(1, 10, 0.9)
    const expected = 1 - binomialCdf(8, 10, 0.9) + binomialCdf(1, 10, 0.9);
    expect(binomialPower(10, 0.5, 0.9, 0.05)).toBeCloseTo(expected, 12);
    expect(binomialPower(10, 0.5, 0.5, 0.05)).toBeLessThanOrEqual(0.05);
  });

  it('planned sample size reaches the power exactly, and one less would not', () => {
    const n = binomialSampleSize(0.2, 0.05, 0.001, 0.99);
    expect(binomialPower(n, 0.2, 0.25, 0.001)).toBeGreaterThanOrEqual(0.99);
    expect(binomialPower(n, 0.2, 0.15, 0.001)).toBeGreaterThanOrEqual(0.99);
    expect(Math.min(binomialPower(n - 1, 0.2, 0.25, 0.001), binomialPower(n - 1, 0.2, 0.15, 0.001))).toBeLessThan(0.99);
    // the normal approximation is within 15 %
    const approx = ((3.290527 * Math.sqrt(0.16) + 2.326348 * Math.sqrt(0.25 * 0.75)) / 0.05) ** 2;
    expect(Math.abs(n - approx) / approx).toBeLessThan(0.15);
  });

  it('the Gateway API anchor: 500 requests at ±5 points let 78/22 pass a 70/30 check often', () => {
    // P(|X/500 − 0.7| ≤ 0.05 | p = 0.78) — the issue quotes ~46 % over 10 retries; one try is ~5 %+
    const one = binomialCdf(375, 500, 0.78) - binomialCdf(324, 500, 0.78);
    expect(one).toBeGreaterThan(0.04);
    expect(1 - (1 - one) ** 10).toBeGreaterThan(0.4);
  });
});

describe('Holm', () => {
  it('steps down and stops at the first non-rejection', () => {
    const v = holm([0.01, 0.04, 0.03, 0.005], 0.05);
    expect(v.map((x) => x.rejected)).toEqual([true, false, false, true]);
    expect(v[3]!.threshold).toBeCloseTo(0.0125);
    expect(v[0]!.threshold).toBeCloseTo(0.05 / 3);
    expect(v[2]!.threshold).toBeCloseTo(0.025);
  });
});
