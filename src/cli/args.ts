import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {
  readonly code = 'WEFT_CLI_USAGE';
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** `node:util.parseArgs` with unknown options reported as a usage error rather than a crash. */
export function parseCommandArgs<T extends Options>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: false, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** The option values `parseCommandArgs` gives for `T`. */
export type OptionValues<T extends Options> = ReturnType<typeof parseCommandArgs<T>>['values'];

/**
 * A command's options, parsed (`node:util.parseArgs`, @see https://nodejs.org/api/util.html#utilparseargsconfig)
 * and checked by `check` (which throws a UsageError for a combination the command refuses).
 * On a usage mistake it prints `weft <name>: <why>`, a blank line and the command's usage to
 * stderr, and returns undefined: the command then exits with ExitCode.usage (2).
 */
export function parseOptions<T extends Options>(
  command: { readonly name: string; readonly usage: string },
  args: string[],
  options: T,
  check: (values: OptionValues<T>) => void = () => {},
): OptionValues<T> | undefined {
  try {
    const { values } = parseCommandArgs(args, options);
    check(values);
    return values;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`weft ${command.name}: ${error.message}\n\n${command.usage}\n`);
    return undefined;
  }
}
