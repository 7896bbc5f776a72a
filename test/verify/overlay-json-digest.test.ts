import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { generateMesh } from '../../bench/synth/mesh';
import { loadMeshConfig } from '../../src/synth/load';
import { jsonSha256 } from '../../src/verify/overlay/json-digest';
import { overlayTag } from '../../src/verify/overlay/model';

/** What jsonSha256 must equal: the hash of JSON.stringify's whole text. */
const reference = (value: unknown, replacer: (key: string, value: unknown) => unknown) => createHash('sha256').update(JSON.stringify(value, replacer)!).digest('hex');
const withoutLocations = (key: string, value: unknown) => (key === 'location' ? undefined : value);
const identity = (_key: string, value: unknown) => value;

describe('jsonSha256 (the overlay tag, hashed piece by piece)', () => {
  it("gives the hash of JSON.stringify's text for the example's and a generated model", async () => {
    const example = (await loadMeshConfig(join(import.meta.dirname, '../../mesh.config.ts'))).mesh!.toModel().model!;
    const generated = generateMesh(30).toModel().model!;
    for (const model of [example, generated]) {
      for (const environment of model.environments.map((e) => e.name)) {
        expect(jsonSha256({ environment, model }, withoutLocations)).toBe(reference({ environment, model }, withoutLocations));
        expect(overlayTag(model, environment)).toBe(reference({ environment, model }, withoutLocations).slice(0, 16));
      }
    }
  });

  it('follows JSON.stringify where values are left out, replaced or converted', () => {
    const cases: unknown[] = [
      { a: undefined, b: () => 1, c: Symbol('s'), d: 1 },
      [undefined, () => 1, Symbol('s'), 'x'],
      { nested: { list: [undefined, { deep: [1, undefined, { location: 'x', keep: 'y' }] }], empty: {}, none: [] } },
      { when: new Date(Date.UTC(2026, 10, 30)), big: 1e21, neg: -0, nan: Number.NaN, inf: Infinity, text: 'line\n"quoted" \u2028 \ud800' },
      { toJSON: () => ({ replaced: true, location: 'gone' }) },
      { first: { toJSON: (key: string) => `key was ${key}` }, location: { dropped: true } },
      Object.assign(Object.create({ inherited: 1 }), { own: 2 }),
      [[[[['five levels', { deeper: [[{}]] }]]]]],
      'a plain string',
      42,
      null,
    ];
    for (const value of cases) {
      expect(jsonSha256(value, withoutLocations)).toBe(reference(value, withoutLocations));
      expect(jsonSha256(value, identity)).toBe(reference(value, identity));
    }
    // The replacer sees each holder as `this`, as in JSON.stringify.
    const holders: string[] = [];
    const recordingReplacer = function (this: unknown, key: string, value: unknown) {
      holders.push(`${key}:${Array.isArray(this) ? 'array' : typeof this}`);
      return value;
    };
    const sample = { list: [{ a: 1 }], b: 'x' };
    jsonSha256(sample, recordingReplacer);
    const seen = [...holders];
    holders.length = 0;
    JSON.stringify(sample, recordingReplacer);
    expect(seen).toEqual(holders);
  });
});
