import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Command } from '../command';
import { ExitCode } from '../command';
import { parseReport, renderReportHtml, ReportFormatError } from '../../report/index';

const usage = `usage: weft report REPORT.json --html F

Renders a verify report (\`weft verify --json REPORT.json\`) as one self-contained HTML page:
split proportions with confidence intervals, latency per route, retry attempt distributions,
the authorization matrix, and every check with its evidence and declaration.

  --html F     write the page to F

Exit codes: 0 written, 1 the file is not a verify report, 2 usage, 3 internal error.`;

export const command: Command = {
  name: 'report',
  summary: 'render a verify JSON report as an HTML page',
  usage,
  async run(args) {
    let input: string | undefined;
    let html: string | undefined;
    try {
      const parsed = parseArgs({ args, options: { html: { type: 'string' } }, allowPositionals: true, strict: true });
      if (parsed.positionals.length !== 1) throw new Error(`expected one report file, got ${parsed.positionals.length}`);
      if (!parsed.values.html) throw new Error('--html F is required (the page is the only format)');
      input = parsed.positionals[0]!;
      html = parsed.values.html;
    } catch (error) {
      process.stderr.write(`weft report: ${(error as Error).message}\n\n${usage}\n`);
      return ExitCode.usage;
    }
    let text: string;
    try {
      text = readFileSync(resolve(process.cwd(), input), 'utf8');
    } catch (error) {
      process.stderr.write(`weft report: cannot read ${input}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}\n`);
      return ExitCode.userError;
    }
    try {
      writeFileSync(resolve(process.cwd(), html), renderReportHtml(parseReport(text, input)));
    } catch (error) {
      if (!(error instanceof ReportFormatError)) throw error;
      process.stderr.write(`weft report: ${error.message}\n`);
      return ExitCode.userError;
    }
    process.stderr.write(`wrote ${html}\n`);
    return ExitCode.ok;
  },
};
