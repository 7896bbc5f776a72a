import { describe, expect, it } from 'vitest';
import { generateMesh } from '../../../bench/synth/mesh';
import type { MeshModel } from '../../../src/model/mesh';
import { modelIndexLookups, withModelMemo } from '../../../src/model/memo';
import { ModelIndex } from '../../../src/model/query';
import { emitContext } from '../../../src/synth/emit-context';
import { consulTarget } from '../../../src/targets/consul/index';

/**
 * The consul target stays linear in services, as test/synth/linear-growth.test.ts requires of
 * every target: counted, not timed — model-index lookups and reads of an element of
 * `model.services` / `model.gateways` (a scan per service shows up as n² reads) — at 500 and
 * 2,000 services of the benchmark mesh compiled for a consul environment. Linear is 4×.
 */
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

function countConsul(services: number): { lookups: number; reads: number; outputs: number } {
  const model = generateMesh(services).toModel().model!;
  const env = { ...model.environments[0]!, name: 'staging', mesh: 'consul' as const };
  let reads = 0;
  let outputs = 0;
  const before = modelIndexLookups();
  withModelMemo(() => {
    const ctx = emitContext(model, env, () => {});
    const counted = counting(ctx.model, () => reads++);
    const out = consulTarget.emit({ ...ctx, model: counted, index: new ModelIndex(counted) });
    outputs = out.manifests.length + (out.files?.length ?? 0);
  });
  return { lookups: modelIndexLookups() - before, reads, outputs };
}

describe('consul target grows linearly with the number of services', () => {
  it('counts model-index lookups and model scans at 500 and 2,000 services', { timeout: 600_000 }, () => {
    const small = countConsul(500);
    const large = countConsul(2000);
    expect(large.outputs / small.outputs).toBeGreaterThan(3.5);
    expect(small.reads).toBeGreaterThan(500);
    expect(large.reads / small.reads, `element reads ${small.reads} → ${large.reads}`).toBeLessThan(4.6);
    expect(large.lookups / Math.max(small.lookups, 1), `lookups ${small.lookups} → ${large.lookups}`).toBeLessThan(4.6);
  });
});
