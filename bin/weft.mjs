#!/usr/bin/env node
// `weft synth` runs the precompiled CLI (src/cli/launch.mjs builds lib/weft-cli.mjs when it is
// missing or stale) and `weft proxy` the precompiled proxy (src/proxy/launch.mjs); both start
// without tsx. The other commands load mesh.config.ts in their own process, so tsx compiles
// them in-process and `mesh.config.ts` is loaded by the same loader.
const [name, ...args] = process.argv.slice(2);
const help = args.includes('--help') || args.includes('-h');

// `weft proxy` runs the precompiled proxy bundle, without tsx (see src/proxy/launch.mjs).
const ranBundle = name === 'proxy' && !help && (await (await import('../src/proxy/launch.mjs')).launchProxy(args));
const exitCode = ranBundle || name === undefined ? undefined : await (await import('../src/cli/launch.mjs')).launchPrecompiled(name, args);
if (exitCode !== undefined) process.exitCode = exitCode;
else if (!ranBundle) {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('../src/cli/main.ts');
  process.exitCode = await main(process.argv.slice(2));
}
