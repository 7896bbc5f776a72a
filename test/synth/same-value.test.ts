import { describe, expect, it } from 'vitest';
import { sameValue } from '../../src/synth/same-value';
import { jsonFileText } from '../../src/synth/stable-json';
import { manifestYaml } from '../../src/synth/serialize';
import type { Manifest } from '../../src/targets/target';

const asManifest = (spec: unknown) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, spec }) as unknown as Manifest;

/**
 * sameValue decides when the verification overlay may take the environment's text for one of
 * its files (src/synth/overlay-emit.ts): a "yes" must mean the same bytes under every renderer.
 */
describe('sameValue', () => {
  it('equal values, keys in any order, are the same, and render the same', () => {
    const a = { spec: { b: [1, 'two', { c: null, d: true }], a: 'x' }, z: {} };
    const b = { z: {}, spec: { a: 'x', b: [1, 'two', { d: true, c: null }] } };
    expect(sameValue(a, b)).toBe(true);
    expect(manifestYaml(asManifest(a))).toBe(manifestYaml(asManifest(b)));
    expect(jsonFileText(a)).toBe(jsonFileText(b));
  });

  it('NaN is NaN, and 0 and -0 differ (YAML writes -0)', () => {
    expect(sameValue({ x: NaN }, { x: NaN })).toBe(true);
    expect(sameValue({ x: 0 }, { x: -0 })).toBe(false);
    expect(manifestYaml(asManifest({ x: 0 }))).not.toBe(manifestYaml(asManifest({ x: -0 })));
  });

  it('values that JSON.stringify writes alike but YAML does not are different', () => {
    // JSON writes NaN as null: a JSON key would have called these the same.
    expect(JSON.stringify({ x: NaN })).toBe(JSON.stringify({ x: null }));
    expect(sameValue({ x: NaN }, { x: null })).toBe(false);
    expect(manifestYaml(asManifest({ x: NaN }))).not.toBe(manifestYaml(asManifest({ x: null })));
  });

  it('differences anywhere are found', () => {
    expect(sameValue({ a: { b: [1, 2] } }, { a: { b: [1, 2, 3] } })).toBe(false);
    expect(sameValue({ a: { b: [1, 2] } }, { a: { b: [1, '2'] } })).toBe(false);
    expect(sameValue({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(sameValue({ a: 1, c: 2 }, { a: 1, b: 2 })).toBe(false);
    expect(sameValue([1, 2], { 0: 1, 1: 2 })).toBe(false);
    expect(sameValue({ 0: 1, 1: 2 }, [1, 2])).toBe(false);
    expect(sameValue('a\nb', 'a\nb')).toBe(true);
    expect(sameValue('a\nb', 'a\r\nb')).toBe(false);
  });

  it('keys in the same order up to a point, then not: every later key is still looked up', () => {
    // Same length, same first key; the rest are other keys (or the same ones, swapped).
    expect(sameValue({ a: 1, b: 2, c: 3 }, { a: 1, c: 3, d: 2 })).toBe(false);
    expect(sameValue({ a: 1, b: 2, c: 3 }, { a: 1, c: 3, b: 2 })).toBe(true);
    expect(sameValue({ a: 1, b: 2, c: 3 }, { a: 1, c: 3, b: 4 })).toBe(false);
    expect(sameValue({ a: 1, b: undefined }, { a: 1, c: undefined })).toBe(false);
  });

  it('an undefined field is not the same as an absent one (stricter than the renderers, never looser)', () => {
    expect(sameValue({ a: 1, b: undefined }, { a: 1 })).toBe(false);
    expect(sameValue({ a: 1, b: undefined }, { a: 1, b: undefined })).toBe(true);
  });

  it('holes in arrays must stand at the same indexes', () => {
    // eslint-disable-next-line no-sparse-arrays
    expect(sameValue([1, , 3], [1, undefined, 3])).toBe(false);
    // eslint-disable-next-line no-sparse-arrays
    expect(sameValue([1, , 3], [1, , 3])).toBe(true);
  });

  it('objects that are not plain are the same only when they are the very same object', () => {
    class Box {
      constructor(readonly v: number) {}
    }
    const box = new Box(1);
    expect(sameValue({ b: box }, { b: box })).toBe(true);
    expect(sameValue({ b: new Box(1) }, { b: new Box(1) })).toBe(false);
    expect(sameValue({ d: new Date(0) }, { d: new Date(0) })).toBe(false);
    expect(sameValue(Object.assign(Object.create(null), { a: 1 }), { a: 1 })).toBe(true);
    const hidden = Object.defineProperty({ a: 1 }, 'b', { value: 2, enumerable: false });
    expect(sameValue({ a: 1, b: 2 }, hidden)).toBe(false);
  });
});
