/**
 * Runs the precompiled compiler, lib/weft-compiler.cjs, as a script with V8's code cache: the
 * compile child (compile-child.mjs) starts with the compiled code of the last run instead of
 * parsing and compiling the bundle again, and the functions that run compiled then (the
 * compile, not only the top level) come from the cache too. Plain JavaScript: it runs before
 * the compiler exists.
 *
 * Node 20 caches no ES module's code (`module.enableCompileCache` is Node ≥ 22.1, and it is
 * enabled there for the packages), so the bundle is CommonJS run through `vm.Script` with
 * `cachedData`, and `createCachedData()` after the run: the way v8-compile-cache does it.
 * @see https://nodejs.org/api/vm.html#scriptcreatecacheddata
 * @see https://nodejs.org/api/vm.html#new-vmscriptcode-options (cachedData, cachedDataRejected)
 *
 * The cache is never needed for correctness: a missing, unreadable, stale or corrupt file is
 * ignored and replaced at exit. Each file is keyed by Node version and architecture and
 * carries the SHA-256 of the bundle it was made from and of its own data: V8 checks only its
 * own version, flags and the source's length before using the data, so a rebuilt bundle of the
 * same length, or a damaged file, must not reach it. It lives in lib/.cache (git-ignored, next
 * to the build it belongs to); a folder that cannot be written just means no cache.
 *
 * The bundle's packages are required by absolute path. Those that are ES modules (its first
 * line lists them, src/cli/build.mjs; none today: zod and re2js are bundled in) cannot be
 * required on Node 20: they are imported here first and handed to the bundle's `require`. Code run from the cache has no `import()` on
 * Node 20 (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING), so the bundle has none (the build refuses
 * one): the config is imported through the caller's `import()` (config-bundle.ts `importModule`).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Script } from 'node:vm';

/** Written by src/cli/build.mjs (ESM_EXTERNALS_LINE) as the bundle's first line. */
const ESM_EXTERNALS_LINE = '// weft-esm-externals ';
/** A cache file: this, the SHA-256 of the bundle's bytes, the SHA-256 of the data, the data. */
const MAGIC = Buffer.from('weft-v8-code-cache 1\n');
const HASH_BYTES = 32;

const sha256 = (bytes) => createHash('sha256').update(bytes).digest();

/**
 * @typedef {'accepted' | 'absent' | 'stale' | 'corrupt' | 'rejected'} CodeCacheState
 * `stale`: made from another bundle; `corrupt`: its data does not match its hash;
 * `rejected`: V8 refused it (another V8 or other flags).
 */

/**
 * Runs the bundle and returns its exports, and what became of the cache.
 * @param {string} file the bundle
 * @param {string} [cacheDir]
 * @returns {Promise<{ exports: Record<string, unknown>; codeCache: CodeCacheState }>}
 */
export async function runCompilerScript(file, cacheDir = join(dirname(file), '.cache')) {
  const bytes = readFileSync(file);
  const source = bytes.toString('utf8');
  const bundleHash = sha256(bytes);
  const firstLine = source.slice(0, source.indexOf('\n'));
  const esm = firstLine.startsWith(ESM_EXTERNALS_LINE) ? JSON.parse(firstLine.slice(ESM_EXTERNALS_LINE.length)) : [];
  const imported = new Map(await Promise.all(esm.map(async (path) => [path, await import(pathToFileURL(path).href)])));
  const nodeRequire = createRequire(file);
  const bundleRequire = Object.assign((id) => (imported.has(id) ? imported.get(id) : nodeRequire(id)), { resolve: nodeRequire.resolve, cache: nodeRequire.cache });

  const cacheFile = join(cacheDir, `${basename(file)}-${process.version}-${process.arch}.v8`);
  const cached = readCache(cacheFile, bundleHash);
  // The wrapper Node gives every CommonJS module, on the bundle's first line: line numbers stay.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: file, cachedData: cached.data });
  /** @type {CodeCacheState} */
  const codeCache = cached.data && script.cachedDataRejected ? 'rejected' : cached.state;
  const module = { exports: {} };
  script.runInThisContext()(module.exports, bundleRequire, module, file, dirname(file));
  // At exit the compile has run: the cache then holds the code of every function it compiled.
  if (codeCache !== 'accepted') process.once('exit', () => writeCache(cacheFile, bundleHash, script));
  return { exports: module.exports, codeCache };
}

/** @returns {{ data?: Buffer; state: CodeCacheState }} */
function readCache(cacheFile, bundleHash) {
  let file;
  try {
    file = readFileSync(cacheFile);
  } catch {
    return { state: 'absent' };
  }
  const header = MAGIC.length + 2 * HASH_BYTES;
  if (file.length <= header || !file.subarray(0, MAGIC.length).equals(MAGIC)) return { state: 'corrupt' };
  if (!file.subarray(MAGIC.length, MAGIC.length + HASH_BYTES).equals(bundleHash)) return { state: 'stale' };
  const data = file.subarray(header);
  if (!sha256(data).equals(file.subarray(MAGIC.length + HASH_BYTES, header))) return { state: 'corrupt' };
  return { data, state: 'accepted' };
}

/** Written under a private name and renamed: a concurrent child never reads half a file. */
function writeCache(cacheFile, bundleHash, script) {
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  try {
    const data = script.createCachedData();
    mkdirSync(dirname(cacheFile), { recursive: true });
    writeFileSync(tmp, Buffer.concat([MAGIC, bundleHash, sha256(data), data]));
    renameSync(tmp, cacheFile);
  } catch {
    // No cache (a read-only install, a full disk): the next run compiles the bundle again.
    try {
      rmSync(tmp, { force: true });
    } catch {
      // nothing was written
    }
  }
}
