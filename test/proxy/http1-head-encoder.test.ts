import { describe, expect, it } from 'vitest';
import { fieldsLength, putFields, putLatin1 } from '../../src/proxy/http1/head-encoder';

describe('head encoder', () => {
  it('writes the same bytes as a head string written as latin1, code units above U+00FF included', () => {
    const fields = ['host', 'app:8080', 'x-empty', '', 'x-latin1', 'caf\u00e9 \u00ff', 'x-wide', '\u20ac\u0100\ud83d\ude00', 'user-agent', 'curl/8.5'];
    const text = fields.reduce((s, v, i) => (i % 2 === 0 ? `${s}${v}: ` : `${s}${v}\r\n`), '');
    expect(fieldsLength(fields)).toBe(text.length);
    const out = Buffer.alloc(3 + text.length + 3, 0xee);
    const end = putFields(out, 3, fields);
    expect(end).toBe(3 + text.length);
    expect(out.subarray(3, end).equals(Buffer.from(text, 'latin1'))).toBe(true);
    expect([...out.subarray(0, 3), ...out.subarray(end)]).toEqual([0xee, 0xee, 0xee, 0xee, 0xee, 0xee]);
  });

  it('putLatin1 returns the end and writes nothing for an empty string', () => {
    const out = Buffer.alloc(4, 1);
    expect(putLatin1(out, 2, '')).toBe(2);
    expect(putLatin1(out, 1, 'ab')).toBe(3);
    expect([...out]).toEqual([1, 97, 98, 1]);
  });
});
