import { describe, expect, it } from 'vitest';
import { WorkloadWirings } from '../../../src/targets/kubernetes/wiring';
import type { EmitContext } from '../../../src/targets/target';
import type { Service, Version } from '../../../src/model/service';

const version = (name: string) => ({ name }) as Version;
const service = (namespace: string, name: string, versions: Version[]) => ({ namespace, name, versions }) as unknown as Service;

/** Wirings are looked up by the model's version objects, with the `namespace/name/version` key behind them. */
describe('WorkloadWirings', () => {
  it('answers by version object, by key for a copy, and as before for same-named workloads (the last one counts)', () => {
    const v1 = version('v1');
    const a = service('n', 'a', [v1]);
    const shared = version('v1');
    const b = service('n', 'b', [shared]);
    const c = service('n', 'c', [shared]);
    const dupFirst = service('n', 'd', [version('v1')]);
    const dupLast = service('n', 'd', [version('v1')]);
    const ctx = { model: { services: [a, b, c, dupFirst, dupLast] }, wiring: (s: Service, v: Version) => ({ podLabels: { who: `${s.name}${s === dupLast ? '-last' : ''}/${v.name}` } }) } as unknown as EmitContext;
    const wirings = new WorkloadWirings(ctx);
    expect(wirings.of(a, v1).podLabels).toEqual({ who: 'a/v1' });
    // A copy of a version (another object) is found by its key.
    expect(wirings.of(a, { ...v1 }).podLabels).toEqual({ who: 'a/v1' });
    // One version object in two services: each service gets its own wiring.
    expect(wirings.of(b, shared).podLabels).toEqual({ who: 'b/v1' });
    expect(wirings.of(c, shared).podLabels).toEqual({ who: 'c/v1' });
    // Two workloads with one key: the last one's wiring, whichever version object asks.
    expect(wirings.of(dupFirst, dupFirst.versions[0]!).podLabels).toEqual({ who: 'd-last/v1' });
    expect(wirings.of(dupLast, dupLast.versions[0]!).podLabels).toEqual({ who: 'd-last/v1' });
    expect(wirings.of(service('n', 'unknown', []), version('v1'))).toEqual({});
  });
});
