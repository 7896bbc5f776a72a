import { describe, expect, it } from 'vitest';
import { Mesh } from '../../src/index';
import { Reporter } from '../../src/diagnostics/reporter';
import { emitContext } from '../../src/synth/emit-context';
import { codeRegistry } from '../../src/synth/registry';
import { TARGETS } from '../../src/targets/index';
import type { Target } from '../../src/targets/target';

function meshFor(flavour: 'istio' | 'weft' | 'consul') {
  const mesh = new Mesh('m', { environments: { e: { mesh: flavour } } });
  mesh.team('t').service('s', { port: 8080, versions: { v1: { image: 'x/s:1' } } });
  const { model } = mesh.toModel();
  return model!;
}

describe('emit context: mesh wiring comes from the environment mesh target', () => {
  it("asks the environment's mesh target, and only that one", () => {
    const calls: string[] = [];
    const fake = (name: string): Target => ({
      name,
      codes: {},
      appliesTo: (env) => env.mesh === name,
      emit: () => ({ manifests: [] }),
      wiring: (_ctx, service, version) => (calls.push(`${name}:${service.name}-${version.name}`), { podLabels: { by: name } }),
    });
    const model = meshFor('weft');
    const ctx = emitContext(model, model.environments[0]!, new Reporter(codeRegistry([], [])).report, { targets: [fake('istio'), fake('weft')] });
    const s = ctx.model.services[0]!;
    expect(ctx.wiring(s, s.versions[0]!)).toEqual({ podLabels: { by: 'weft' } });
    expect(calls).toEqual(['weft:s-v1']);
  });

  it('wires nothing when the mesh has no target with wiring', () => {
    const model = meshFor('consul');
    const ctx = emitContext(model, model.environments[0]!, new Reporter(codeRegistry([], [])).report, { targets: [] });
    const s = ctx.model.services[0]!;
    expect(ctx.wiring(s, s.versions[0]!)).toEqual({});
  });

  it('the Kubernetes target is registered first in TARGETS', () => {
    expect(TARGETS[0]?.name).toBe('kubernetes');
  });
});
