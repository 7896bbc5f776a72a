import { resolve } from 'node:path';
import type { Command } from '../command';
import { ExitCode } from '../command';
import { parseOptions } from '../args';
import { formatDiagnostic, summary } from '../format';
import { hasErrors } from '../../diagnostics/diagnostic';
import { diff } from '../../diff/diff';
import { GitError } from '../../diff/git';
import { renderMarkdown, renderText } from '../../diff/render';

const usage = `usage: weft diff [--base REF|DIR] [--base-config F] [--env E]... [--markdown] [--verbose] [--config mesh.config.ts] [--out dist]

Shows what the current mesh.config.ts changes, against a git ref or a directory:
  - resources added, removed and changed in dist/, each with a one-line summary;
  - traffic: per host and request class, which route wins, the weights per version, the
    timeout, retry and circuit-breaker envelope, rate limits, faults, routes that become
    unreachable; per caller and callee, the authorization decision. Risky changes are marked !.

  --base REF|DIR   a git ref (default HEAD: the last commit), or a folder holding a dist/ tree
  --base-config F  with a folder base: the mesh.config.ts that produced it (for the traffic view)
  --env E          only this environment (repeatable)
  --markdown       Markdown for $GITHUB_STEP_SUMMARY or a pull-request comment
  --verbose        the line diff of every changed file (Markdown always has it, folded)
  --config F       the mesh description (default: mesh.config.ts)
  --out D          the compiled output folder (default: dist)

The "after" side is mesh.config.ts compiled in memory; dist/ is not written. The config is
loaded in this process (not isolated like synth's). Exit codes: 0 no change, 4 changes,
1 errors in mesh.config.ts or an unreadable base, 2 usage, 3 internal error.`;

export const command: Command = {
  name: 'diff',
  summary: 'show what a change does to resources and to traffic',
  usage,
  async run(args) {
    const values = parseOptions(command, args, {
      base: { type: 'string', default: 'HEAD' },
      'base-config': { type: 'string' },
      env: { type: 'string', multiple: true },
      markdown: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      config: { type: 'string', default: 'mesh.config.ts' },
      out: { type: 'string', default: 'dist' },
    });
    if (!values) return ExitCode.usage;
    const cwd = process.cwd();
    let report;
    try {
      report = await diff({
        cwd,
        configPath: resolve(cwd, values.config!),
        distDir: resolve(cwd, values.out!),
        base: values.base!,
        baseConfig: values['base-config'],
        environments: values.env,
      });
    } catch (error) {
      if (!(error instanceof GitError)) throw error;
      process.stderr.write(`weft diff: cannot read the base: ${error.message}\nhint: --base takes a git ref (a branch, tag or commit) or a folder that holds a dist/ tree\n`);
      return ExitCode.userError;
    }
    if (hasErrors(report.diagnostics)) {
      const sources = new Map<string, string[]>();
      for (const d of report.diagnostics) process.stderr.write(formatDiagnostic(d, { cwd, color: false }, sources) + '\n\n');
      process.stderr.write(`${summary(report.diagnostics)}\nweft diff: mesh.config.ts has errors; nothing to compare\n`);
      return ExitCode.userError;
    }
    process.stdout.write(values.markdown ? renderMarkdown(report) : renderText(report, values.verbose));
    return report.changed ? ExitCode.changed : ExitCode.ok;
  },
};
