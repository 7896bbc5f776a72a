/**
 * Builds the precompiled proxy, `lib/weft-proxy.mjs` (`npm run build:proxy`; another output
 * file may be given as the first argument): src/proxy/main.ts
 * and everything it imports bundled by esbuild into one ES module that needs only Node's
 * built-ins — no tsx, no TypeScript, no node_modules at run time. Two things differ from
 * running the sources:
 * - config validation is ajv's standalone code, generated here for exactly the validators
 *   ./config/validators.ts would compile at run time (the document and each union branch, by
 *   JSON pointer, same options), so ajv itself is not in the bundle;
 * - the data path needs no npm package at all: the HTTP/1.1 codec and upstream pool are the
 *   proxy's own (src/proxy/http1/, server/http1/, cluster/http1-pool.ts).
 * esbuild comes with tsx (a dependency), as does the loader this script runs under.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { precompiledValidators } from './precompiled-validators';

const root = fileURLToPath(new URL('../..', import.meta.url));

await build({
  entryPoints: [fileURLToPath(new URL('./main.ts', import.meta.url))],
  outfile: process.argv[2] ?? `${root}lib/weft-proxy.mjs`,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // CommonJS dependencies (ajv's standalone validators) require Node built-ins; an ES module has no `require`.
  banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  plugins: [precompiledValidators()],
  // The proxy logs where it runs from ("entry":"bundle" in its start-up line).
  define: { 'process.env.WEFT_PROXY_ENTRY': '"bundle"' },
  logLevel: 'warning',
});
