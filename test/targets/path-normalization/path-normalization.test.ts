/**
 * `security.pathNormalization` (Istio's meshConfig.pathNormalization) on every target: the weft
 * proxy config's `http.pathNormalization`, Consul's Mesh `http.incoming.requestNormalization`,
 * and on Istio — where it is installation config Weft does not write — WEFT636 when it differs
 * from Istio's default.
 */
import { describe, expect, it } from 'vitest';
import { Mesh } from '../../../src/index';
import { emit as emitConsul, find as findConsul } from '../consul/helpers';
import { codes as istioCodes, emit as emitIstio } from '../istio/helpers';
import { emit as emitWeft } from '../weft/helpers';

type Mode = 'none' | 'base' | 'merge-slashes' | undefined;

function shop(mode: Mode): Mesh {
  const m = new Mesh('shop', {
    environments: { dev: { mesh: 'weft' }, staging: { mesh: 'consul' }, prod: { mesh: 'istio' } },
    security: { mtls: 'disable', authorization: 'allow-all', ...(mode ? { pathNormalization: mode } : {}) },
  });
  const t = m.team('storefront');
  const data = t.service('data', { port: 8080, versions: { v1: { image: 'data:1' } } });
  t.service('app', { port: 8080, versions: { v1: { image: 'app:1' } }, calls: [data] });
  return m;
}

describe('security.pathNormalization', () => {
  it('weft: every proxy config carries it when declared, and nothing changes when it is not', () => {
    for (const mode of ['none', 'base', 'merge-slashes'] as const) {
      const e = emitWeft(shop(mode), 'dev');
      const files = e.output.files ?? [];
      expect(files.length).toBeGreaterThan(1);
      for (const f of files) expect((f.json as any).http, f.path).toEqual({ pathNormalization: mode });
    }
    const plain = emitWeft(shop(undefined), 'dev');
    for (const f of plain.output.files ?? []) expect((f.json as any).http, f.path).toBeUndefined();
  });

  it('consul: the Mesh entry disables or extends Envoy path normalization; base is Consul\'s default', () => {
    const spec = (mode: Mode) => findConsul(emitConsul(shop(mode), 'staging').manifests, 'Mesh', 'mesh').spec;
    expect(spec('none').http).toEqual({ incoming: { requestNormalization: { insecureDisablePathNormalization: true } } });
    expect(spec('merge-slashes').http).toEqual({ incoming: { requestNormalization: { mergeSlashes: true } } });
    expect(spec('base').http).toBeUndefined();
    expect(spec(undefined).http).toBeUndefined();
  });

  it('istio: WEFT636 (with the meshConfig value to set) unless the mode is Istio\'s default', () => {
    for (const [mode, istio] of [['none', 'NONE'], ['merge-slashes', 'MERGE_SLASHES']] as const) {
      const { diagnostics } = emitIstio(shop(mode), 'prod');
      expect(istioCodes(diagnostics)).toContain('WEFT636');
      const d = diagnostics.find((x) => x.code === 'WEFT636')!;
      expect(d.severity).toBe('warning');
      expect(d.hint).toContain(`meshConfig.pathNormalization.normalization: ${istio}`);
      expect(d.location?.file).toMatch(/path-normalization\.test\.ts$/);
    }
    expect(istioCodes(emitIstio(shop('base'), 'prod').diagnostics)).not.toContain('WEFT636');
    expect(istioCodes(emitIstio(shop(undefined), 'prod').diagnostics)).not.toContain('WEFT636');
  });
});
