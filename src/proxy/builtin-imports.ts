/**
 * The esbuild plugin with which the proxy's bundle (./build.ts) takes Node's built-in modules
 * through `require` instead of ES `import`. Importing a built-in as an ES module makes Node build
 * its namespace from every export, which reads every property — and runs lazy getters. On Node 24
 * `node:http`'s `WebSocket`, `CloseEvent` and `MessageEvent` getters load the bundled undici
 * (with http2, zlib, worker_threads, perf_hooks, assert, readline behind it): +7 MB anonymous and
 * +10 MB file-backed RSS for a proxy that uses none of it (bench/proxy/memory.ts;
 * docs/performance.md#proxy-memory). `require` returns the module object and reads nothing.
 *
 * Each `node:x` import becomes a small module: `require('node:x')` once, then a named export per
 * property of the module as the build's Node has it, each read through a call marked
 * `@__PURE__`, so that esbuild drops the exports nothing imports: only the properties the proxy
 * uses are read (`net.BlockList` is a lazy getter too, and is used).
 *
 * A dynamic `import('node:x')` needs the whole namespace, and esbuild would then build it from
 * every one of those exports — reading every property after all (on Node 24 `fs.F_OK` prints a
 * deprecation warning at each start). It gets a CommonJS module instead, `module.exports =
 * process.getBuiltinModule('node:x')`, whose namespace esbuild's `__toESM` builds from property
 * getters: nothing is read until it is used.
 *
 * Both take the module with `process.getBuiltinModule` (Node 20.16+, 22.3+) rather than
 * `createRequire(import.meta.url)`: the proxy needs nothing else of `node:module`, and loading it
 * (with the source-map support behind it) costs 0.12 MB RSS on Node 24 for the life of the
 * process (docs/performance.md, "Proxy memory on Node 24, ninth pass").
 * @see https://nodejs.org/api/process.html#processgetbuiltinmoduleid
 * @see https://esbuild.github.io/api/#pure
 * @see https://nodejs.org/api/esm.html#builtin-modules (named exports of built-in modules)
 */
import { createRequire } from 'node:module';
import type { Plugin } from 'esbuild';

const require = createRequire(import.meta.url);
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** The names a built-in module can export (its own properties that are identifiers). */
export function exportNames(specifier: string): string[] {
  return Object.getOwnPropertyNames(require(specifier) as object)
    .filter((name) => name !== 'default' && IDENTIFIER.test(name))
    .sort();
}

export function builtinsThroughRequire(): Plugin {
  return {
    name: 'weft-builtins-through-require',
    setup(b) {
      b.onResolve({ filter: /^node:/ }, (args) => ({ path: args.path, namespace: args.kind === 'dynamic-import' ? 'weft-builtin-dynamic' : 'weft-builtin' }));
      b.onLoad({ filter: /.*/, namespace: 'weft-builtin-dynamic' }, (args) => ({
        loader: 'js',
        contents: `module.exports = process.getBuiltinModule(${JSON.stringify(args.path)});`,
      }));
      b.onLoad({ filter: /.*/, namespace: 'weft-builtin' }, (args) => ({
        loader: 'js',
        contents: [
          `const m = process.getBuiltinModule(${JSON.stringify(args.path)});`,
          'export default m;',
          'const pick = (name) => m[name];',
          ...exportNames(args.path).map((name) => `export const ${name} = /* @__PURE__ */ pick(${JSON.stringify(name)});`),
        ].join('\n'),
      }));
    },
  };
}
