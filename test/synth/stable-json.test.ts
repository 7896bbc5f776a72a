import { describe, expect, it } from 'vitest';
import { jsonFileText, sortKeys, stableJson } from '../../src/synth/stable-json';

/** The bytes of every JSON file synth writes (targets' files, embedded documents). */
describe('stableJson', () => {
  it('sorts keys at every level, integer-like keys first (JavaScript object order), keeps arrays in order', () => {
    expect(stableJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null }, 10: 'x', 2: 'y' }, 0)).toBe('{"2":"y","10":"x","a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it('is JSON.stringify of the same value for whatever it does not sort (undefined, NaN, toJSON, class instances)', () => {
    const value = { u: undefined, n: NaN, d: new Date(0), list: [undefined, -0], s: 'a"\n\u2028' };
    expect(JSON.parse(stableJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
    expect(jsonFileText({ b: 1, a: 2 })).toBe('{\n  "a": 2,\n  "b": 1\n}\n');
  });

  it('a "__proto__" key stays a key (it does not become the prototype)', () => {
    const value = JSON.parse('{"__proto__": {"x": 1}, "a": 1}') as Record<string, unknown>;
    const sorted = sortKeys(value) as Record<string, unknown>;
    expect(Object.getPrototypeOf(sorted)).toBe(Object.prototype);
    expect(stableJson(value, 0)).toBe('{"__proto__":{"x":1},"a":1}');
  });
});
