import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, extname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Plugin } from 'esbuild';
import { importMetaOffsets } from './import-meta-scan';
import { isEsModuleFile } from './module-format';

/** Where the precompiled compiler is, so that mesh.config.ts's `import … from 'weft'` loads it. */
export interface ConfigBundleOptions {
  /** Weft's public API in the sources (src/index.ts): `import … from 'weft'` resolves to it. */
  publicApiFile: string;
  /** The module the public API is served from instead: the precompiled compiler already loaded. */
  publicApiUrl: string;
  /** Weft's source folder (with a trailing separator): any other file in it is a deep import. */
  sourcePrefix: string;
  /**
   * The caller's own `import()`, which imports the built config. The precompiled compiler runs
   * from V8's code cache (compiler-script.mjs), where Node 20 gives code no `import()` of its own.
   */
  importModule: (url: string) => Promise<Record<string, unknown>>;
}

/**
 * mesh.config.ts imports a Weft source file that the precompiled bundle has no module for.
 * The compile child reports it to its parent, which compiles from the sources; a precompiled
 * command that loads the config in its own process (`rerun`) ends, and the launcher runs the
 * whole command from the sources instead (src/cli/commands-bundle.ts).
 */
export class DeepImportError extends Error {
  constructor(
    readonly file: string,
    readonly rerun = false,
  ) {
    super(`${file} is part of Weft's sources but not of its public API; the compile runs from the sources`);
  }
}

/** TypeScript and JavaScript the config can import; esbuild loads JSON and the rest itself. */
const LOADERS: Readonly<Record<string, 'ts' | 'tsx' | 'js' | 'jsx'>> = { '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.tsx': 'tsx', '.js': 'js', '.mjs': 'js', '.cjs': 'js', '.jsx': 'jsx' };

let loads = 0;

/**
 * Imports mesh.config.ts in the precompiled compile child (compile-child.mjs) without tsx: the
 * config and the files it imports are compiled into one ES module by esbuild (the compiler tsx
 * itself runs), written to a temporary file with an inline source map, and imported natively.
 * Registering tsx's loader hooks cost the child a loader thread and ~0.2 s of start-up before the
 * first line of the config ran; one esbuild build of the example takes ~20 ms.
 *
 * What the config sees is what it saw through tsx:
 * - packages are not bundled: each is loaded from the file esbuild resolves for it with Node's
 *   conditions, so a package the compiler loads too (constructs) is the same module instance.
 *   A CommonJS package is required (requiredPackage), which is what Node's import of it does
 *   too, minus a lexer pass over every file it re-exports (cdk8s: ~80 ms of CPU); an ES module
 *   package is imported by its absolute path;
 * - `import … from 'weft'` is the precompiled compiler itself (its constructs are the classes
 *   the compiler checks against); any other Weft source file is a DeepImportError, and the
 *   parent compiles from the sources;
 * - `import.meta.url`, `import.meta.filename` and `import.meta.dirname` are each file's own;
 * - stack traces and construct locations point into the original files: the child enables
 *   source maps (@see https://nodejs.org/api/process.html#processsetsourcemapsenabledval).
 *
 * Every call builds afresh under a new file name, so the warm child of `weft synth --watch`
 * runs the current version of every file. Returns the module's exports and the files it was
 * built from (esbuild's metafile), for the watcher.
 */
export async function importBundledConfig(file: string, options: ConfigBundleOptions): Promise<{ exports: Record<string, unknown>; inputs: string[] }> {
  const { build } = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
  const folder = join(tmpdir(), `weft-config-${process.pid}`);
  const outfile = join(folder, `config-${++loads}.mjs`);
  let deepImport: string | undefined;
  /** The specifier each required package file was imported by (asNodeLinkError). */
  const requiredAs = new Map<string, string>();
  const result = await build({
    entryPoints: [file],
    absWorkingDir: dirname(file),
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: `node${process.versions.node.split('.')[0]}`,
    // Node's own resolution: the `import`/`node`/`default` conditions, a package's `main` first.
    conditions: [],
    mainFields: ['main', 'module'],
    outfile,
    write: false,
    sourcemap: 'inline',
    sourcesContent: false,
    metafile: true,
    logLevel: 'silent',
    banner: { js: `import { createRequire as __weftCreateRequire } from 'node:module'; const ${REQUIRE} = __weftCreateRequire(import.meta.url);` },
    plugins: [
      weftResolution(options, (deep) => (deepImport ??= deep), requiredAs),
      ownImportMeta(),
    ],
  }).catch((error: unknown) => {
    if (deepImport !== undefined) throw new DeepImportError(deepImport);
    throw asNodeLinkError(error, requiredAs);
  });
  if (deepImport !== undefined) throw new DeepImportError(deepImport);
  mkdirSync(folder, { recursive: true });
  writeFileSync(outfile, result.outputFiles[0]!.contents);
  try {
    const exports = await options.importModule(pathToFileURL(outfile).href);
    const inputs = Object.keys(result.metafile.inputs).map((input) => join(dirname(file), input));
    return { exports, inputs };
  } finally {
    // The module and its source map are loaded; the file is no longer needed.
    rmSync(outfile, { force: true });
  }
}

/** The global through which the module of publicApiModule reaches the API. */
const PUBLIC_API = Symbol.for('weft.publicApi');

/**
 * An ES module that exports every export of `api` (the precompiled compiler, which runs as a
 * script and so has no module URL of its own: compiler-script.mjs), for `publicApiUrl`. Its
 * exports are named, so that an import of a name Weft does not export fails when the config is
 * linked, as an import from any module does. Written into this process's config folder.
 */
