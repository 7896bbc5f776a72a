import { describe, expect, it } from 'vitest';
import { ENVOY_DEFAULT_BUCKETS_MS, latencyHistogram } from '../../src/verify/stats/histogram';
import { mergeHistograms } from '../../src/report/sections/latency';

describe('latency histograms on Envoy\'s default buckets', () => {
  it('counts each duration in the first bucket whose bound holds it, up to the slowest probe\'s bucket', () => {
    const h = latencyHistogram([0.2, 0.5, 0.6, 3, 7, 7, 240])!;
    expect(h.boundsMs).toEqual([0.5, 1, 5, 10, 25, 50, 100, 250]);
    expect(h.counts).toEqual([2, 1, 1, 2, 0, 0, 0, 1, 0]);
    expect(h.counts.reduce((a, b) => a + b)).toBe(7);
  });

  it('keeps every bound and counts the overflow beyond the last', () => {
    const h = latencyHistogram([4_000_000, 1])!;
    expect(h.boundsMs).toEqual([...ENVOY_DEFAULT_BUCKETS_MS]);
    expect(h.counts.at(-1)).toBe(1);
    expect(latencyHistogram([])).toBeUndefined();
  });

  it('merges histograms of one layout bucket by bucket, and refuses another layout', () => {
    const a = latencyHistogram([0.3, 20])!;
    const b = latencyHistogram([300, 2, 2])!;
    const m = mergeHistograms([a, b])!;
    expect(m.boundsMs).toEqual(b.boundsMs);
    expect(m.counts).toEqual([1, 0, 2, 0, 1, 0, 0, 0, 1, 0]);
    expect(mergeHistograms([a, { boundsMs: [5, 10], counts: [1, 0, 0] }])).toBeUndefined();
  });
});
