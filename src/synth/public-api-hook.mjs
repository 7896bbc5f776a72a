/**
 * Module resolve hook of the source compile child (source-child.ts), registered after tsx so
 * that it runs first (@see https://nodejs.org/api/module.html#customization-hooks: hooks run
 * last-registered first). Plain JavaScript: it runs on Node's loader thread, not through tsx.
 *
 * The config's own files (not Weft's, not packages) inherit its `?weft-load=N` query, so that
 * each load in a long-lived child (`weft synth --watch` from the sources) runs the current
 * version of every file it imports, not a cached one. (The precompiled child needs no hook: it
 * bundles the config afresh at every load, src/synth/config-bundle.ts.)
 */
let sourcePrefix = '';

export function initialize(data) {
  ({ sourcePrefix = '' } = data);
}

const LOAD_QUERY = /[?&](weft-load=\d+)/;

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  if (!resolved.url.startsWith('file:')) return resolved;
  const path = resolved.url.replace(/[?#].*$/, '');
  const load = context.parentURL && LOAD_QUERY.exec(context.parentURL);
  if (load && !path.includes('/node_modules/') && !(sourcePrefix && path.startsWith(sourcePrefix)) && resolved.url === path) return { ...resolved, url: `${path}?${load[1]}` };
  return resolved;
}
