/**
 * Random bytes without `node:crypto` (src/proxy/random-fill.ts, /dev/urandom): every byte of the
 * buffer is written, pools larger than one read are filled, and successive fills differ.
 */
import { describe, expect, it } from 'vitest';
import { fillRandom, randomHex } from '../../src/proxy/random-fill';

describe('fillRandom', () => {
  it('fills a whole pool: every byte value shows up in 64 KB, and two pools differ', () => {
    const a = fillRandom(Buffer.alloc(65_536));
    const b = fillRandom(Buffer.alloc(65_536));
    expect(new Set(a).size).toBe(256);
    expect(a.equals(b)).toBe(false);
    // The last bytes are written too (a short read would leave zeros at the end).
    expect(a.subarray(-64).some((x) => x !== 0)).toBe(true);
  });

  it('randomHex gives 2n hex digits, different each time, also across pool refills', () => {
    const seen = new Set(Array.from({ length: 2000 }, () => randomHex(8)));
    expect(seen.size).toBe(2000);
    for (const h of seen) expect(h).toMatch(/^[0-9a-f]{16}$/);
  });
});
