/**
 * Sample sizes of the statistical checks (splits, fault rates, mirror rates). The family is
 * every proportion test of the plan (m tests); the family-wise false-failure rate is `alpha`,
 * held by Holm's step-down procedure when judging. Each test's n is planned at the Bonferroni
 * level alpha / m — the strictest threshold Holm can apply to it — so that a true share that
 * deviates by `deviation` from the declared one is caught with at least `power` whatever the
 * order Holm takes the tests in. Declared shares of 0 or 100 % are not statistical: every probe
 * must show them (20 probes), and they are not counted in m.
 */
import { binomialSampleSize } from '../stats/binomial';
import type { PlannedCheck } from './types';

export const DETERMINISTIC_SAMPLES = 20;

export interface SizingOptions {
  alpha: number;
  power: number;
  deviation: number;
}

export function isStatistical(expected: number): boolean {
  return expected > 0 && expected < 1;
}

export function planSampleSizes(checks: PlannedCheck[], o: SizingOptions): SizingOptions & { tests: number } {
  const testsOf = (c: PlannedCheck) => (c.spec.type === 'split' || c.spec.type === 'fault' || c.spec.type === 'mirror' ? c.spec.tests : []);
  const m = checks.reduce((n, c) => n + testsOf(c).filter((t) => isStatistical(t.expected)).length, 0);
  const level = m > 0 ? o.alpha / m : o.alpha;
  for (const c of checks) {
    const tests = testsOf(c);
    if (tests.length === 0) continue;
    c.probes = Math.max(...tests.map((t) => (isStatistical(t.expected) ? binomialSampleSize(t.expected, o.deviation, level, o.power) : DETERMINISTIC_SAMPLES)));
  }
  return { ...o, tests: m };
}
