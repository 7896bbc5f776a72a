/**
 * Entry of the precompiled commands, lib/weft-commands.mjs (src/cli/build.mjs bundles it;
 * bin/weft.mjs runs it through src/cli/launch.mjs): every command but `synth` (which has its
 * own, smaller bundle, src/cli/precompiled.ts) and `proxy` (src/proxy/launch.mjs). These
 * commands load mesh.config.ts in their own process, so the bundle is built like the compiler's
 * (packages outside it, imported by path) and carries Weft's public API: the config's
 * `import … from 'weft'` is this module, its `import … from 'cdk8s'` the package the commands
 * use. The config is compiled by esbuild (src/synth/config-bundle.ts); no TypeScript loader
 * runs. A config that imports another Weft source file makes the command run from the sources.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DeepImportError, importBundledConfig, removeConfigBundles } from '../synth/config-bundle';
import { setConfigImporter } from '../synth/load';
import { main } from './main';

export * from '../index';

/**
 * `weft <argv>` from this bundle, whose own file URL is `bundleUrl` (the launcher knows it; in
 * the bundle `import.meta.url` is each source file's). Resolves to the exit code, or to
 * undefined when the command must run from the sources (a deep import of Weft's sources).
 */
export async function runBundledCommand(argv: string[], bundleUrl: string): Promise<number | undefined> {
  // A throw in the config and construct locations map through the bundled config's source map.
  process.setSourceMapsEnabled(true);
  const options = {
    publicApiFile: realpathSync(fileURLToPath(new URL('../index.ts', import.meta.url))),
    publicApiUrl: bundleUrl,
    sourcePrefix: realpathSync(fileURLToPath(new URL('..', import.meta.url))) + '/',
    importModule: (url: string) => import(url) as Promise<Record<string, unknown>>,
  };
  process.once('exit', removeConfigBundles);
  setConfigImporter(async (file) => {
    try {
      return (await importBundledConfig(file, options)).exports;
    } catch (error) {
      throw error instanceof DeepImportError ? new DeepImportError(error.file, true) : error;
    }
  });
  try {
    const code = await main(argv);
    // As `weft synth` reports its compile child: which way a run went (tests, `npm run bench`).
    if (process.env.WEFT_SYNTH_STAGES === '1') process.stderr.write(`weft-stages ${JSON.stringify({ command: 'precompiled' })}\n`);
    return code;
  } catch (error) {
    if (error instanceof DeepImportError) return undefined;
    throw error;
  }
}
