import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import type { Diagnostic } from '../diagnostics/diagnostic';

export interface FormatOptions {
  cwd: string;
  color: boolean;
}

const paint = (on: boolean, code: number) => (s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);

/**
 * A diagnostic the way compilers print them:
 *
 *     mesh.config.ts:42:3 error WEFT104 route "canary" sends 20% to version "v3" ...
 *       41 | const app = storefront.service('reviews', {
 *     > 42 |   app.route('canary', { to: [...] });
 *          |   ^
 *       hint: declare version "v3" on "reviews", or route to one of: v1, v2
 */
export function formatDiagnostic(d: Diagnostic, options: FormatOptions, sources = new Map<string, string[]>()): string {
  const red = paint(options.color, 31);
  const yellow = paint(options.color, 33);
  const dim = paint(options.color, 2);
  const bold = paint(options.color, 1);
  const where = d.location ? `${relative(options.cwd, d.location.file) || d.location.file}:${d.location.line}:${d.location.column}` : d.path || 'mesh';
  const severity = d.severity === 'error' ? red('error') : d.severity === 'warning' ? yellow('warning') : 'info';
  const lines = [`${bold(where)} ${severity} ${d.code} ${d.message}`];
  const frame = d.location && codeFrame(d.location.file, d.location.line, d.location.column, sources);
  if (frame) lines.push(...frame.map((l) => dim(l)));
  lines.push(`  ${bold('hint:')} ${d.hint}`);
  return lines.join('\n');
}

function codeFrame(file: string, line: number, column: number, sources: Map<string, string[]>): string[] | undefined {
  let text = sources.get(file);
  if (!text) {
    try {
      text = readFileSync(file, 'utf8').split('\n');
    } catch {
      return undefined;
    }
    sources.set(file, text);
  }
  if (line > text.length) return undefined;
  const from = Math.max(1, line - 1);
  const width = String(line + 1).length;
  const out: string[] = [];
  for (let n = from; n <= Math.min(text.length, line + 1); n++) {
    out.push(`${n === line ? '>' : ' '} ${String(n).padStart(width)} | ${text[n - 1]}`);
    if (n === line) out.push(`  ${' '.repeat(width)} | ${' '.repeat(Math.max(0, column - 1))}^`);
  }
  return out;
}

/**
 * A GitHub Actions workflow command, so that the diagnostic shows on the pull request's diff.
 * @see https://docs.github.com/en/actions/using-workflows/workflow-commands-for-github-actions#setting-an-error-message
 */
export function githubAnnotation(d: Diagnostic, cwd: string): string {
  const level = d.severity === 'error' ? 'error' : d.severity === 'warning' ? 'warning' : 'notice';
  const props = d.location ? `file=${escapeProperty(relative(cwd, d.location.file))},line=${d.location.line},col=${d.location.column},` : '';
  return `::${level} ${props}title=${escapeProperty(d.code)}::${escapeData(`${d.message}\nhint: ${d.hint}`)}`;
}

function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function summary(diagnostics: readonly Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.filter((d) => d.severity === 'warning').length;
  return `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`;
}
