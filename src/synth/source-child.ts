/**
 * The compile child run from Weft's TypeScript sources through tsx (isolate.ts forks it with
 * `--import tsx`): when Weft itself runs from source (tests, `--from-source`), or when
 * mesh.config.ts imports a Weft source file that the precompiled child has no module for.
 * public-api-hook.mjs gives the config's files its `?weft-load=N` query: the warm child of
 * `--watch` then imports the current version of every file of the config.
 */
import { register } from 'node:module';
import { serveCompileRequests } from './isolate-child';

register('./public-api-hook.mjs', import.meta.url, { data: { sourcePrefix: new URL('../', import.meta.url).href } });
serveCompileRequests();
