import type { Report } from '../diagnostics/reporter';
import type { Environment, MeshModel } from '../model/mesh';
import { ModelIndex, modelForEnvironment } from '../model/query';
import { TARGETS } from '../targets/index';
import type { EmitContext, Target, WiringOf } from '../targets/target';
import type { SharedParts } from '../targets/emit-memo';
import { jsonFileText } from './stable-json';

export interface EmitContextOptions {
  /** The targets the environment's mesh target is looked up in. @default TARGETS */
  targets?: readonly Target[];
  /** Wiring to use instead of the mesh target's (tests, tools). */
  wiring?: WiringOf;
  /** Parts shared with the other context of an environment/overlay pair (src/targets/emit-memo.ts). */
  shared?: SharedParts;
}

/**
 * What every target of one environment receives: the model with the environment's overrides
 * applied, its index, the reporter, synth's JSON serializer, and the environment's mesh wiring.
 * The wiring comes from the environment's mesh target (`Target.wiring`); a mesh without a
 * target, or a target without wiring, wires nothing. This is the one place that joins targets,
 * so that no target imports another.
 */
export function emitContext(model: MeshModel, env: Environment, report: Report, options: EmitContextOptions = {}): EmitContext {
  const envModel = modelForEnvironment(model, env);
  const base: Omit<EmitContext, 'wiring'> = { model: envModel, index: new ModelIndex(envModel), env, report, json: jsonFileText, shared: options.shared };
  if (options.wiring) return { ...base, wiring: options.wiring };
  const mesh = (options.targets ?? TARGETS).find((t) => t.name === env.mesh);
  const meshWiring = mesh?.wiring?.bind(mesh);
  return { ...base, wiring: meshWiring ? (service, version) => meshWiring(base, service, version) : () => ({}) };
}
