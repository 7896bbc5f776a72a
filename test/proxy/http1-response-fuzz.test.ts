/**
 * Bounded sample of the differential response fuzz (http1-response-fuzz.ts): what a client
 * reads through Weft is what llhttp reads directly, or a refusal; never a response llhttp
 * rejects. The full run: `npm run fuzz:http` (FUZZ_HTTP_SAMPLES, FUZZ_HTTP_SEED).
 */
import { describe, expect, it } from 'vitest';
import { fuzzResponses, responseSample } from './http1-response-fuzz';

describe('differential fuzz of the HTTP/1.1 response codec against llhttp', () => {
  it('the generator is deterministic per seed and produces malformed responses', () => {
    expect(responseSample(7)).toBe(responseSample(7));
    const all = Array.from({ length: 300 }, (_, i) => responseSample(i)).join('');
    expect(all).toMatch(/transfer-encoding: chunked/);
    expect(all).toMatch(/HTTP\/1\.1 2000 OK/);
    expect(all).toMatch(/[^\r]\n/); // bare LF somewhere
  });

  it('150 samples: Weft passes on exactly what llhttp reads, or refuses', async () => {
    const seeds = Array.from({ length: 150 }, (_, i) => 5000 + i);
    const r = await fuzzResponses(seeds);
    expect(r.failures.map((f) => ({ seed: f.seed, bytes: JSON.stringify(f.bytes), llhttp: f.llhttp, weft: f.weft }))).toEqual([]);
    // The sample exercises both sides: responses passed on and responses both refuse.
    expect(r.agreed).toBeGreaterThan(40);
    expect(r.refused).toBeGreaterThan(5);
  }, 120_000);
});
