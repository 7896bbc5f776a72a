import { describe, expect, it } from 'vitest';
import { TARGETS } from '../../../src/targets/index';
import { MESH_TARGETS } from '../../../src/targets/kubernetes/index';

describe('kubernetes target: mesh wiring registry', () => {
  it('asks every registered target that offers wiring, and only registered ones', () => {
    const withWiring = TARGETS.filter((t) => t.wiring).map((t) => t.name);
    expect(MESH_TARGETS.map((t) => t.name).sort()).toEqual([...withWiring].sort());
    for (const t of MESH_TARGETS) expect(TARGETS).toContain(t);
  });

  it('is registered first in TARGETS', () => {
    expect(TARGETS[0]?.name).toBe('kubernetes');
  });
});