export function publicApiModule(api: Record<string, unknown>): string {
  (globalThis as Record<symbol, unknown>)[PUBLIC_API] = api;
  const names = Object.keys(api).filter((name) => name !== '__esModule' && name !== 'default');
  const folder = join(tmpdir(), `weft-config-${process.pid}`);
  const file = join(folder, 'weft-public-api.mjs');
  mkdirSync(folder, { recursive: true });
  writeFileSync(
    file,
    `const api = globalThis[Symbol.for('weft.publicApi')];\n` +
      names.map((name, i) => `const e${i} = api[${JSON.stringify(name)}];\n`).join('') +
      `export { ${names.map((name, i) => `e${i} as ${JSON.stringify(name)}`).join(', ')} };\n`,
  );
  return pathToFileURL(file).href;
}

/** Removes the temporary folder of this process's config builds. */
export function removeConfigBundles(): void {
  rmSync(join(tmpdir(), `weft-config-${process.pid}`), { recursive: true, force: true });
}

/** Packages stay external (by absolute path), the public API is the compiler, other Weft sources are refused. */
function weftResolution(options: ConfigBundleOptions, onDeepImport: (file: string) => void, requiredAs: Map<string, string>): Plugin {
  return {
    name: 'weft-config-resolution',
    setup(b) {
      b.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === 'weft-inner' || args.kind === 'entry-point') return undefined;
        const resolved = await b.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, importer: args.importer, pluginData: 'weft-inner' });
        if (resolved.errors.length > 0 || resolved.external) return undefined; // esbuild reports it / a Node built-in
        if (resolved.path === options.publicApiFile) return { path: options.publicApiUrl, external: true };
        if (resolved.path.startsWith(options.sourcePrefix)) {
          onDeepImport(resolved.path);
          return { errors: [{ text: `${resolved.path} is not part of Weft's public API` }] };
        }
        if (resolved.path.includes('/node_modules/')) {
          if (!/\.c?js$/.test(resolved.path) || isEsModuleFile(resolved.path)) return { path: pathToFileURL(resolved.path).href, external: true };
          if (!requiredAs.has(resolved.path)) requiredAs.set(resolved.path, args.path);
          return { path: resolved.path, namespace: REQUIRED };
        }
        return { path: resolved.path };
      });
      b.onLoad({ filter: /.*/, namespace: REQUIRED }, (args) => ({ contents: requiredPackage(args.path), loader: 'js' }));
    },
  };
}

/**
 * Each of the config's own files keeps its own `import.meta.url`, `.filename` and `.dirname`.
 * Each `import.meta` in the code (import-meta-scan.ts: not in strings or comments) becomes a
 * call of the same length to a function declared after the last line, so that no line or column moves (stack traces and construct locations are mapped through the
 * source map of exactly this text); esbuild renames the function apart in each file.
 */
function ownImportMeta(): Plugin {
  return {
    name: 'weft-config-import-meta',
    setup(b) {
      b.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, (args) => {
        if (args.path.includes('/node_modules/')) return undefined;
        const loader = LOADERS[extname(args.path)];
        if (!loader) return undefined;
        const text = readFileSync(args.path, 'utf8');
        const offsets = importMetaOffsets(text);
        if (offsets.length === 0) return { contents: text, loader };
        const meta = { url: pathToFileURL(args.path).href, filename: args.path, dirname: dirname(args.path) };
        let replaced = '';
        let from = 0;
        for (const at of offsets) {
          replaced += `${text.slice(from, at)}${META}()`;
          from = at + 'import.meta'.length;
        }
        return { contents: `${replaced}${text.slice(from)}\nfunction ${META}() { return ${JSON.stringify(meta)}; }\n`, loader };
      });
    },
  };
}

/** The namespace of CommonJS packages the config requires, and the config bundle's `require` (its banner). */
const REQUIRED = 'weft-required';
const REQUIRE = '__weftRequire';

/**
 * An ES module over a CommonJS package, as Node's import of it makes one: `default` is its
 * `module.exports`, and each of its properties is a named export (taken when the config is
 * built; the package is loaded then, once per process), so that an import of a name the
 * package lacks fails the build, as it fails to link under Node.
 * @see https://nodejs.org/api/esm.html#commonjs-namespaces
 */
function requiredPackage(file: string): string {
  const exports: unknown = createRequire(import.meta.url)(file);
  const names = exports !== null && (typeof exports === 'object' || typeof exports === 'function') ? Object.keys(exports).filter((n) => n !== 'default' && n !== '__esModule') : [];
  return (
    `const m = ${REQUIRE}(${JSON.stringify(file)});\n` +
    names.map((name, i) => `const e${i} = m[${JSON.stringify(name)}];\n`).join('') +
    `export { m as default${names.map((name, i) => `, e${i} as ${JSON.stringify(name)}`).join('')} };\n`
  );
}

/**
 * esbuild checks an import of a name a required package lacks (Node checks it when it links the
 * module): its message then says what Node's says, about the package the config named, at the
 * import's own line and column (load.ts reads esbuild's structured errors).
 */
function asNodeLinkError(error: unknown, requiredAs: ReadonlyMap<string, string>): unknown {
  const errors = (error as { errors?: { text?: string }[] } | undefined)?.errors;
  for (const e of Array.isArray(errors) ? errors : []) {
    const m = /^No matching export in "weft-required:(.+)" for import "(.+)"$/.exec(e.text ?? '');
    if (m) e.text = `The requested module '${requiredAs.get(m[1]!) ?? m[1]}' does not provide an export named '${m[2]}'`;
  }
  return error;
}

/** As long as `import.meta` (11 characters) with its `()`. */
const META = '__wm_meta';
