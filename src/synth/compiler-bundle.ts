/**
 * Entry of the precompiled compiler, lib/weft-compiler.mjs (src/cli/build.mjs bundles it; the
 * precompiled compile child, compile-child.mjs, runs it). It carries Weft's public API too:
 * mesh.config.ts's `import … from 'weft'` resolves to this same module (config-bundle.ts),
 * so the constructs the config builds are the classes the compiler checks against.
 */
export * from '../index';
export { serveCompileRequests } from './isolate-child';
export { importBundledConfig, removeConfigBundles } from './config-bundle';
