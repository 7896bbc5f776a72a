/**
 * src/proxy/config/split-schema.ts: the precompiled proxy's document validator is generated from
 * the config schema with its large subschemas in `$defs` (ajv `inlineRefs: false`), so that V8
 * compiles many small functions instead of one of 480 KB (on Node 24 that compile left 6.6 MB of
 * malloc'd memory in the process; docs/performance.md#proxy-memory). It must validate exactly as
 * the inline schema does: same verdict, same errors in the same order, same defaults filled in —
 * checked on the largest weft configs in dist/, the benchmark's, and systematic mutations of
 * them (a field removed, an unknown field added, a value of the wrong type, at every object).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import standaloneCode from 'ajv/dist/standalone';
import { describe, expect, it } from 'vitest';
import { splitLargeSubschemas } from '../../src/proxy/config/split-schema';
import { AJV_OPTIONS, configSchema } from '../../src/proxy/config/validators';
import { benchWeftConfig, plainWeftConfig } from '../../bench/proxy/weft-config';

const root = fileURLToPath(new URL('../..', import.meta.url));
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function weftConfigs(dir: string): Json[] {
  const out: Json[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    if (entry.isFile() && entry.name.endsWith('.json') && /\/weft\//.test(path)) out.push(JSON.parse(readFileSync(path, 'utf8')) as Json);
  }
  return out;
}

/** One mutation per object node and key: removed, replaced by a wrong type; and an unknown key added. Bounded per document. */
function mutations(doc: Json, limit = 200): Json[] {
  const out: Json[] = [];
  const walk = (node: Json, edit: (replace: (n: Json) => Json) => Json): void => {
    if (out.length >= limit || typeof node !== 'object' || node === null) return;
    if (Array.isArray(node)) {
      node.forEach((child, i) => walk(child, (f) => edit((n) => (n as Json[]).map((c, j) => (j === i ? f(c) : c)))));
      return;
    }
    out.push(edit((n) => ({ ...(n as object), weftUnknownField: 1 })));
    for (const key of Object.keys(node)) {
      out.push(edit((n) => Object.fromEntries(Object.entries(n as object).filter(([k]) => k !== key)) as Json));
      out.push(edit((n) => ({ ...(n as object), [key]: typeof (n as Record<string, Json>)[key] === 'string' ? 7 : 'wrong' })));
      walk(node[key]!, (f) => edit((n) => ({ ...(n as object), [key]: f((n as Record<string, Json>)[key]!) })));
    }
  };
  walk(doc, (f) => f(structuredClone(doc)));
  return out.slice(0, limit);
}

const verdict = (v: ValidateFunction, doc: Json) => {
  const data = structuredClone(doc);
  const valid = v(data);
  return { valid, data, errors: (v.errors ?? []).map((e) => ({ instancePath: e.instancePath, keyword: e.keyword, params: e.params })) };
};

describe('the precompiled document validator, generated from the split schema', () => {
  const inline = new Ajv2020({ ...AJV_OPTIONS }).compile(configSchema());
  const split = splitLargeSubschemas(configSchema() as Record<string, unknown>);
  const splitAjv = new Ajv2020({ ...AJV_OPTIONS, inlineRefs: false, code: { source: true } });
  const splitValidator = splitAjv.compile(split);

  it('moves the large subschemas out, so that the generated code is many functions, none of them large', () => {
    const defs = Object.keys(split.$defs as object);
    expect(defs.length).toBeGreaterThan(20);
    // Deterministic: the same input, the same names and order.
    expect(JSON.stringify(splitLargeSubschemas(configSchema() as Record<string, unknown>))).toBe(JSON.stringify(split));
    const code = standaloneCode(splitAjv, splitValidator);
    const starts = [...code.matchAll(/function validate\d+\(/g)].map((m) => m.index!);
    const sizes = starts.map((s, i) => (starts[i + 1] ?? code.length) - s);
    expect(sizes.length).toBeGreaterThan(20);
    // One function was the whole validator (480 KB minified) before.
    expect(Math.max(...sizes)).toBeLessThan(code.length / 4);
  });

  it('gives the same verdict, errors and filled-in defaults as the inline schema, on weft configs from dist/ and the benchmark and mutations of them', () => {
    // The largest configs of dist/ first (they reach the most of the schema), bounded for a loaded 2-core machine.
    const fromDist = weftConfigs(join(root, 'dist')).sort((a, b) => JSON.stringify(b).length - JSON.stringify(a).length).slice(0, 12);
    const docs = [...fromDist, benchWeftConfig(1, 2, 3, '/tmp/x.log') as Json, plainWeftConfig(1, 2, 3) as Json];
    expect(docs.length).toBeGreaterThan(10);
    let invalid = 0;
    let checked = 0;
    for (const doc of docs) {
      for (const candidate of [doc, ...mutations(doc)]) {
        const a = verdict(inline, candidate);
        const b = verdict(splitValidator, candidate);
        if (JSON.stringify(b) !== JSON.stringify(a)) expect(b).toEqual(a);
        if (!a.valid) invalid++;
        checked++;
      }
    }
    // The mutations really exercise the error paths.
    expect(invalid).toBeGreaterThan(checked / 3);
  }, 120_000);

  it('refuses a schema that already has $defs (names could collide)', () => {
    expect(() => splitLargeSubschemas({ $defs: {} })).toThrow(/already has \$defs/);
  });
});
