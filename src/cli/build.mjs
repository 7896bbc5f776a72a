/**
 * Builds the precompiled CLI (`npm run build`; src/cli/launch.mjs also runs it when the bundles
 * are missing or older than the sources): three ES modules made by esbuild from Weft's
 * TypeScript, so that no command starts with tsx compiling ~400 modules at every run.
 *
 * - lib/weft-cli.mjs (src/cli/precompiled.ts): the `weft synth` command, the process the user
 *   starts. Its dependencies are bundled in; it loads no package at start-up.
 * - lib/weft-compiler.cjs (src/synth/compiler-bundle.ts): the compiler and Weft's public API,
 *   run by the compile child (src/synth/compile-child.mjs) as a script with V8's code cache
 *   (src/synth/compiler-script.mjs), hence CommonJS: Node 20 caches no ES module's code. Packages
 *   stay external, each required by the absolute path of the file Node would load, so that a
 *   package the config imports too is one module instance; the bundle's first line lists those
 *   that are ES modules, which the child imports first and hands to the bundle's `require`.
 *   Packages only the compiler uses (zod, re2js, yaml) are bundled in instead
 *   (IN_COMPILER_BUNDLE), so that the code cache holds them too.
 * - lib/weft-commands.mjs (src/cli/commands-bundle.ts): every other command (verify, up, graph,
 *   diff, report, echo, switch, `weft --help`), which load mesh.config.ts in their own process;
 *   built like the compiler (packages outside, by path), for the same reason.
 *
 * - In lib/weft-compiler.cjs and lib/weft-commands.mjs the proxy config validators the weft
 *   target runs are ajv's standalone code (src/proxy/precompiled-validators.ts, as in the proxy's own bundle), and so
 *   are the schema check's Istio validators (src/synth/precompiled-schema-checks-build.ts).
 *
 * All keep the source tree's view of `import.meta.url` (each module's own file URL, written
 * in at build time): code that finds files next to itself (`new URL('./compile-child.mjs',
 * import.meta.url)`, the package.json version) works as it does from the sources. That ties a
 * build to the folder it was made in; lib/weft-cli.json records the folder and the newest
 * source time it was built from, and the launcher rebuilds when either differs.
 *
 * Plain JavaScript, so that it runs without tsx. esbuild comes with tsx (a dependency).
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const LIB = join(ROOT, 'lib');
export const CLI_BUNDLE = join(LIB, 'weft-cli.mjs');
export const COMPILER_BUNDLE = join(LIB, 'weft-compiler.cjs');
export const COMMANDS_BUNDLE = join(LIB, 'weft-commands.mjs');
export const STAMP = join(LIB, 'weft-cli.json');

/** What a build depends on besides src/: the dependency tree (npm rewrites this file on every install). */
const DEPENDENCY_MARKERS = [join(ROOT, 'package.json'), join(ROOT, 'node_modules/.package-lock.json')];

/** The newest modification time (ms) of a file or of any file below a folder. */
function newest(path) {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs; // a deleted file changes its folder's time
  for (const e of readdirSync(path)) max = Math.max(max, newest(join(path, e)));
  return max;
}

/** The newest time of anything the bundles are made of. */
export function newestSource() {
  return Math.max(newest(join(ROOT, 'src')), ...DEPENDENCY_MARKERS.map(newest));
}

/** Why the bundles must be (re)built, or undefined when they are current. */
export function staleReason() {
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(STAMP, 'utf8'));
  } catch {
    return 'not built yet';
  }
  if (stamp.root !== ROOT) return `built in ${stamp.root}`;
  if ([CLI_BUNDLE, COMPILER_BUNDLE, COMMANDS_BUNDLE].some((file) => statSync(file, { throwIfNoEntry: false }) === undefined)) return 'a bundle is missing';
  if (newestSource() > stamp.sourcesAt) return 'the sources changed';
  return undefined;
}

/**
 * Each source module sees its own file URL as `import.meta.url`, as when it runs from the
 * sources. Only `import.meta` in code is replaced, not in strings or comments (a banner that
 * a module passes to esbuild itself says `import.meta.url` in a string): src/synth/import-meta-scan.ts.
 */
