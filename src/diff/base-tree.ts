import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';
import { listPaths, readBlobs } from './git';

/**
 * The base revision's mesh.config.ts and every file it imports by a relative path, transitively,
 * read from the commit (not from the working tree) and written into a hidden folder at the top
 * of the repository, mirroring their repository paths: `<root>/.weft-diff-base-<pid>-<n>/…`.
 *
 * Bare imports (`weft`, `zod`, `node:*`) are left to Node's resolution, which walks up from the
 * mirror to the repository's own `package.json` (its `weft` self-reference) and `node_modules`,
 * so the base config is built with the *current* Weft and the traffic view compares like with
 * like. A `node_modules` folder between the config's folder and the top is linked into the
 * mirror, so that packages installed next to a config in a sub-folder still resolve.
 *
 * Relative specifiers are resolved as TypeScript's bundler resolution does: the path itself,
 * with a TypeScript or JavaScript extension added, a `.js` written for a `.ts` file, or a
 * folder's `index`. A specifier that names no file at the commit is left alone, so that loading
 * reports it (WEFT002) exactly as synth would have.
 * @see https://www.typescriptlang.org/docs/handbook/modules/reference.html#relative-file-path-resolution
 */
export interface BaseTree {
  /** The mirrored config, to load. */
  readonly configPath: string;
  /** Repository-relative paths of the files written (the config first). */
  readonly files: readonly string[];
  /** Removes the mirror. */
  dispose(): void;
}

let sequence = 0;

const EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.mjs', '.cjs', '.json'];
const JS_TO_TS: Record<string, string[]> = { '.js': ['.ts', '.tsx'], '.mjs': ['.mts'], '.cjs': ['.cts'] };

/** The file a relative specifier names, among the paths the commit has; undefined for none. */
export function resolveRelative(from: string, specifier: string, has: (path: string) => boolean): string | undefined {
  const target = posix.normalize(posix.join(posix.dirname(from), specifier));
  if (target.startsWith('../')) return undefined; // outside the repository
  const ext = posix.extname(target);
  const candidates = [
    target,
    ...EXTENSIONS.map((e) => target + e),
    ...(JS_TO_TS[ext] ?? []).map((e) => target.slice(0, -ext.length) + e),
    ...EXTENSIONS.map((e) => `${target}/index${e}`),
  ];
  return candidates.find(has);
}

/** The module specifiers one file imports, exports from, `import()`s or `require`s. */
async function specifiersOf(path: string, text: string): Promise<string[]> {
  if (path.endsWith('.json')) return [];
  const { default: ts } = await import('typescript');
  const info = ts.preProcessFile(text, true, true);
  return info.importedFiles.map((f) => f.fileName);
}

/**
 * Reads the config at `configRel` and its relative imports at `commit`, breadth first, one
 * `git cat-file --batch` per level, and writes them under a fresh mirror folder in `root`.
 */
export async function materializeBaseTree(root: string, commit: string, configRel: string): Promise<BaseTree | undefined> {
  const paths = new Set(listPaths(root, commit));
  if (!paths.has(configRel)) return undefined;
  const contents = new Map<string, string>();
  let level = [configRel];
  while (level.length) {
    const blobs = readBlobs(root, commit, level);
    const next = new Set<string>();
    for (const path of level) {
      const text = blobs.get(path)!;
      contents.set(path, text);
      for (const specifier of await specifiersOf(path, text)) {
        if (!specifier.startsWith('./') && !specifier.startsWith('../')) continue;
        const found = resolveRelative(path, specifier, (p) => paths.has(p));
        if (found && !contents.has(found) && !level.includes(found)) next.add(found);
      }
    }
    level = [...next].sort();
  }
  const mirror = join(root, `.weft-diff-base-${process.pid}-${++sequence}`);
  try {
    for (const [path, text] of contents) {
      const file = join(mirror, ...path.split('/'));
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, text);
    }
    linkNodeModules(root, mirror, posix.dirname(configRel));
  } catch (error) {
    rmSync(mirror, { recursive: true, force: true });
    throw error;
  }
  return {
    configPath: join(mirror, ...configRel.split('/')),
    files: [...contents.keys()],
    dispose: () => rmSync(mirror, { recursive: true, force: true }),
  };
}

/** Links `<dir>/node_modules` of each folder from the config's up to (not including) the top. */
function linkNodeModules(root: string, mirror: string, configDir: string): void {
  for (let dir = configDir; dir !== '.' && dir !== ''; dir = posix.dirname(dir)) {
    const modules = join(root, ...dir.split('/'), 'node_modules');
    if (!existsSync(modules)) continue;
    const link = join(mirror, ...dir.split('/'), 'node_modules');
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(relative(dirname(link), modules).split(sep).join('/'), link, 'dir');
  }
}
