/**
 * Builds the precompiled proxy, `lib/weft-proxy.mjs` (`npm run build:proxy`; another output
 * file may be given as the first argument): src/proxy/main.ts
 * and everything it imports bundled by esbuild into one ES module that needs only Node's
 * built-ins — no tsx, no TypeScript, no node_modules at run time. Two things differ from
 * running the sources:
 * - config validation is ajv's standalone code, generated here for exactly the validators
 *   ./config/validators.ts would compile at run time (the document and each union branch, by
 *   JSON pointer, same options), so ajv itself is not in the bundle;
 * - the data path needs no npm package at all: the HTTP/1.1 codec and upstream pool are the
 *   proxy's own (src/proxy/http1/, server/http1/, cluster/http1-pool.ts).
 * esbuild comes with tsx (a dependency), as does the loader this script runs under.
 */
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020';
import standaloneCode from 'ajv/dist/standalone';
import { build, type Plugin } from 'esbuild';
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
function precompiledValidators(): Plugin {
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

await build({
  entryPoints: [fileURLToPath(new URL('./main.ts', import.meta.url))],
  outfile: process.argv[2] ?? `${root}lib/weft-proxy.mjs`,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // CommonJS dependencies (ajv's standalone validators) require Node built-ins; an ES module has no `require`.
  banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  plugins: [precompiledValidators()],
  // The proxy logs where it runs from ("entry":"bundle" in its start-up line).
  define: { 'process.env.WEFT_PROXY_ENTRY': '"bundle"' },
  logLevel: 'warning',
});
