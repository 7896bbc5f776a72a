#!/usr/bin/env node
// The CLI is TypeScript; tsx compiles it in-process so that users need no build step
// and `mesh.config.ts` is loaded by the same loader.

// `weft proxy` runs the precompiled proxy bundle, without tsx (see src/proxy/launch.mjs).
const proxyArgs = process.argv[2] === 'proxy' && !process.argv.includes('--help') && !process.argv.includes('-h') ? process.argv.slice(3) : null;
const ranBundle = proxyArgs !== null && (await (await import('../src/proxy/launch.mjs')).launchProxy(proxyArgs));
if (!ranBundle) {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('../src/cli/main.ts');
  process.exitCode = await main(process.argv.slice(2));
}
