/**
 * Builds the precompiled proxy, `lib/weft-proxy.mjs` (`npm run build:proxy`; another output
 * file may be given as the first argument): src/proxy/main.ts
 * and everything it imports bundled by esbuild into one ES module that needs only Node's
 * built-ins — no tsx, no TypeScript, no node_modules at run time. Four things differ from
 * running the sources:
 * - config validation is ajv's standalone code, generated here for exactly the validators
 *   ./config/validators.ts would compile at run time (the document and each union branch, by
 *   JSON pointer, same options), so ajv itself is not in the bundle; the validators are packed
 *   (compressed) and compiled only while a config loads (./precompiled-validators.ts);
 * - the data path needs no npm package at all: the HTTP/1.1 codec and upstream pool are the
 *   proxy's own (src/proxy/http1/, server/http1/, cluster/http1-pool.ts);
 * - the file is pure ASCII (./ascii-only.ts);
 * - Node's built-in modules are taken through `require`, so that no lazy getter of theirs runs
 *   (./builtin-imports.ts: on Node 24, 17 MB RSS).
 * The file is written under a temporary name and renamed, so a reader never sees half of it.
 * esbuild comes with tsx (a dependency), as does the loader this script runs under.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { asciiOnly } from './ascii-only';
import { builtinsThroughRequire } from './builtin-imports';
import { precompiledValidators } from './precompiled-validators';

const root = fileURLToPath(new URL('../..', import.meta.url));
const outfile = process.argv[2] ?? `${root}lib/weft-proxy.mjs`;

const result = await build({
  entryPoints: [fileURLToPath(new URL('./main.ts', import.meta.url))],
  outfile,
  write: false,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  charset: 'ascii',
  plugins: [precompiledValidators('packed'), builtinsThroughRequire()],
  // The proxy logs where it runs from ("entry":"bundle" in its start-up line).
  define: { 'process.env.WEFT_PROXY_ENTRY': '"bundle"' },
  logLevel: 'warning',
});
const tmp = `${outfile}.${process.pid}.tmp`;
writeFileSync(tmp, asciiOnly(result.outputFiles[0]!.text));
renameSync(tmp, outfile);
