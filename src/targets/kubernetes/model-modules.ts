/**
 * Loads a kubernetes-models class module (`kubernetes-models/apps/v1/Deployment`) for the
 * schema check (src/synth/schema-check.ts) and the escape hatch (./escape-hatch.ts),
 * synchronously, so that the check runs inline in the (synchronous) compile: the CommonJS build
 * of each module, through `require`.
 *
 * The precompiled compiler replaces this module (src/synth/model-modules-build.ts): there the
 * class modules of the Kubernetes, Prometheus Operator, Argo CD and cert-manager kinds, with the
 * schema code they require, are part of lib/weft-compiler.cjs, so that V8's code cache holds
 * them too; Node 20 caches no module loaded through `require`.
 */
import { createRequire } from 'node:module';

const requireModel = createRequire(import.meta.url);

/** The exports of the class module `module` (a package path such as `kubernetes-models/v1/Service`). */
export function loadModelModule(module: string): Record<string, unknown> {
  return requireModel(module) as Record<string, unknown>;
}
