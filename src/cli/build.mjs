/**
 * Builds the precompiled CLI (`npm run build`; src/cli/launch.mjs also runs it when the bundles
 * are missing or older than the sources): two ES modules made by esbuild from Weft's
 * TypeScript, so that `weft synth` starts without tsx compiling ~400 modules at every run.
 *
 * - lib/weft-cli.mjs (src/cli/precompiled.ts): the `weft synth` command, the process the user
 *   starts. Its dependencies are bundled in; it loads no package at start-up.
 * - lib/weft-compiler.mjs (src/synth/compiler-bundle.ts): the compiler and Weft's public API,
 *   run by the compile child (src/synth/compile-child.mjs). Packages stay external, each
 *   imported by the absolute path of the file Node would load, so that a package the config
 *   imports too is one module instance, and extension-less subpaths (`ajv/dist/2020`) load
 *   under Node's ES module resolution.
 *
 * - In lib/weft-compiler.mjs the proxy config validators the weft target runs are ajv's
 *   standalone code (src/proxy/precompiled-validators.ts, as in the proxy's own bundle).
 *
 * Both keep the source tree's view of `import.meta.url` (each module's own file URL, written
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
export const COMPILER_BUNDLE = join(LIB, 'weft-compiler.mjs');
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
  if (statSync(CLI_BUNDLE, { throwIfNoEntry: false }) === undefined || statSync(COMPILER_BUNDLE, { throwIfNoEntry: false }) === undefined) return 'a bundle is missing';
  if (newestSource() > stamp.sourcesAt) return 'the sources changed';
  return undefined;
}

/** Each source module sees its own file URL as `import.meta.url`, as when it runs from the sources. */
const sourceImportMeta = {
  name: 'weft-source-import-meta',
  setup(build) {
    build.onLoad({ filter: /\.[cm]?ts$/ }, (args) => {
      if (!args.path.startsWith(join(ROOT, 'src'))) return undefined;
      const text = readFileSync(args.path, 'utf8');
      return { contents: text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)), loader: 'ts' };
    });
  },
};

/** Packages stay outside the bundle, imported by the absolute path of the file Node loads for them. */
const externalPackagesByPath = {
  name: 'weft-external-packages',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.pluginData === 'weft-inner' || args.path.startsWith('node:')) return undefined;
      const resolved = await build.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, pluginData: 'weft-inner' });
      if (resolved.errors.length > 0 || !resolved.path.includes(`${'/'}node_modules${'/'}`)) return undefined;
      return { path: resolved.path, external: true };
    });
  },
};

/** Builds both bundles into `outDir` (the launcher builds into a temporary folder and renames). */
export async function buildCli(outDir = LIB) {
  const sourcesAt = newestSource();
  const { build } = await import('esbuild');
  // The proxy's build makes the same replacement; its plugin is TypeScript, loaded here through tsx.
  const { tsImport } = await import('tsx/esm/api');
  const { precompiledValidators } = await tsImport(pathToFileURL(join(ROOT, 'src/proxy/precompiled-validators.ts')).href, import.meta.url);
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
      plugins: [sourceImportMeta],
    }),
    build({
      ...common,
      entryPoints: [join(ROOT, 'src/synth/compiler-bundle.ts')],
      outfile: join(outDir, 'weft-compiler.mjs'),
      // ajv's standalone validators are CommonJS that `require` ajv's small runtime helpers.
      banner: { js: "import { createRequire as __weftCreateRequire } from 'node:module'; const require = __weftCreateRequire(import.meta.url);" },
      // The weft target validates every proxy config it emits: with ajv's standalone code, the
      // compile child neither loads ajv nor generates validator code at every run.
      plugins: [precompiledValidators(), sourceImportMeta, externalPackagesByPath],
    }),
  ]);
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
    for (const name of ['weft-cli.mjs', 'weft-compiler.mjs', 'weft-cli.json']) renameSync(join(tmp, name), join(LIB, name));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  await rebuild();
  process.stderr.write(`built ${CLI_BUNDLE} and ${COMPILER_BUNDLE}\n`);
}
