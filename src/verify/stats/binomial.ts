/**
 * Exact binomial statistics for the verifier: the two-sided exact test, the Clopper–Pearson
 * interval, the exact power of the test, and the sample size that reaches a power. All in log
 * space so that n in the tens of thousands stays accurate.
 *
 * The two-sided p-value is the "minimum likelihood" one of R's `binom.test` (the probability of
 * every outcome no more likely than the observed one, with R's relative tolerance 1e-7), so the
 * numbers in a report can be checked with R or SciPy's `binomtest`.
 * @see https://github.com/SurajGupta/r-source/blob/master/src/library/stats/R/binom.test.R
 */

/** Lanczos approximation (g = 7, n = 9) of ln Γ(x), x > 0; relative error ~1e-15. */
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

function logChoose(n: number, k: number): number {
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
}

/** P(X = k) for X ~ Binomial(n, p). */
export function binomialPmf(k: number, n: number, p: number): number {
  if (k < 0 || k > n) return 0;
  if (p <= 0) return k === 0 ? 1 : 0;
  if (p >= 1) return k === n ? 1 : 0;
  return Math.exp(logChoose(n, k) + k * Math.log(p) + (n - k) * Math.log1p(-p));
}

/** The whole distribution P(X = 0..n). */
export function binomialPmfs(n: number, p: number): Float64Array {
  const out = new Float64Array(n + 1);
  if (p <= 0 || p >= 1) {
    for (let k = 0; k <= n; k++) out[k] = binomialPmf(k, n, p);
    return out;
  }
  // log pmf(k+1) = log pmf(k) + log((n−k)/(k+1)) + log(p/(1−p)): one pass, no Γ per term.
  const odds = Math.log(p) - Math.log1p(-p);
  let log = n * Math.log1p(-p);
  for (let k = 0; k <= n; k++) {
    out[k] = Math.exp(log);
    log += Math.log(n - k) - Math.log(k + 1) + odds;
  }
  return out;
}

/** P(X ≤ k). */
export function binomialCdf(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  let sum = 0;
  for (let i = 0; i <= k; i++) sum += binomialPmf(i, n, p);
  return Math.min(1, sum);
}

/** P(X ≥ k). */
function binomialUpper(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  let sum = 0;
  for (let i = k; i <= n; i++) sum += binomialPmf(i, n, p);
  return Math.min(1, sum);
}

/** R's tolerance: outcomes within a relative 1e-7 of the observed likelihood count as equally likely. */
const REL_ERR = 1 + 1e-7;

/** Two-sided exact binomial test of H0: p = p0 after `successes` in `trials`. */
export function binomialTestPValue(successes: number, trials: number, p0: number): number {
  const pmfs = binomialPmfs(trials, p0);
  const d = pmfs[successes]! * REL_ERR;
  let sum = 0;
  for (let i = 0; i <= trials; i++) if (pmfs[i]! <= d) sum += pmfs[i]!;
  return Math.min(1, sum);
}

/** Bisection of a function monotone in p on [0, 1]; returns the p where it crosses `target`. */
function solve(f: (p: number) => number, target: number, increasing: boolean): number {
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2;
    const above = f(mid) > target;
    if (above === increasing) hi = mid;
    else lo = mid;
  }
  return (lo + hi) / 2;
}

/**
 * Clopper–Pearson ("exact") confidence interval for a proportion: the p whose tail
 * probabilities equal (1 − confidence) / 2.
 */
export function clopperPearson(successes: number, trials: number, confidence = 0.95): [number, number] {
  const tail = (1 - confidence) / 2;
  const lower = successes === 0 ? 0 : solve((p) => binomialUpper(successes, trials, p), tail, true);
  const upper = successes === trials ? 1 : solve((p) => binomialCdf(successes, trials, p), tail, false);
  return [lower, upper];
}

/**
 * The outcomes the two-sided exact test rejects at level `alpha` under p0 (true = reject). The
 * binomial pmf is unimodal, so outcomes in ascending likelihood are found by merging the two
 * tails inwards (O(n), no sort); p-value(x) is the running sum up to the last outcome no more
 * likely than x (within R's tolerance).
 */
