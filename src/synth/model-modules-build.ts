/**
 * The esbuild plugin that replaces src/targets/kubernetes/model-modules.ts in the precompiled
 * compiler with a table of `require` calls, one per class module the schema check loads
 * (schema-check.ts) and per usual kind of the escape hatch (ESCAPE_HATCH_MODULES), so that
 * esbuild bundles those modules and the schema code they require into lib/weft-compiler.cjs
 * (src/cli/build.mjs keeps their packages inside the bundle: MODEL_PACKAGES). Each stays a
 * lazily run CommonJS module of the bundle: a run still executes only the classes of the kinds
 * it emits, but their code now comes from V8's code cache (compiler-script.mjs) instead of
 * ~170 files that `require` reads and compiles at every start (~95 ms of the example's CPU).
 *
 * The Istio classes stay outside and are required from node_modules as before: a valid object
 * never reaches them (the build's precompiled checks decide, precompiled-schema-checks-build.ts),
 * and together they are larger than the rest of the compiler.
 */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';
import { schemaCheckTargets } from './schema-check';

const MODEL_MODULES = fileURLToPath(new URL('../targets/kubernetes/model-modules.ts', import.meta.url));

/** Packages whose class modules the compiler carries (the schema check's non-Istio kinds). */
export const MODEL_PACKAGES = ['kubernetes-models', '@kubernetes-models/prometheus-operator', '@kubernetes-models/argo-cd', '@kubernetes-models/cert-manager'];

/**
 * Kinds the escape hatch validates (src/targets/kubernetes/escape-hatch.ts, through the same
 * loader) that the schema check does not know: those that teams add to their chart and that
 * workloads depend on (the "foundation" kinds of src/targets/sync-waves.ts). Any other kind
 * still validates, its class required from node_modules.
 */
const ESCAPE_HATCH_MODULES = ['kubernetes-models/v1/ResourceQuota', 'kubernetes-models/v1/LimitRange', 'kubernetes-models/v1/PersistentVolumeClaim', 'kubernetes-models/scheduling.k8s.io/v1/PriorityClass', 'kubernetes-models/node.k8s.io/v1/RuntimeClass'];

/** @internal The class modules bundled into the compiler, sorted. */
export function bundledModelModules(): string[] {
  const inPackage = (module: string) => MODEL_PACKAGES.some((p) => module.startsWith(`${p}/`));
  return [...new Set([...schemaCheckTargets().map((t) => t.module), ...ESCAPE_HATCH_MODULES])].filter(inPackage).sort();
}

/** The RE2 runtime of the generated validators, and what the bundle runs in its place. */
const VALIDATE_RE2 = /^@kubernetes-models\/validate\/runtime\/re2$/;
const SCHEMA_CHECK_RE2 = fileURLToPath(new URL('./schema-check-re2.ts', import.meta.url));

export function modelModulesInBundle(): Plugin {
  const modules = bundledModelModules();
  return {
    name: 'weft-model-modules',
    setup(b) {
      // re2js in place of re2-wasm for the validators' RE2 patterns (schema-check-re2.ts).
      b.onResolve({ filter: VALIDATE_RE2 }, () => ({ path: SCHEMA_CHECK_RE2 }));
      b.onResolve({ filter: /\/model-modules$/ }, async (args) => {
        if (args.pluginData === 'inner') return undefined;
        const resolved = await b.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, pluginData: 'inner' });
        return resolved.path === MODEL_MODULES ? { path: 'model-modules', namespace: 'weft' } : undefined;
      });
      b.onLoad({ filter: /^model-modules$/, namespace: 'weft' }, () => ({
        loader: 'js',
        // Where the table's `require`s resolve: beside model-modules.ts, as from the sources.
        resolveDir: dirname(MODEL_MODULES),
        contents: `
          import { createRequire } from 'node:module';
          // Literal specifiers, so that esbuild bundles each module; run on first use.
          const BUNDLED = new Map([
            ${modules.map((m) => `[${JSON.stringify(m)}, () => require(${JSON.stringify(m)})]`).join(',\n            ')}
          ]);
          const requireModel = createRequire(${JSON.stringify(MODEL_MODULES)});
          export function loadModelModule(module) {
            const load = BUNDLED.get(module);
            return load ? load() : requireModel(module);
          }`,
      }));
    },
  };
}
