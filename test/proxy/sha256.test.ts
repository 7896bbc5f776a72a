/**
 * The config hash (src/proxy/sha256.ts, @noble/hashes, which keeps `node:crypto` unloaded)
 * against OpenSSL's (`createHash('sha256')`), so that `sha256:<hex>` stays what `sha256sum` says: the lengths around every padding
 * boundary, multi-byte UTF-8, seeded random texts, a config of a few hundred kilobytes, and the
 * FIPS 180-4 examples.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/proxy/sha256';
import { seededRandom } from '../../src/proxy/seeded-random';

const openssl = (text: string): string => createHash('sha256').update(text).digest('hex');

describe('sha256Hex', () => {
  it('matches the FIPS 180-4 examples', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe('248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
  });

  it('equals createHash for every length up to 300 bytes, multi-byte text and seeded random texts', () => {
    for (let n = 0; n <= 300; n++) expect(sha256Hex('a'.repeat(n)), `length ${n}`).toBe(openssl('a'.repeat(n)));
    for (const s of ['é', '€', '😀', 'ünïcødé — “quotes”', '\u0000\uffff']) expect(sha256Hex(s)).toBe(openssl(s));
    const random = seededRandom('sha256');
    for (let i = 0; i < 200; i++) {
      const s = Array.from({ length: Math.floor(random() * 2000) }, () => String.fromCodePoint(Math.floor(random() * 0x2fff))).join('');
      expect(sha256Hex(s)).toBe(openssl(s));
    }
  });

  it('equals createHash on a config of a few hundred kilobytes', () => {
    const config = JSON.stringify({ services: Array.from({ length: 4000 }, (_, i) => ({ name: `svc-${i}`, namespace: 'shop', port: 8000 + i })) });
    expect(config.length).toBeGreaterThan(200_000);
    expect(sha256Hex(config)).toBe(openssl(config));
  });
});
