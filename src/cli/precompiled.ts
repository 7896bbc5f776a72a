/**
 * Entry of the precompiled CLI, lib/weft-cli.mjs (src/cli/build.mjs bundles it; bin/weft.mjs
 * runs it through src/cli/launch.mjs). It holds the commands that never run mesh.config.ts in
 * their own process — `weft synth` compiles in a child (src/synth/isolate.ts) — so they need
 * neither tsx nor Weft's sources at start-up. The other commands load the config in-process
 * and run from the sources through tsx (bin/weft.mjs).
 */
import type { Command } from './command';
import { command as synth } from './commands/synth';
import { runCommand } from './run-command';

/** The commands this bundle runs, by name. bin/weft.mjs sends exactly these here. */
export const PRECOMPILED_COMMANDS: ReadonlyMap<string, Command> = new Map([[synth.name, synth]]);

/** `weft <name> …` for a precompiled command; returns the exit code. */
export function runPrecompiled(name: string, args: string[]): Promise<number> {
  return runCommand(PRECOMPILED_COMMANDS.get(name)!, args);
}
