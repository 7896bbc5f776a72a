/**
 * Every `weft` command runs precompiled, not from the TypeScript sources: through tsx, loading
 * the CLI and the compiler (~400 modules, each through tsx's loader hooks) took most of the
 * example's synth time. bin/weft.mjs calls `launchPrecompiled` before it registers tsx. Plain
 * JavaScript for that reason.
 *
 * - `weft synth` runs lib/weft-cli.mjs (src/cli/precompiled.ts): a small bundle, since it
 *   compiles in a child process (src/synth/isolate.ts) that runs lib/weft-compiler.cjs.
 * - Every other command (and `weft --help`) runs lib/weft-commands.mjs
 *   (src/cli/commands-bundle.ts), which loads mesh.config.ts in its own process.
 *
 * The bundles are (re)built first when they are missing, older than the sources or built in
 * another folder (src/cli/build.mjs: built into a temporary folder and renamed, so concurrent
 * launches never read half a bundle). `--from-source` (or a failed build, or a config that
 * imports a Weft source file other than the public API) runs the command from the sources
 * through tsx instead.
 */
import { pathToFileURL } from 'node:url';

/** The commands the small synth bundle runs (src/cli/precompiled.ts holds the same list). */
export const PRECOMPILED_COMMANDS = ['synth'];

/** Runs `weft <name> <args>` precompiled; undefined = the caller runs it from source. */
export async function launchPrecompiled(name, args) {
  if (args.includes('--from-source')) return undefined;
  const build = await import('./build.mjs');
  const stale = build.staleReason();
  if (stale) {
    const started = performance.now();
    try {
      await build.rebuild();
      // `npm run bench -- synth` does not count a run that had to build first.
      if (process.env.WEFT_SYNTH_STAGES === '1') process.stderr.write(`weft-stages ${JSON.stringify({ rebuilt: performance.now() - started })}\n`);
    } catch (error) {
      process.stderr.write(`weft: the precompiled CLI could not be built (${stale}); running from source (tsx)\n${error?.message ?? error}\n`);
      return undefined;
    }
  }
  if (PRECOMPILED_COMMANDS.includes(name)) {
    const cli = await import(pathToFileURL(build.CLI_BUNDLE).href);
    return cli.runPrecompiled(name, args);
  }
  const url = pathToFileURL(build.COMMANDS_BUNDLE).href;
  const commands = await import(url);
  return commands.runBundledCommand(name === undefined ? [] : [name, ...args], url);
}
