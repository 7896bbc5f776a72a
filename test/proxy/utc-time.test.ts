/**
 * src/proxy/utc-time.ts formats timestamps from a Date's UTC fields (so that ICU's time-zone data
 * stays unloaded; test/proxy/memory-icu-timezone.test.ts): its text must be exactly the Date's own
 * `toISOString` / `toUTCString`, which the access log's `start_time`, the operational log's `time`
 * and the response `date` field used before.
 */
import { describe, expect, it } from 'vitest';
import { imfFixdate, isoTimestamp } from '../../src/proxy/utc-time';
import { seededRandom } from '../../src/proxy/seeded-random';

const EDGES = [
  0, -1, 1, 999, 1000, 951_782_400_000 /* 2000-02-29 */, 4_107_542_400_000 /* 2100-03-01 */,
  -62_167_219_200_000 /* 0000-01-01 */, -62_167_219_200_001 /* year -1 */, 253_402_300_799_999 /* 9999-12-31T23:59:59.999 */,
  253_402_300_800_000 /* year 10000 */, 8.64e15, -8.64e15, 1_764_460_800_123,
];

describe('UTC timestamps without the Date string formatter', () => {
  it('equals toISOString and toUTCString at the edges and for 20,000 seeded times', () => {
    const random = seededRandom('utc-time');
    const times = [...EDGES, ...Array.from({ length: 20_000 }, () => Math.floor((random() * 2 - 0.5) * 2.6e14))];
    for (const ms of times) {
      expect(isoTimestamp(ms), String(ms)).toBe(new Date(ms).toISOString());
      expect(imfFixdate(ms), String(ms)).toBe(new Date(ms).toUTCString());
    }
  });

  it('throws as toISOString does for a time outside the Date range', () => {
    expect(() => isoTimestamp(8.64e15 + 1)).toThrow(RangeError);
    expect(imfFixdate(Number.NaN)).toBe('Invalid Date');
  });
});
