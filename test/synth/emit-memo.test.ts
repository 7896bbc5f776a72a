import { describe, expect, it, vi } from 'vitest';
import { generateMesh } from '../../bench/synth/mesh';
import { EmitMemo } from '../../src/targets/emit-memo';
import { compileModel } from '../../src/synth/compile';
import { verificationModel } from '../../src/verify/overlay/model';
import { WEFT_VERSION } from '../../src/targets/weft/constants';

// Every memo a compile makes (one per environment with an overlay), to count what it replayed.
const made = vi.hoisted(() => [] as Array<{ replayed: number }>);
vi.mock('../../src/targets/emit-memo', async (original) => {
  const actual = await original<typeof import('../../src/targets/emit-memo')>();
  class CountedMemo extends actual.EmitMemo {
    constructor() {
      super();
      made.push(this);
    }
  }
  return { ...actual, EmitMemo: CountedMemo };
});

/**
 * The environment's emit records parts that its verification overlay's emit would build again
 * from the same inputs (src/targets/emit-memo.ts): the overlay takes them only when every input
 * is the very same object, each at most once.
 */
describe('EmitMemo', () => {
  it('replays a recorded part only for the same inputs (by identity), once, and never to the environment', () => {
    const memo = new EmitMemo();
    const route = { name: 'r' };
    let builds = 0;
    const build = () => ({ built: ++builds });
    const recorded = memo.record.part('k', [route, 'mesh', 3], build);
    // The environment itself never takes a recorded part: each of its parts is its own object.
    expect(memo.record.part('k', [route, 'mesh', 3], build)).not.toBe(recorded);
    const again = memo.record.part('k', [route, 'mesh', 3], build);
    // An equal but different input object, or another value, is a different input.
    expect(memo.replay.part('k', [{ name: 'r' }, 'mesh', 3], build)).not.toBe(again);
    expect(memo.replay.part('k', [route, 'mesh', 4], build)).not.toBe(again);
    expect(memo.replay.part('k', [route, 'mesh'], build)).not.toBe(again);
    expect(memo.replay.part('other', [route, 'mesh', 3], build)).not.toBe(again);
    expect(memo.replayed).toBe(0);
    expect(memo.replay.part('k', [route, 'mesh', 3], build)).toBe(again);
    expect(memo.replayed).toBe(1);
    // Replayed once: a second object for the same key is built (one object never appears twice).
    expect(memo.replay.part('k', [route, 'mesh', 3], build)).not.toBe(again);
    memo.record.part('k2', [route], build);
    memo.clear();
    expect(memo.replay.part('k2', [route], build)).toEqual({ built: builds });
    expect(memo.replayed).toBe(1);
  });

  it('NaN inputs are the same input, 0 and -0 are not (Object.is)', () => {
    const memo = new EmitMemo();
    const a = memo.record.part('n', [NaN, 0], () => ({}));
    expect(memo.replay.part('n', [NaN, -0], () => ({}))).not.toBe(a);
    const b = memo.record.part('n', [NaN, 0], () => ({}));
    expect(memo.replay.part('n', [NaN, 0], () => ({}))).toBe(b);
  });

  it('a compile replays routes, traffic policies, rule groups and dashboards to the overlay, which still writes what a separate emit of its model writes', () => {
    const model = generateMesh(6).toModel().model!;
    const env = model.environments[0]!;
    made.length = 0;
    const together = compileModel(model);
    expect(together.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    // 6 services: 3 HTTP routes each (the Istio VirtualService), a DestinationRule traffic
    // policy, an SLO rule group and a dashboard.
    expect(made.map((m) => m.replayed)).toEqual([6 * 3 + 6 + 6 + 6]);

    const overlay = verificationModel(model, env.name, WEFT_VERSION);
    const alone = compileModel({ ...overlay, environments: [env] }, { verificationOverlay: false });
    const overlayFiles = [...together.files].filter(([path]) => path.startsWith('verify/'));
    expect(overlayFiles.map(([path]) => path)).toEqual([...alone.files.keys()].map((p) => `verify/${p}`));
    for (const [path, content] of overlayFiles) expect(content, path).toBe(alone.files.get(path.slice('verify/'.length)));
  });
});
