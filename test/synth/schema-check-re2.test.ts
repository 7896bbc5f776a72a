/**
 * The bundled schema check runs the validators' RE2 patterns on re2js (src/synth/schema-check-re2.ts)
 * instead of re2-wasm, which @kubernetes-models/validate uses: the verdicts must be the same.
 * Every RE2 pattern of the schema modules the compiler carries goes through both engines, on
 * strings taken from the pattern itself (its words, their case variants, joined and cut) and
 * on the Unicode case-folding edges of RE2's `(?i)` (ſ folds to s, K to k).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MODEL_PACKAGES } from '../../src/synth/model-modules-build';
import RE2 from '../../src/synth/schema-check-re2';

const require = createRequire(import.meta.url);
const { RE2: WasmRE2 } = require('re2-wasm') as { RE2: new (pattern: string, flags: string) => { test(s: string): boolean } };

/** Every `new _re2.default("…", "u")` of the packages' schema modules (the generated validators' RE2 patterns). */
function validatorPatterns(): Map<string, string> {
  const patterns = new Map<string, string>();
  for (const pkg of MODEL_PACKAGES) {
    const schemas = join(require.resolve(`${pkg}/package.json`), '../_schemas');
    for (const file of readdirSync(schemas).filter((f) => f.endsWith('.js'))) {
      const code = readFileSync(join(schemas, file), 'utf8');
      for (const m of code.matchAll(/new _re2\.default\(("(?:[^"\\]|\\.)*")/g)) patterns.set(JSON.parse(m[1]!) as string, `${pkg}/${file}`);
    }
  }
  return patterns;
}

/** Inputs made from a pattern's own words: each, in three cases, joined, cut, padded, and the folding edges. */
function inputsFor(pattern: string): string[] {
  const words = [...new Set(pattern.match(/[a-z0-9]+/gi) ?? [])];
  const out = new Set(['', ' ', 'x', 'ſ', 'K', 'ABORT', 'aborT', 'waRn', 'abort', 'warn', 'abortwarn', 'warn\n', '\nwarn']);
  for (const w of words) {
    for (const v of [w, w.toUpperCase(), w[0]!.toUpperCase() + w.slice(1), w.replace(/s/g, 'ſ'), w.replace(/k/g, 'K')]) {
      out.add(v);
      out.add(`${v}day`);
      out.add(`${v}:${v}`);
      out.add(` ${v}`);
      out.add(`${v} `);
      out.add(v.slice(1));
    }
  }
  for (let i = 0; i + 1 < words.length; i++) out.add(`${words[i]}:${words[i + 1]}`);
  for (const n of ['0', '1', '9', '10', '12', '13', '1:12', '12:1']) out.add(n);
  return [...out];
}

describe('the schema check RE2 engine (re2js in place of re2-wasm)', () => {
  const patterns = validatorPatterns();

  it('finds the validators that need RE2 (PrometheusRule among them)', () => {
    expect([...patterns.values()].some((f) => f.includes('MonitoringCoreosComV1PrometheusRule'))).toBe(true);
    expect(patterns.has('^(?i)(abort|warn)?$')).toBe(true);
  });

  for (const [pattern, file] of patterns) {
    it(`gives re2-wasm's verdict for ${pattern} (${file})`, () => {
      const wasm = new WasmRE2(pattern, 'u');
      const ours = new RE2(pattern, 'u');
      const differ = inputsFor(pattern).filter((s) => wasm.test(s) !== ours.test(s));
      expect(differ).toEqual([]);
      // Not vacuous: each pattern both accepts and refuses some of the inputs.
      const verdicts = new Set(inputsFor(pattern).map((s) => ours.test(s)));
      expect(verdicts).toEqual(new Set([true, false]));
    });
  }

  it('searches unanchored and honours the flags, as RegExp#test and re2-wasm do', () => {
    const cases: Array<[string, string, string[]]> = [
      ['b+', 'u', ['abbbc', 'ac', 'B']],
      ['^a.c$', 'u', ['abc', 'a\nc', 'xabc']],
      ['^a.c$', 'su', ['a\nc']],
      ['^b$', 'mu', ['a\nb\nc', 'abc']],
      ['^B$', 'iu', ['b', 'B', 'bb']],
      ['\\p{Greek}+', 'u', ['αβγ', 'abc']],
    ];
    for (const [pattern, flags, inputs] of cases) {
      const wasm = new WasmRE2(pattern, flags);
      const ours = new RE2(pattern, flags);
      expect(inputs.map((s) => ours.test(s)), `${pattern} /${flags}`).toEqual(inputs.map((s) => wasm.test(s)));
    }
  });
});
