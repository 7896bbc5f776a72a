import { resolve } from 'node:path';
import type { Command } from '../command';
import { ExitCode } from '../command';
import { parseOptions, UsageError } from '../args';
import { formatDiagnostic, githubAnnotation, summary } from '../format';
import { synth, type SynthOptions, type SynthResult } from '../../synth/synth';
import { watchSynth } from '../../synth/watch';

const usage = `usage: weft synth [--config mesh.config.ts] [--out dist] [--env E]... [--check] [--json] [--watch]

Compiles mesh.config.ts into manifests under dist/<environment>/.

  --config F   the mesh description (default: mesh.config.ts)
  --out D      output folder (default: dist)
  --env E      only this environment (repeatable); other folders in dist/ are kept
  --check      write nothing; exit 1 and list the files that would change
  --json       print the result as JSON on stdout
  --watch      stay running: synthesize again on every save of mesh.config.ts or of a
               file beside it that it imports (Ctrl-C stops)
  --load-timeout S  stop mesh.config.ts when loading takes longer (default: 30; the emit
                    from its model is bounded at 15 minutes, or S when longer)
  --from-source  run Weft from its TypeScript sources through tsx instead of the
               precompiled CLI in lib/ (rebuilt when older than the sources)

Diagnostics go to stderr. When GITHUB_ACTIONS=true they are also printed as workflow
annotations. Exit codes: 0 success (warnings allowed), 1 errors in the input or a stale
dist/ under --check, 2 usage, 3 internal error.`;

export const command: Command = {
  name: 'synth',
  summary: 'compile mesh.config.ts into dist/',
  usage,
  async run(args) {
    const values = parseOptions(
      command,
      args,
      {
        config: { type: 'string', default: 'mesh.config.ts' },
        out: { type: 'string', default: 'dist' },
        env: { type: 'string', multiple: true },
        check: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        watch: { type: 'boolean', default: false },
        'load-timeout': { type: 'string', default: '30' },
        // bin/weft.mjs reads it (src/cli/launch.mjs); here it only needs to be accepted.
        'from-source': { type: 'boolean', default: false },
      },
      (v) => {
        if (v.watch && v.check) throw new UsageError('--watch writes dist/ on every save; it cannot be combined with --check');
        if (!(Number(v['load-timeout']) > 0)) throw new UsageError(`--load-timeout takes a number of seconds above 0, not "${v['load-timeout']}"`);
      },
    );
    if (!values) return ExitCode.usage;
    const cwd = process.cwd();
    const options: SynthOptions = {
      configPath: resolve(cwd, values.config!),
      distDir: resolve(cwd, values.out!),
      environments: values.env,
      check: values.check,
      loadTimeoutMs: Number(values['load-timeout']) * 1000,
    };
    if (values.watch) return watchUntilStopped(options, { json: values.json!, out: values.out!, cwd });
    const result = await synth(options);
    printResult(result, { json: values.json!, check: values.check!, out: values.out!, cwd });
    return result.ok ? ExitCode.ok : ExitCode.userError;
  },
};

/** `--watch`: prints each run's result as a single synth would, until SIGINT or SIGTERM. */
function watchUntilStopped(options: SynthOptions, print: { json: boolean; out: string; cwd: string }): Promise<number> {
  return new Promise((resolveExit) => {
    const handle = watchSynth(options, (result, trigger, ms) => {
      printResult(result, { ...print, check: false });
      const why = trigger === undefined ? '' : `after a change to ${trigger} `;
      process.stderr.write(`synth ${why}took ${Math.round(ms)} ms; watching for changes (Ctrl-C stops)\n`);
    });
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void handle.close().then(() => resolveExit(ExitCode.ok));
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

function printResult(result: SynthResult, { json, check, out, cwd }: { json: boolean; check: boolean; out: string; cwd: string }): void {
  if (json) {
    process.stdout.write(JSON.stringify({ ok: result.ok, wrote: result.wrote, diagnostics: result.diagnostics, changes: result.changes }, null, 2) + '\n');
  } else {
    const color = Boolean(process.stderr.isTTY) && !process.env.NO_COLOR;
    const sources = new Map<string, string[]>();
    for (const d of result.diagnostics) process.stderr.write(formatDiagnostic(d, { cwd, color }, sources) + '\n\n');
  }
  if (process.env.GITHUB_ACTIONS === 'true') for (const d of result.diagnostics) process.stdout.write(githubAnnotation(d, cwd) + '\n');
  if (!json) reportOutcome(result, check, out);
}

function reportOutcome(result: Awaited<ReturnType<typeof synth>>, check: boolean, out: string): void {
  const { added, changed, removed } = result.changes;
  const n = added.length + changed.length + removed.length;
  if (result.diagnostics.length) process.stderr.write(`${summary(result.diagnostics)}\n`);
  if (!result.ok && !check) {
    process.stderr.write(`synth failed; ${out}/ was left unchanged\n`);
    return;
  }
  if (!result.ok && n === 0) return;
  const list = [...added.map((f) => `  added    ${f}`), ...changed.map((f) => `  changed  ${f}`), ...removed.map((f) => `  removed  ${f}`)];
  if (check) {
    if (n === 0) process.stderr.write(`${out}/ is up to date\n`);
    else
      process.stderr.write(
        `${out}/ is stale: ${n} file${n === 1 ? '' : 's'} would change (run \`npm run synth\`)\n${list.join('\n')}\n` +
          // The same message for both causes: a mesh.config.ts change not compiled yet, and an
          // edit made to dist/ by hand (which the next synth would silently undo).
          `hint: ${out}/ is generated from mesh.config.ts and must not be edited by hand; change mesh.config.ts, run \`npm run synth\`, and commit ${out}/ with it\n`,
      );
  } else {
    process.stderr.write(n === 0 ? `${out}/ is up to date\n` : `wrote ${out}/: ${added.length} added, ${changed.length} changed, ${removed.length} removed\n`);
  }
}
