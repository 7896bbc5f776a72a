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
 * - the file is pure ASCII (see `asciiOnly`);
 * - Node's built-in modules are taken through `require`, so that no lazy getter of theirs runs
 *   (./builtin-imports.ts: on Node 24, 17 MB RSS).
 * The file is written under a temporary name and renamed, so a reader never sees half of it.
 * esbuild comes with tsx (a dependency), as does the loader this script runs under.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { builtinsThroughRequire } from './builtin-imports';
import { precompiledValidators } from './precompiled-validators';

const root = fileURLToPath(new URL('../..', import.meta.url));
const outfile = process.argv[2] ?? `${root}lib/weft-proxy.mjs`;

/**
 * V8 keeps a script's source for the life of the process, one byte per character only when every
 * character is Latin-1; a single `—` in a kept comment doubles the whole bundle's share of the
 * heap (Node 20: 3.2 MB instead of 1.6 MB). esbuild escapes non-ASCII in strings, regular
 * expressions and identifiers (`charset: 'ascii'`, its default) but not in the comments it keeps,
 * so escape what is left: `\uXXXX` means the same character in any of those places, and is
 * just text in a comment.
 * @see https://esbuild.github.io/api/#charset
 * @see https://v8.dev/blog/pointer-compression (one-byte vs two-byte strings)
 */
function asciiOnly(code: string): string {
  return code.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

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
