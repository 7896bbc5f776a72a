/**
 * Module resolve hook of the precompiled compile child (compile-child.mjs), registered after
 * tsx so that it runs first (@see https://nodejs.org/api/module.html#customization-hooks:
 * hooks run last-registered first). Plain JavaScript: it runs on Node's loader thread, not
 * through tsx.
 *
 * - Weft's public API (`import … from 'weft'`, or the file src/index.ts by a path) resolves to
 *   the bundle the child already runs, lib/weft-compiler.mjs, so the Mesh that mesh.config.ts
 *   builds is the compiler's own class, not a second copy loaded from the sources.
 * - Any other file of Weft's sources (a deep import such as src/constructs/service.ts) has no
 *   module of its own in the bundle: resolving it fails, before any module of the config has
 *   run (ES modules link their whole static graph first), and the child asks its parent to run
 *   the compile from the sources instead (isolate.ts), with the same result, only slower.
 * - The config's own files (not Weft's, not packages) inherit its `?weft-load=N` query, so that each load in a long-lived
 *   child (`weft synth --watch`) runs the current version of every file it imports, not a
 *   cached one.
 */
let bundleUrl = '';
let sourcePrefix = '';
let publicApiUrl = '';
/** @type {import('node:worker_threads').MessagePort | undefined} */
let port;

/** The source child (source-child.ts) passes only `sourcePrefix`: it redirects nothing. */
export function initialize(data) {
  ({ bundleUrl = '', sourcePrefix = '', publicApiUrl = '', port } = data);
}

const LOAD_QUERY = /[?&](weft-load=\d+)/;

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  if (!resolved.url.startsWith('file:')) return resolved;
  const path = resolved.url.replace(/[?#].*$/, '');
  if (bundleUrl && path === publicApiUrl) return { ...resolved, url: bundleUrl, format: 'module', shortCircuit: true };
  if (bundleUrl && path.startsWith(sourcePrefix) && context.parentURL && !context.parentURL.startsWith(sourcePrefix)) {
    port?.postMessage({ deepImport: path });
    throw new Error(`weft: ${path} is part of Weft's sources but not of its public API; the compile runs from the sources`);
  }
  const load = context.parentURL && LOAD_QUERY.exec(context.parentURL);
  if (load && !path.includes('/node_modules/') && !(sourcePrefix && path.startsWith(sourcePrefix)) && resolved.url === path && path !== bundleUrl) return { ...resolved, url: `${path}?${load[1]}` };
  return resolved;
}
