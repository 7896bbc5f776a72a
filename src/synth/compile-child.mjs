/**
 * The precompiled compile child: what isolate.ts forks when Weft runs from its bundles
 * (src/cli/launch.mjs). Plain JavaScript, and no TypeScript loader at all:
 * 1. the compiler, lib/weft-compiler.mjs, loads natively (the sources through tsx cost about
 *    a second of start-up: every one of some 400 modules crosses tsx's loader hooks);
 * 2. mesh.config.ts and the files it imports are compiled by esbuild into one module and
 *    imported natively (config-bundle.ts; registering tsx's hooks alone cost ~0.2 s), its
 *    `import … from 'weft'` served by the bundle already loaded;
 * 3. requests are served as by the source child (isolate-child.ts).
 * The path of the bundle is the first argument (the launcher that built it knows it).
 */
import { realpathSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

// Node ≥ 22.1 keeps V8's compiled code of the bundle on disk: a later start skips compiling
// its ~4 MB (@see https://nodejs.org/api/module.html#module-compile-cache). Node 20 has no such cache.
nodeModule.enableCompileCache?.();

// Stack traces (a throw in the config) and construct locations map through the inline source
// map of the bundled config, to the user's own file, line and column.
process.setSourceMapsEnabled(true);
const bundleUrl = pathToFileURL(process.argv[2]).href;
const compiler = await import(bundleUrl);
const bundleOptions = {
  publicApiFile: realpathSync(fileURLToPath(new URL('../index.ts', import.meta.url))),
  publicApiUrl: bundleUrl,
  sourcePrefix: realpathSync(fileURLToPath(new URL('../', import.meta.url))) + '/',
};
process.on('exit', () => compiler.removeConfigBundles());

compiler.serveCompileRequests({
  importConfig: async (file) => (await compiler.importBundledConfig(file, bundleOptions)).exports,
});
