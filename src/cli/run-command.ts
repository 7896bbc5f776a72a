import { DeepImportError } from '../synth/config-bundle';
import { ExitCode, type Command } from './command';

/** Runs one command as `weft <name> …`: `--help` prints its usage; a throw is an internal error (exit 3). */
export async function runCommand(command: Command, args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(command.usage.trimEnd() + '\n');
    return ExitCode.ok;
  }
  try {
    return await command.run(args);
  } catch (error) {
    // A precompiled command whose config imports Weft's sources: the launcher runs it from them.
    if (error instanceof DeepImportError && error.rerun) throw error;
    process.stderr.write(`weft ${command.name}: internal error (a bug in Weft, please report it)\n${(error as Error)?.stack ?? error}\n`);
    return ExitCode.internal;
  }
}
