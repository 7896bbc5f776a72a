#!/usr/bin/env node
// Every command runs precompiled (src/cli/launch.mjs builds lib/ when it is missing or stale)
// and `weft proxy` runs the precompiled proxy (src/proxy/launch.mjs); neither starts tsx.
// `--from-source`, a failed build, or a mesh.config.ts that imports a Weft source file other
// than the public API runs the command from the TypeScript sources through tsx instead.
import * as nodeModule from 'node:module';

// Node ≥ 22.1 caches V8's compiled code of the bundles on disk (none on Node 20):
// @see https://nodejs.org/api/module.html#module-compile-cache
nodeModule.enableCompileCache?.();
const [name, ...args] = process.argv.slice(2);
const help = args.includes('--help') || args.includes('-h');

// `weft proxy` runs the precompiled proxy bundle, without tsx (see src/proxy/launch.mjs).
const ranBundle = name === 'proxy' && !help && (await (await import('../src/proxy/launch.mjs')).launchProxy(args));
const exitCode = ranBundle ? undefined : await (await import('../src/cli/launch.mjs')).launchPrecompiled(name, args);
if (exitCode !== undefined) process.exitCode = exitCode;
else if (!ranBundle) {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('../src/cli/main.ts');
  // `--from-source` was for this launcher; the commands do not take it.
  process.exitCode = await main(process.argv.slice(2).filter((a) => a !== '--from-source'));
}
