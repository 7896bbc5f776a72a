/**
 * The precompiled compile child: what isolate.ts forks when Weft runs from its bundles
 * (src/cli/launch.mjs). Plain JavaScript, and no TypeScript loader at all:
 * 1. the compiler, lib/weft-compiler.cjs, runs as a script from V8's code cache
 *    (compiler-script.mjs; the sources through tsx cost about a second of start-up: every one
 *    of some 400 modules crosses tsx's loader hooks);
 * 2. mesh.config.ts and the files it imports are compiled by esbuild into one module and
 *    imported natively (config-bundle.ts; registering tsx's hooks alone cost ~0.2 s), its
 *    `import … from 'weft'` served by the compiler already running (a small module that
 *    re-exports it, config-bundle.ts `publicApiModule`);
 * 3. requests are served as by the source child (isolate-child.ts).
 * The path of the bundle is the first argument (the launcher that built it knows it); a second
 * one overrides where the code cache is kept (tests).
 */
import { realpathSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { fileURLToPath } from 'node:url';
import { runCompilerScript } from './compiler-script.mjs';

// Node ≥ 22.1 keeps V8's compiled code of the packages (zod, yaml, constructs) on disk too
// (@see https://nodejs.org/api/module.html#module-compile-cache). Node 20 has no such cache.
nodeModule.enableCompileCache?.();

// Stack traces (a throw in the config) and construct locations map through the inline source
// map of the bundled config, to the user's own file, line and column.
process.setSourceMapsEnabled(true);
const [bundle, cacheDir] = process.argv.slice(2);
const { exports: compiler, codeCache } = await runCompilerScript(bundle, cacheDir);
// `npm run bench -- synth` and the tests see whether this start used the code cache.
if (process.env.WEFT_SYNTH_STAGES === '1') process.stderr.write(`weft-stages ${JSON.stringify({ codeCache })}\n`);
const bundleOptions = {
  publicApiFile: realpathSync(fileURLToPath(new URL('../index.ts', import.meta.url))),
  publicApiUrl: compiler.publicApiModule(compiler),
  sourcePrefix: realpathSync(fileURLToPath(new URL('../', import.meta.url))) + '/',
  importModule: (url) => import(url),
};
process.on('exit', () => compiler.removeConfigBundles());

compiler.serveCompileRequests({
  importConfig: async (file) => (await compiler.importBundledConfig(file, bundleOptions)).exports,
});
