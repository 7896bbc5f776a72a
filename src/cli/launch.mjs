/**
 * `weft synth` runs the precompiled CLI, lib/weft-cli.mjs, not the TypeScript sources: through
 * tsx, loading the CLI and the compiler (~400 modules, each through tsx's loader hooks) took
 * most of the example's synth time. bin/weft.mjs calls `launchPrecompiled` before it registers
 * tsx. Plain JavaScript for that reason. The bundles are (re)built first when they are missing,
 * older than the sources or built in another folder (src/cli/build.mjs: built into a temporary
 * folder and renamed, so concurrent launches never read half a bundle). `--from-source` (or a
 * failed build) runs the command from the sources through tsx instead.
 */
import { pathToFileURL } from 'node:url';

/** The commands the precompiled CLI runs (src/cli/precompiled.ts holds the same list). */
export const PRECOMPILED_COMMANDS = ['synth'];

/** Runs `weft <name> <args>` from the precompiled CLI; undefined = the caller runs it from source. */
export async function launchPrecompiled(name, args) {
  if (!PRECOMPILED_COMMANDS.includes(name) || args.includes('--from-source')) return undefined;
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
  const cli = await import(pathToFileURL(build.CLI_BUNDLE).href);
  return cli.runPrecompiled(name, args);
}
