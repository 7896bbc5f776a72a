import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { generateMesh } from '../../bench/synth/mesh';
import { withModelMemo } from '../../src/model/memo';
import { emitContext } from '../../src/synth/emit-context';
import { GENERATED_HEADER, documentYaml, manifestYaml, referenceYaml } from '../../src/synth/serialize';
import { TARGETS } from '../../src/targets/index';
import type { Manifest } from '../../src/targets/target';

/**
 * Multi-line strings (ConfigMap files, alert expressions, dashboards) take the fast path of
 * manifestYaml, re-indented from `yaml`'s own rendering: the bytes must be the reference
 * rendering's, and YAML 1.1 and 1.2 readers must both read back the string.
 */
const MULTI_LINE = [
  'a\nb', 'a\n', 'a\n\n', 'a\n\nb', '\nlead', ' lead\nx', '  \n', '\t\n', 'a \nb', 'a\t\nb', 'x\n---\ny', '...\nz', '%x\ny',
  '# c\nd', '- a\n- b', 'k: v\nk2: v2', '{\n  "a": 1\n}\n', 'tab\n\tx', 'ü\n😀', 'a\u2028b\nc', 'a\u0085\nb', '\ufeffa\nb',
  'a\u0007\nb', 'a\r\nb', 'a\rb', `${'long line '.repeat(200)}\nend`,
];

const manifest = (spec: unknown) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, spec }) as unknown as Manifest;
const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe('multi-line strings in manifestYaml', () => {
  for (const s of MULTI_LINE) {
    it(`${JSON.stringify(s).slice(0, 40)}: the reference bytes at every position, read back by YAML 1.1 and 1.2`, () => {
      const m = manifest({ value: s, deep: { list: [s, { inner: s }], nested: { more: { value: s } } }, after: 'x' });
      const text = manifestYaml(m);
      expect(text).toBe(GENERATED_HEADER + referenceYaml(m));
      expect(parse(text, { version: '1.1' })).toEqual(asJson(m));
      expect(parse(text, { version: '1.2' })).toEqual(asJson(m));
    });
  }

  it('the fast path renders them (no whole-object fallback)', () => {
    for (const s of MULTI_LINE) expect(documentYaml(manifest({ value: s, list: [s] })), JSON.stringify(s)).toBeDefined();
  });

  it('every object of every target of the generated mesh takes the fast path, with the reference bytes', () => {
    const model = generateMesh(20).toModel().model!;
    const env = model.environments[0]!;
    const manifests: Manifest[] = [];
    withModelMemo(() => {
      for (const target of TARGETS) if (target.appliesTo(env)) manifests.push(...target.emit(emitContext(model, env, () => {}, { targets: TARGETS })).manifests);
    });
    expect(manifests.some((m) => m.kind === 'PrometheusRule')).toBe(true);
    for (const m of manifests) {
      expect(documentYaml(m), `${m.kind} ${m.metadata.name}`).toBeDefined();
      expect(manifestYaml(m)).toBe(GENERATED_HEADER + referenceYaml(m));
    }
  });
});
