import { ExitCode } from './command';
import { loadCommands } from './commands/index';
import { runCommand } from './run-command';

/** Entry point of the `weft` binary; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const commands = await loadCommands();
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(
      'usage: weft <command> [options]\n\ncommands:\n' +
        commands.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`).join('\n') +
        '\n\nRun `weft <command> --help` for the options of one command. Every command runs precompiled\n' +
        '(lib/, rebuilt when older than the sources); --from-source runs it from the TypeScript sources.\n',
    );
    return name ? ExitCode.ok : ExitCode.usage;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`weft: unknown command "${name}". Run \`weft --help\`.\n`);
    return ExitCode.usage;
  }
  return runCommand(command, rest);
}
