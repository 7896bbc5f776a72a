/**
 * Entry point of the precompiled proxy, `lib/weft-proxy.mjs` (`npm run build:proxy`): the same
 * `weft proxy` command without the rest of the CLI and without the tsx loader, which compiles
 * TypeScript in a worker thread of its own (~35 MB per process). The image and the benchmark
 * run this file; `weft proxy` through tsx stays the development path. Arguments are those of
 * `weft proxy` (see src/cli/commands/proxy.ts).
 */
import { command } from '../cli/commands/proxy';

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(command.usage);
} else {
  try {
    process.exitCode = await command.run(args);
  } catch (error) {
    process.stderr.write(`weft proxy: internal error (a bug in Weft, please report it)\n${(error as Error)?.stack ?? error}\n`);
    process.exitCode = 3;
  }
}
