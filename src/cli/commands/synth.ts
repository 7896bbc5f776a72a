import { resolve } from 'node:path';
import type { Command } from '../command';
import { ExitCode } from '../command';
import { parseCommandArgs, UsageError } from '../args';
import { formatDiagnostic, githubAnnotation, summary } from '../format';
import { synth } from '../../synth/synth';

const usage = `usage: weft synth [--config mesh.config.ts] [--out dist] [--env E]... [--check] [--json]

Compiles mesh.config.ts into manifests under dist/<environment>/.

  --config F   the mesh description (default: mesh.config.ts)
  --out D      output folder (default: dist)
  --env E      only this environment (repeatable); other folders in dist/ are kept
  --check      write nothing; exit 1 and list the files that would change
  --json       print the result as JSON on stdout

Diagnostics go to stderr. When GITHUB_ACTIONS=true they are also printed as workflow
annotations. Exit codes: 0 success (warnings allowed), 1 errors in the input or a stale
dist/ under --check, 2 usage, 3 internal error.`;

export const command: Command = {
  name: 'synth',
  summary: 'compile mesh.config.ts into dist/',
  usage,
  async run(args) {
    let values;
    try {
      ({ values } = parseCommandArgs(args, {
        config: { type: 'string', default: 'mesh.config.ts' },
        out: { type: 'string', default: 'dist' },
        env: { type: 'string', multiple: true },
        check: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
      }));
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      process.stderr.write(`weft synth: ${error.message}\n\n${usage}\n`);
      return ExitCode.usage;
    }
    const cwd = process.cwd();
    const result = await synth({
      configPath: resolve(cwd, values.config!),
      distDir: resolve(cwd, values.out!),
      environments: values.env,
      check: values.check,
    });
    if (values.json) {
      process.stdout.write(JSON.stringify({ ok: result.ok, wrote: result.wrote, diagnostics: result.diagnostics, changes: result.changes }, null, 2) + '\n');
    } else {
      const color = Boolean(process.stderr.isTTY) && !process.env.NO_COLOR;
      const sources = new Map<string, string[]>();
      for (const d of result.diagnostics) process.stderr.write(formatDiagnostic(d, { cwd, color }, sources) + '\n\n');
    }
    if (process.env.GITHUB_ACTIONS === 'true') for (const d of result.diagnostics) process.stdout.write(githubAnnotation(d, cwd) + '\n');
    if (!values.json) reportOutcome(result, values.check!, values.out!);
    return result.ok ? ExitCode.ok : ExitCode.userError;
  },
};

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
    else process.stderr.write(`${out}/ is stale: ${n} file${n === 1 ? '' : 's'} would change (run \`npm run synth\`)\n${list.join('\n')}\n`);
  } else {
    process.stderr.write(n === 0 ? `${out}/ is up to date\n` : `wrote ${out}/: ${added.length} added, ${changed.length} changed, ${removed.length} removed\n`);
  }
}
