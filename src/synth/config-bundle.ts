import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, extname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Plugin } from 'esbuild';
import { importMetaOffsets } from './import-meta-scan';

/** Where the precompiled compiler is, so that mesh.config.ts's `import … from 'weft'` loads it. */
export interface ConfigBundleOptions {
  /** Weft's public API in the sources (src/index.ts): `import … from 'weft'` resolves to it. */
  publicApiFile: string;
  /** The module the public API is served from instead: the precompiled compiler already loaded. */
  publicApiUrl: string;
  /** Weft's source folder (with a trailing separator): any other file in it is a deep import. */
  sourcePrefix: string;
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
 * - packages are not bundled: each is imported by the absolute path of the file esbuild
 *   resolves for it with Node's conditions, so a package the compiler imports too (cdk8s) is
 *   the same module instance;
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
  const { build } = await import('esbuild');
  const folder = join(tmpdir(), `weft-config-${process.pid}`);
  const outfile = join(folder, `config-${++loads}.mjs`);
  let deepImport: string | undefined;
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
    plugins: [
      weftResolution(options, (deep) => (deepImport ??= deep)),
      ownImportMeta(),
    ],
  }).catch((error: unknown) => {
    if (deepImport !== undefined) throw new DeepImportError(deepImport);
    throw error;
  });
  if (deepImport !== undefined) throw new DeepImportError(deepImport);
  mkdirSync(folder, { recursive: true });
  writeFileSync(outfile, result.outputFiles[0]!.contents);
  try {
    const exports = (await import(pathToFileURL(outfile).href)) as Record<string, unknown>;
    const inputs = Object.keys(result.metafile.inputs).map((input) => join(dirname(file), input));
    return { exports, inputs };
  } finally {
    // The module and its source map are loaded; the file is no longer needed.
    rmSync(outfile, { force: true });
  }
}

/** Removes the temporary folder of this process's config builds. */
export function removeConfigBundles(): void {
  rmSync(join(tmpdir(), `weft-config-${process.pid}`), { recursive: true, force: true });
}

/** Packages stay external (by absolute path), the public API is the compiler, other Weft sources are refused. */
function weftResolution(options: ConfigBundleOptions, onDeepImport: (file: string) => void): Plugin {
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
        if (resolved.path.includes('/node_modules/')) return { path: pathToFileURL(resolved.path).href, external: true };
        return { path: resolved.path };
      });
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

/** As long as `import.meta` (11 characters) with its `()`. */
const META = '__wm_meta';