export function rejectionRegion(trials: number, p0: number, alpha: number): boolean[] {
  const pmfs = binomialPmfs(trials, p0);
  const order: number[] = [];
  for (let l = 0, r = trials; l <= r; ) order.push(pmfs[l]! <= pmfs[r]! ? l++ : r--);
  const reject = new Array<boolean>(trials + 1).fill(false);
  let sum = 0;
  let j = 0;
  for (const x of order) {
    const d = pmfs[x]! * REL_ERR;
    while (j < order.length && pmfs[order[j]!]! <= d) sum += pmfs[order[j++]!]!;
    reject[x] = sum <= alpha;
  }
  return reject;
}

/** Exact power: the probability that the test at `alpha` rejects p0 when the true share is p1. */
export function binomialPower(trials: number, p0: number, p1: number, alpha: number): number {
  const reject = rejectionRegion(trials, p0, alpha);
  const pmfs = binomialPmfs(trials, p1);
  let power = 0;
  for (let x = 0; x <= trials; x++) if (reject[x]) power += pmfs[x]!;
  return Math.min(1, power);
}

/** Standard normal quantile (Acklam's rational approximation, |ε| < 1.2e-9 after one Newton step is not needed here). */
export function normalQuantile(q: number): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (q < low) {
    const r = Math.sqrt(-2 * Math.log(q));
    return (((((c[0]! * r + c[1]!) * r + c[2]!) * r + c[3]!) * r + c[4]!) * r + c[5]!) / ((((d[0]! * r + d[1]!) * r + d[2]!) * r + d[3]!) * r + 1);
  }
  if (q > 1 - low) return -normalQuantile(1 - q);
  const r = q - 0.5;
  const s = r * r;
  return ((((((a[0]! * s + a[1]!) * s + a[2]!) * s + a[3]!) * s + a[4]!) * s + a[5]!) * r) / (((((b[0]! * s + b[1]!) * s + b[2]!) * s + b[3]!) * s + b[4]!) * s + 1);
}

const sizeCache = new Map<string, number>();

/**
 * The smallest n at which the two-sided exact test at `alpha` detects a true share of p0 ± δ
 * (each side that lies inside (0, 1)) with at least `power`. The normal approximation
 *   n ≈ ((z₁₋α/₂·√(p0(1−p0)) + z_power·√(p1(1−p1))) / δ)²
 * gives the starting point; the exact power is then checked n by n (it is saw-toothed in n, so
 * the answer is the first n that reaches it, verified exactly, not the approximation).
 */
export function binomialSampleSize(p0: number, delta: number, alpha: number, power: number): number {
  const key = `${p0}|${delta}|${alpha}|${power}`;
  const cached = sizeCache.get(key);
  if (cached !== undefined) return cached;
  const alternatives = [p0 - delta, p0 + delta].filter((p) => p > 0 && p < 1);
  const za = normalQuantile(1 - alpha / 2);
  const zb = normalQuantile(power);
  const approx = Math.max(
    ...alternatives.map((p1) => ((za * Math.sqrt(p0 * (1 - p0)) + zb * Math.sqrt(p1 * (1 - p1))) / delta) ** 2),
  );
  const enough = (size: number) => alternatives.every((p1) => binomialPower(size, p0, p1, alpha) >= power);
  // Power grows with n up to a saw-tooth: binary search as if monotone, then look below the
  // answer for an earlier n that already reaches the power (the saw-tooth's teeth).
  let lo = Math.max(1, Math.floor(approx * 0.7));
  let hi = Math.ceil(approx * 1.5) + 50;
  for (let i = 0; i < 20 && !enough(hi); i++) hi *= 2;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (enough(mid)) hi = mid;
    else lo = mid + 1;
  }
  let n = hi;
  for (let k = hi - 1; k >= Math.max(1, hi - 40); k--) if (enough(k)) n = k;
  sizeCache.set(key, n);
  return n;
}
