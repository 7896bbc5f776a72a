/**
 * Entry of the precompiled compiler, lib/weft-compiler.cjs (src/cli/build.mjs bundles it; the
 * precompiled compile child, compile-child.mjs, runs it through compiler-script.mjs). It carries
 * Weft's public API too: mesh.config.ts's `import … from 'weft'` resolves to these same exports
 * (config-bundle.ts `publicApiModule`), so the constructs the config builds are the classes the
 * compiler checks against.
 */
// First: zod reads its JIT setting as each schema is built.
import './zod-jitless';

export * from '../index';
export { serveCompileRequests } from './isolate-child';
export { importBundledConfig, publicApiModule, removeConfigBundles } from './config-bundle';
