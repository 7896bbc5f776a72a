/**
 * Turns off zod's JIT for the precompiled compiler (imported first by compiler-bundle.ts, so
 * that it runs before any schema is built: zod reads the setting when it builds an object
 * schema). zod 4 parses an object through code it generates with `new Function` on the
 * schema's first parse (its "fastpass"); that code is compiled anew at every cold start, since
 * V8's code cache (compiler-script.mjs) holds only the bundle's own functions, while the
 * interpreted parser it replaces comes from the cache. A compile child parses each schema a
 * few times (the example), or a few thousand times (1,000 services), so the generated code
 * never pays for its compilation: measured in docs/performance.md ("Start-up of the compile
 * child, seventh pass"). Results and issues are the same either way.
 * @see node_modules/zod/v4/core/core.d.ts `$ZodConfig.jitless` ("Disable JIT schema compilation"), set through `z.config`
 */
import { z } from 'zod';

z.config({ jitless: true });
