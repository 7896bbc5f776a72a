import { describe, expect, it } from 'vitest';
import { Mesh } from '../../src/index';
import { compileModel } from '../../src/synth/compile';
import { TARGETS } from '../../src/targets/index';
import type { Manifest, Target } from '../../src/targets/target';

/**
 * The files of a compile, streamed (`onFile`, what `weft synth` uses) or collected (`files`):
 * the same files either way, each path once, and two different objects for one path are
 * still WEFT007 although the streamed text is not kept.
 */
const model = () => {
  const mesh = new Mesh('files', { environments: { dev: { mesh: 'weft' } } });
  mesh.team('shop').service('app', { port: 8080, versions: { v1: { image: 'x/app:1' } } });
  return mesh.toModel().model!;
};

const configMap = (data: string): Manifest => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'same', namespace: 'shop' }, data: { value: data } }) as unknown as Manifest;
/** A target that emits the given objects, after the real ones. */
const extra = (manifests: Manifest[]): Target => ({ name: 'extra', codes: {}, appliesTo: () => true, emit: () => ({ manifests }) });

describe('compileModel files', () => {
  it('streams exactly the files it would collect, each path once', () => {
    const collected = compileModel(model(), { targets: TARGETS });
    const streamed: [string, string][] = [];
    const result = compileModel(model(), { targets: TARGETS, onFile: (path, content) => streamed.push([path, content]) });
    expect(result.files.size).toBe(0);
    expect(new Set(streamed.map(([p]) => p)).size).toBe(streamed.length);
    expect(Object.fromEntries(streamed)).toEqual(Object.fromEntries(collected.files));
    expect(streamed.length).toBeGreaterThan(10);
  });

  it('two identical objects for one path are one file; two different ones are WEFT007', () => {
    const twice: [string, string][] = [];
    const same = compileModel(model(), { targets: [...TARGETS, extra([configMap('a'), configMap('a')])], onFile: (p, c) => twice.push([p, c]), verificationOverlay: false, schemaCheck: false });
    expect(same.diagnostics.filter((d) => d.code === 'WEFT007')).toEqual([]);
    expect(twice.filter(([p]) => p === 'dev/extra/shop/configmap-same.yaml')).toHaveLength(1);
    const clash = compileModel(model(), { targets: [...TARGETS, extra([configMap('a'), configMap('b')])], onFile: () => {}, verificationOverlay: false, schemaCheck: false });
    expect(clash.diagnostics.filter((d) => d.code === 'WEFT007').map((d) => d.message)).toEqual(['two different objects would be written to dev/extra/shop/configmap-same.yaml (ConfigMap same)']);
  });
});
