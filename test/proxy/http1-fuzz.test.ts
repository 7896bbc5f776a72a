/**
 * Bounded sample of the differential fuzz test (http1-fuzz.ts): Weft never forwards what
 * llhttp rejects and frames what it forwards identically. The full run: `npm run fuzz:http`
 * (FUZZ_HTTP_SAMPLES, FUZZ_HTTP_SEED).
 */
import { describe, expect, it } from 'vitest';
import { fuzz, sample } from './http1-fuzz';

describe('differential fuzz of the HTTP/1.1 request codec against llhttp', () => {
  it('the generator is deterministic per seed and produces malformed input', () => {
    expect(sample(7)).toBe(sample(7));
    const all = Array.from({ length: 200 }, (_, i) => sample(i)).join('');
    expect(all).toMatch(/transfer-encoding: chunked/);
    expect(all).toMatch(/[^\r]\n/); // bare LF somewhere
  });

  it('150 samples: Weft forwards a prefix of what llhttp parses, framed identically', async () => {
    const seeds = Array.from({ length: 150 }, (_, i) => 1000 + i);
    const r = await fuzz(seeds);
    expect(r.failures.map((f) => ({ seed: f.seed, bytes: JSON.stringify(f.bytes), llhttp: f.llhttp, weft: f.weft }))).toEqual([]);
    // The sample exercises both sides: accepted requests and refusals.
    expect(r.agreed).toBeGreaterThan(20);
  }, 120_000);
});
