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

describe('sortKeys copies only what it reorders', () => {
  /** The previous implementation: a sorted copy of every object and array. */
  const copyAll = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(copyAll);
    if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
      const source = value as Record<string, unknown>;
      return Object.fromEntries(Object.keys(source).sort().map((k) => [k, copyAll(source[k])]));
    }
    return value;
  };

  it('returns sorted objects and arrays of sorted objects as they are, and never modifies its input', () => {
    const inner = { a: 1, b: [1, { c: 2, d: 3 }] };
    const value = { x: inner, y: [inner, 'z'] };
    const before = JSON.stringify(value);
    expect(sortKeys(value)).toBe(value);
    const unsorted = { b: 1, a: { d: 1, c: 2 }, c: inner };
    const sorted = sortKeys(unsorted) as Record<string, unknown>;
    expect(sorted).not.toBe(unsorted);
    expect(Object.keys(sorted)).toEqual(['a', 'b', 'c']);
    expect(sorted.c).toBe(inner);
    expect(Object.keys(unsorted)).toEqual(['b', 'a', 'c']);
    // A change deep down copies the path to it, and only that.
    const deep = { a: [{ b: { d: 1, c: 1 } }], e: inner };
    const deepSorted = sortKeys(deep) as { a: [{ b: object }]; e: object };
    expect(Object.keys(deepSorted.a[0].b)).toEqual(['c', 'd']);
    expect(deepSorted.e).toBe(inner);
    expect(Object.keys(deep.a[0]!.b)).toEqual(['d', 'c']);
    expect(JSON.stringify(value)).toBe(before);
  });

  it('gives the bytes of a sorted copy of everything, on generated values', () => {
    let state = 1;
    const next = () => ((state = (Math.imul(state, 48271) >>> 0) % 2147483647) / 2147483647);
    const keys = ['b', 'a', '10', '2', 'c', '__proto__', 'A'];
    const make = (depth: number): unknown => {
      const r = next();
      if (depth > 3 || r < 0.3) return [1, 'x', null, undefined, true][Math.floor(next() * 5)];
      if (r < 0.55) return Array.from({ length: Math.floor(next() * 4) }, () => make(depth + 1));
      const o: Record<string, unknown> = {};
      for (const k of keys) if (next() < 0.4) Object.defineProperty(o, k, { value: make(depth + 1), enumerable: true, writable: true, configurable: true });
      return o;
    };
    for (let i = 0; i < 3000; i++) {
      const value = make(0);
      expect(stableJson(value)).toBe(JSON.stringify(copyAll(value), null, 2));
    }
  });
});