function sourceImportMeta(importMetaOffsets) {
  return {
    name: 'weft-source-import-meta',
    setup(build) {
      build.onLoad({ filter: /\.[cm]?ts$/ }, (args) => {
        if (!args.path.startsWith(join(ROOT, 'src'))) return undefined;
        const text = readFileSync(args.path, 'utf8');
        const url = JSON.stringify(pathToFileURL(args.path).href);
        let contents = '';
        let from = 0;
        for (const at of importMetaOffsets(text)) {
          if (!text.startsWith('import.meta.url', at)) continue;
          contents += text.slice(from, at) + url;
          from = at + 'import.meta.url'.length;
        }
        return { contents: contents + text.slice(from), loader: 'ts' };
      });
    },
  };
}

/** The first line of lib/weft-compiler.cjs: the ES module packages it requires (src/synth/compiler-script.mjs). */
export const ESM_EXTERNALS_LINE = '// weft-esm-externals ';

/**
 * The compiler runs as a script from V8's code cache, where Node 20 gives `import()` no module
 * loader (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING once its code comes from the cache): it loads
 * CommonJS packages with `require` and the config through the child's own `import()`
 * (src/synth/config-bundle.ts `importModule`). A literal `import()` is refused here.
 */
function withEsmExternalsLine(file, metafile, isEsModuleFile) {
  const output = Object.values(metafile.outputs)[0];
  const dynamic = output.imports.filter((i) => i.kind === 'dynamic-import');
  if (dynamic.length > 0) throw new Error(`${file}: no import() in the compiler bundle (${dynamic.map((i) => i.path).join(', ')}); require a CommonJS package instead`);
  const esm = [...new Set(output.imports.filter((i) => i.external && i.path.startsWith('/') && isEsModuleFile(i.path)).map((i) => i.path))].sort();
  writeFileSync(file, ESM_EXTERNALS_LINE + JSON.stringify(esm) + '\n' + readFileSync(file, 'utf8'));
}

/**
 * Packages only the compiler uses (Weft's public API exposes none of their objects, so no
 * config needs the compiler's instance), bundled into lib/weft-compiler.cjs so that their code
 * comes from the code cache too: loading zod's ~60 ES module files cost every compile child
 * ~60 ms of CPU, yaml's ~35 ms. (cdk8s carries its own copy of yaml.)
 */
const IN_COMPILER_BUNDLE = ['zod', 're2js', 'yaml'];

/** The package a bare specifier names: `zod/v4/core` → `zod`, `@scope/pkg/x` → `@scope/pkg`. */
const packageOf = (specifier) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

/**
 * Packages that read files beside their own code, so they must stay where they are even when a
 * bundled package imports them: re2-wasm loads re2.wasm from its own folder (required by
 * @kubernetes-models/prometheus-operator's PrometheusRule schema, for its RE2 patterns).
 */
const NEVER_BUNDLED = ['re2-wasm'];

/**
 * Packages stay outside the bundle (but `bundled`), imported by the absolute path of the file
 * Node loads for them. What a bundled package imports is bundled too (but NEVER_BUNDLED): an
 * importer inside node_modules is always part of the bundle, since esbuild never reads an
 * external one.
 */
export const externalPackagesByPath = (bundled = []) => ({
  name: 'weft-external-packages',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.pluginData === 'weft-inner' || args.path.startsWith('node:') || bundled.includes(packageOf(args.path))) return undefined;
      if (args.importer.includes(`${'/'}node_modules${'/'}`) && !NEVER_BUNDLED.includes(packageOf(args.path))) return undefined;
      const resolved = await build.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, pluginData: 'weft-inner' });
      if (resolved.errors.length > 0 || !resolved.path.includes(`${'/'}node_modules${'/'}`)) return undefined;
      return { path: resolved.path, external: true };
    });
  },
});

