/**
 * A `weft` sub-command. Each command lives in its own file under `src/cli/commands/`
 * and is listed in `src/cli/commands/index.ts`.
 */
export interface Command {
  /** The word after `weft`, e.g. `synth`. */
  readonly name: string;
  /** One line for `weft --help`. */
  readonly summary: string;
  /** Full usage text for `weft <name> --help`. */
  readonly usage: string;
  /** Runs the command; resolves to the process exit code. */
  run(args: string[]): Promise<number>;
}

/** Exit codes shared by every command; docs/cli.md documents them. */
export const ExitCode = {
  ok: 0,
  /** The user's input has errors (diagnostics were printed), or `--check` found stale files. */
  userError: 1,
  /** Wrong command-line usage. */
  usage: 2,
  /** An internal failure (a bug): please report it. */
  internal: 3,
  /** `weft diff`: the two sides differ (0 means they do not). */
  changed: 4,
} as const;
