import { describe, expect, it } from 'vitest';
import { queryObjects } from 'node:v8';
import { join } from 'node:path';
import { generateMesh } from '../../bench/synth/mesh';
import { Service } from '../../src/constructs/service';
import { compileModel } from '../../src/synth/compile';
import { compileMesh } from '../../src/synth/compile-config';
import { loadMeshConfig } from '../../src/synth/load';
import { TARGETS } from '../../src/targets/index';
import type { EmitContext, Target, TargetOutput } from '../../src/targets/target';

/**
 * What a compile keeps alive, checked structurally: `v8.queryObjects` counts the live instances
 * of a class after a full GC (@see https://nodejs.org/api/v8.html#v8queryobjectsctor-options).
 * Each object under watch gets a marker of a class of its own, held in a WeakMap (an ephemeron:
 * the marker lives exactly as long as the object), so that a count of markers is a count of
 * watched objects still reachable. No timing, no memory figures: which objects are alive while
 * a target is emitted is what keeps peak memory flat at 10,000 services (docs/performance.md).
 */
const markers = new WeakMap<object, object>();
const mark = (object: object, Marker: new () => object) => {
  if (!markers.has(object)) markers.set(object, new Marker());
};
const live = (Class: abstract new (...args: never[]) => object) => queryObjects(Class, { format: 'count' });
/** A class of its own per call, so that each count is of one kind of object only. */
const markerClass = () => class Marker {};
// The first call warns that queryObjects is experimental, and the warning (an Error waiting in
// the nextTick queue) holds the functions on the stack where it was made, and their scopes:
// called once here, it holds nothing of a compile.
live(markerClass());

/**
 * The targets, each watching what is alive when it starts to emit (`seen`), and marking what it
 * gets (the environment's model) and returns (its output).
 */
function watchingTargets(onEmit: (target: Target, ctx: EmitContext) => void, onOutput: (target: Target, ctx: EmitContext, out: TargetOutput) => void): Target[] {
  return TARGETS.map((target) => {
    const watched: Target = Object.create(target);
    watched.emit = (ctx) => {
      onEmit(target, ctx);
      const out = target.emit(ctx);
      onOutput(target, ctx, out);
      return out;
    };
    return watched;
  });
}

// queryObjects takes a full GC and a walk of the heap (about a second here): counted only where it matters.
const TIMEOUT_MS = 240_000;

describe('compile lifetimes', () => {
  it("lets a target's objects go before the next target, and an environment's models before the next environment", { timeout: TIMEOUT_MS }, async () => {
    const loaded = await loadMeshConfig(join(import.meta.dirname, '../../mesh.config.ts'));
    const model = loaded.mesh!.toModel().model!;
    expect(model.environments.length).toBeGreaterThanOrEqual(3);
    const last = model.environments.at(-1)!.name;
    const Output = markerClass();
    const EarlierModel = markerClass();
    const started = new Set<string>();
    const alive: string[] = [];
    const targets = watchingTargets(
      (target, ctx) => {
        const key = `${ctx.env.name}/${target.name}`;
        // The first emit of a target in an environment is the environment's; the overlay's may
        // follow it at once (synth pairs them, overlay-emit.ts), with the environment's objects in use.
        if (started.has(key)) return;
        if (![...started].some((k) => k.startsWith(`${ctx.env.name}/`))) {
          const models = live(EarlierModel);
          if (models > 0) alive.push(`${models} model(s) of earlier environments while ${key} starts`);
        }
        started.add(key);
        if (ctx.env.name === last) {
          const outputs = live(Output);
          if (outputs > 0) alive.push(`${outputs} output(s) of earlier targets while ${key} starts`);
        }
      },
      (_target, ctx, out) => {
        mark(ctx.model, EarlierModel);
        if (ctx.env.name === last) mark(out, Output);
      },
    );
    const compiled = compileModel(model, { targets, onFile: () => {} });
    expect(compiled.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect([...started].filter((k) => k.startsWith(`${last}/`)).length).toBeGreaterThanOrEqual(3);
    expect(alive).toEqual([]);
  });

  it('releases the construct tree of a one-shot compile once the model is built', { timeout: TIMEOUT_MS }, async () => {
    const services = { released: -1, kept: -1 };
    // Constructs of other meshes this process holds (the example's, which its module keeps).
    const before = live(Service);
    for (const releaseConstructs of [true, false]) {
      const mesh = generateMesh(40);
      let counted = false;
      const targets = watchingTargets(
        () => {
          if (counted) return;
          counted = true;
          services[releaseConstructs ? 'released' : 'kept'] = live(Service);
        },
        () => {},
      );
      const compiled = await compileMesh(mesh, { targets, onFile: () => {}, verificationOverlay: false, releaseConstructs });
      expect(compiled.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      // `mesh` itself is still held here: only its children are let go.
      expect(mesh.node.children.length === 0).toBe(releaseConstructs);
    }
    expect(services.kept - before).toBeGreaterThanOrEqual(40);
    expect(services.released - before).toBe(0);
  });
});
