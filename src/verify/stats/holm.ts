/**
 * Holm's step-down procedure: control the family-wise error rate at `alpha` across m tests.
 * Sorted ascending, the i-th smallest p-value (0-based) is compared with alpha / (m − i); the
 * first that exceeds its threshold and every larger one are not rejected. Uniformly more
 * powerful than Bonferroni, with the same guarantee.
 * @see Holm, S. (1979). A simple sequentially rejective multiple test procedure. Scand J Stat 6(2).
 */
export interface HolmVerdict {
  /** The threshold the p-value was compared with (alpha / (m − rank)). */
  threshold: number;
  rejected: boolean;
}

export function holm(pValues: readonly number[], alpha: number): HolmVerdict[] {
  const m = pValues.length;
  const order = [...pValues.keys()].sort((a, b) => pValues[a]! - pValues[b]! || a - b);
  const out = new Array<HolmVerdict>(m);
  let stopped = false;
  order.forEach((index, rank) => {
    const threshold = alpha / (m - rank);
    const rejected = !stopped && pValues[index]! <= threshold;
    if (!rejected) stopped = true;
    out[index] = { threshold, rejected };
  });
  return out;
}
