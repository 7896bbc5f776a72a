import { describe, expect, it } from 'vitest';
import { generateMesh } from '../../bench/synth/mesh';
import { analyze } from '../../src/analyze/index';
import type { Environment, MeshModel } from '../../src/model/mesh';
import { modelIndexLookups, withModelMemo } from '../../src/model/memo';
import { ModelIndex } from '../../src/model/query';
import { emitContext } from '../../src/synth/emit-context';
import { TARGETS } from '../../src/targets/index';

/**
 * Synth must stay linear in the number of services: every target and rule asks the model's
 * indexes (src/model/memo.ts, reach.ts, calls.ts) instead of scanning all services per
 * service. Counted, not timed: the number of model-index lookups and the number of reads of an
 * element of `model.services` / `model.gateways` (a scan per service shows up as n² reads),
 * for the analyzer and every target of an Istio and a Weft environment, at 1,000 and 4,000
 * services. Linear growth is 4×; a quadratic scan gives about 16×.
 */
interface Counts {
  lookups: number;
  elementReads: number;
  manifests: number;
}

/** The model with its service and gateway lists counting every element read. */
function counting(model: MeshModel, onRead: () => void): MeshModel {
  const wrap = <T extends object>(list: readonly T[]): T[] =>
    new Proxy(list as T[], {
      get(target, key, receiver) {
        if (typeof key === 'string' && key.length > 0 && key.charCodeAt(0) >= 48 && key.charCodeAt(0) <= 57) onRead();
        return Reflect.get(target, key, receiver);
      },
    });
  return { ...model, services: wrap(model.services), gateways: wrap(model.gateways) };
}

function countSynth(services: number): Counts {
  const { model } = generateMesh(services).toModel();
  if (!model) throw new Error('the generated mesh has no model');
  const istio = model.environments[0]!;
  const environments: Environment[] = [istio, { ...istio, name: 'weft', mesh: 'weft' }];
  let elementReads = 0;
  let manifests = 0;
  const before = modelIndexLookups();
  withModelMemo(() => {
    const diagnostics = analyze(counting(model, () => elementReads++));
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    for (const env of environments) {
      const ctx = emitContext(model, env, () => {});
      const counted = counting(ctx.model, () => elementReads++);
      const countedCtx = { ...ctx, model: counted, index: new ModelIndex(counted) };
      for (const target of TARGETS) if (target.appliesTo(env)) manifests += target.emit(countedCtx).manifests.length;
    }
  });
  return { lookups: modelIndexLookups() - before, elementReads, manifests };
}

describe('synth grows linearly with the number of services', () => {
  it('counts model-index lookups and model scans at 1,000 and 4,000 services', { timeout: 1_200_000 }, () => {
    const small = countSynth(1000);
    const large = countSynth(4000);
    // Both runs emitted every target's objects (about 4× as many at 4,000).
    expect(small.manifests).toBeGreaterThan(1000);
    expect(large.manifests / small.manifests).toBeGreaterThan(3.5);
    expect(small.lookups).toBeGreaterThan(1000);
    const lookupGrowth = large.lookups / small.lookups;
    const readGrowth = large.elementReads / small.elementReads;
    expect(lookupGrowth, `lookups ${small.lookups} → ${large.lookups}`).toBeLessThan(4.6);
    expect(readGrowth, `element reads ${small.elementReads} → ${large.elementReads}`).toBeLessThan(4.6);
  });
});
