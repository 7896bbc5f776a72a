/**
 * The esbuild plugin that replaces ./config/validators with ajv's standalone code for exactly
 * the validators it would compile at run time (the document and each union branch, by JSON
 * pointer, same options), behind the same interface: a bundle then loads neither ajv nor its
 * code generation. Used by the proxy's build (./build.ts) and by the precompiled compiler
 * (src/cli/build.mjs), whose weft target validates every proxy config it emits.
 */
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020';
import standaloneCode from 'ajv/dist/standalone';
import type { Plugin } from 'esbuild';
import { AJV_OPTIONS, CONFIG_SCHEMA, schemaAt, unionBranchPointers } from './config/validators';

const root = fileURLToPath(new URL('../..', import.meta.url));
const VALIDATORS = fileURLToPath(new URL('./config/validators.ts', import.meta.url));

/** CommonJS source of every config validator, exported as v0 (document), v1… (union branches). */
function standaloneValidators(): { code: string; pointers: string[] } {
  const pointers = ['', ...unionBranchPointers()];
  const ajv = new Ajv2020({ ...AJV_OPTIONS, code: { source: true } });
  const exports: Record<string, string> = {};
  pointers.forEach((p, i) => {
    ajv.addSchema(p === '' ? CONFIG_SCHEMA : schemaAt(p), `weft:${p}`);
    exports[`v${i}`] = `weft:${p}`;
  });
  return { code: standaloneCode(ajv, exports), pointers };
}

/** Replaces ./config/validators with the precompiled validators behind the same interface. */
export function precompiledValidators(): Plugin {
  const { code, pointers } = standaloneValidators();
  return {
    name: 'weft-precompiled-validators',
    setup(b) {
      b.onResolve({ filter: /\/validators$/ }, async (args) => {
        if (args.pluginData === 'inner') return undefined;
        const resolved = await b.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, pluginData: 'inner' });
        return resolved.path === VALIDATORS ? { path: 'validators', namespace: 'weft' } : undefined;
      });
      b.onResolve({ filter: /^weft:standalone$/ }, () => ({ path: 'standalone', namespace: 'weft' }));
      b.onLoad({ filter: /^standalone$/, namespace: 'weft' }, () => ({ contents: code, loader: 'js', resolveDir: root }));
      b.onLoad({ filter: /^validators$/, namespace: 'weft' }, () => ({
        resolveDir: root,
        loader: 'js',
        contents: `
          import schema from './schemas/weft-proxy-config.schema.json';
          import * as compiled from 'weft:standalone';
          export const CONFIG_SCHEMA = schema;
          const byPointer = new Map(${JSON.stringify(pointers)}.map((p, i) => [p, compiled['v' + i]]));
          export function validatorAt(pointer) {
            const v = byPointer.get(pointer);
            if (!v) throw new Error('no precompiled validator at ' + pointer);
            return v;
          }`,
      }));
    },
  };
}