/** Builds both bundles into `outDir` (the launcher builds into a temporary folder and renames). */
export async function buildCli(outDir = LIB) {
  const sourcesAt = newestSource();
  const { build } = await import('esbuild');
  // The proxy's build makes the same replacement; its plugin is TypeScript, loaded here through tsx.
  const { tsImport } = await import('tsx/esm/api');
  const { precompiledValidators } = await tsImport(pathToFileURL(join(ROOT, 'src/proxy/precompiled-validators.ts')).href, import.meta.url);
  const { importMetaOffsets } = await tsImport(pathToFileURL(join(ROOT, 'src/synth/import-meta-scan.ts')).href, import.meta.url);
  const ownImportMeta = sourceImportMeta(importMetaOffsets);
  const { isEsModuleFile } = await tsImport(pathToFileURL(join(ROOT, 'src/synth/module-format.ts')).href, import.meta.url);
  const { precompiledSchemaChecks } = await tsImport(pathToFileURL(join(ROOT, 'src/synth/precompiled-schema-checks-build.ts')).href, import.meta.url);
  const { modelModulesInBundle, MODEL_PACKAGES } = await tsImport(pathToFileURL(join(ROOT, 'src/synth/model-modules-build.ts')).href, import.meta.url);
  const { asciiOnly } = await tsImport(pathToFileURL(join(ROOT, 'src/proxy/ascii-only.ts')).href, import.meta.url);
  // Made once, used by both bundles that validate (each plugin's setup runs per build).
  const validators = precompiledValidators('lazy');
  const schemaChecks = precompiledSchemaChecks();
  mkdirSync(outDir, { recursive: true });
  const common = {
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // isolate.ts forks the precompiled compile child when it runs from this build.
    define: { 'process.env.WEFT_CLI_ENTRY': '"bundle"' },
    logLevel: 'warning',
    // `module` fields first would pick a package's ES build where Node picks its `main`.
    mainFields: ['main', 'module'],
  };
  await Promise.all([
    build({
      ...common,
      entryPoints: [join(ROOT, 'src/cli/precompiled.ts')],
      outfile: join(outDir, 'weft-cli.mjs'),
      // A bundled CommonJS dependency may `require` Node's built-ins; an ES module has no `require`.
      banner: { js: "import { createRequire as __weftCreateRequire } from 'node:module'; const require = __weftCreateRequire(import.meta.url);" },
      plugins: [ownImportMeta],
    }),
    build({
      ...common,
      entryPoints: [join(ROOT, 'src/synth/compiler-bundle.ts')],
      outfile: join(outDir, 'weft-compiler.cjs'),
      format: 'cjs',
      metafile: true,
      // The weft target validates every proxy config it emits: with ajv's standalone code, the
      // compile child neither loads ajv nor generates validator code at every run.
      // The schema check's Istio validators likewise (src/synth/precompiled-schema-checks-build.ts).
      // The schema check's kubernetes-models classes likewise come from the cache (src/synth/model-modules-build.ts).
      plugins: [validators, schemaChecks, modelModulesInBundle(), ownImportMeta, externalPackagesByPath([...IN_COMPILER_BUNDLE, ...MODEL_PACKAGES])],
    }).then((result) => withEsmExternalsLine(join(outDir, 'weft-compiler.cjs'), result.metafile, isEsModuleFile)),
    build({
      ...common,
      entryPoints: [join(ROOT, 'src/cli/commands-bundle.ts')],
      outfile: join(outDir, 'weft-commands.mjs'),
      banner: { js: "import { createRequire as __weftCreateRequire } from 'node:module'; const require = __weftCreateRequire(import.meta.url);" },
      plugins: [validators, schemaChecks, ownImportMeta, externalPackagesByPath()],
    }),
  ]);
  // One byte per character in V8's copy of each bundle's source (src/proxy/ascii-only.ts).
  for (const bundle of ['weft-cli.mjs', 'weft-compiler.cjs', 'weft-commands.mjs']) writeFileSync(join(outDir, bundle), asciiOnly(readFileSync(join(outDir, bundle), 'utf8')));
  writeFileSync(join(outDir, 'weft-cli.json'), JSON.stringify({ root: ROOT, sourcesAt }) + '\n');
}

/**
 * Builds into a fresh folder beside lib/ and renames each file into place: a concurrent run
 * never reads half a bundle, and the stamp is renamed last.
 */
export async function rebuild() {
  const tmp = join(LIB, `.build-${process.pid}-${Date.now()}`);
  try {
    await buildCli(tmp);
    for (const name of ['weft-cli.mjs', 'weft-compiler.cjs', 'weft-commands.mjs', 'weft-cli.json']) renameSync(join(tmp, name), join(LIB, name));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  await rebuild();
  process.stderr.write(`built ${CLI_BUNDLE} and ${COMPILER_BUNDLE}\n`);
}
