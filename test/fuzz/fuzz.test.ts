import { describe, expect, it, vi } from 'vitest';
import { DISTINCT_VARIANTS, runFuzz } from './run';

// A bounded sample of the bad-config fuzzer (`npm run fuzz -- --count 10000` runs the full set).
// Each variant is a full compile; the bound is against a hang, not a speed assertion.
vi.setConfig({ testTimeout: 900_000 });

const SAMPLE = 300;

describe('the bad-config fuzzer (bounded sample)', () => {
  it(`turns each of ${SAMPLE} invalid configs into a located diagnostic: no crash, nothing accepted, dist/ unchanged`, async () => {
    // Spread the sample over the distinct single mutations, then a few random combinations.
    const stride = Math.max(1, Math.floor(DISTINCT_VARIANTS / (SAMPLE - 40)));
    const singles = Array.from({ length: SAMPLE - 40 }, (_, k) => (k * stride) % DISTINCT_VARIANTS);
    const combined = Array.from({ length: 40 }, (_, k) => DISTINCT_VARIANTS + k);
    const { counts, examples } = await runFuzz({ count: SAMPLE, indices: [...singles, ...combined] });
    const failures = examples.map((e) => `${e.outcome}: ${e.variant} — ${e.detail}`);
    expect(failures).toEqual([]);
    expect(counts.rejected).toBe(SAMPLE);
  });
});
