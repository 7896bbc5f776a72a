/**
 * GitHub Actions output when GITHUB_ACTIONS=true: an `::error file=…,line=…::` workflow command
 * per failed assertion (shown on the pull request's diff at the declaration), `::warning` per
 * behaviour not verified, and a Markdown step summary appended to $GITHUB_STEP_SUMMARY.
 * @see https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/workflow-commands-for-github-actions
 */
import { appendFileSync } from 'node:fs';
import type { VerifyReport } from '../report';
import { formatDeclaration } from '../plan/declaration';

/** Workflow-command escaping of data and properties. */
function escData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
function escProp(s: string): string {
  return escData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function githubAnnotations(report: VerifyReport): string {
  const lines: string[] = [];
  for (const c of report.checks) {
    for (const a of c.assertions.filter((x) => x.status === 'failed')) {
      lines.push(`::error file=${escProp(c.declaration.file)},line=${c.declaration.line},col=${c.declaration.column},title=${escProp(`weft verify: ${c.id}`)}::${escData(`${a.name}: expected ${a.expected}, observed ${a.observed}`)}`);
    }
  }
  for (const n of report.notVerified) {
    lines.push(`::warning file=${escProp(n.declaration.file)},line=${n.declaration.line},title=${escProp(`weft verify: ${n.kind} not verified`)}::${escData(n.reason)}`);
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

export function stepSummary(report: VerifyReport): string {
  const s = report.summary;
  const rows = report.checks.map((c) => `| ${c.status === 'passed' ? '✅' : '❌'} | \`${c.id}\` | ${formatDeclaration(c.declaration)} | ${c.assertions.filter((a) => a.status === 'failed').map((a) => `${a.name}: ${a.observed}`).join('<br>') || `${c.assertions.length} assertion(s)`} |`);
  return [
    `## weft verify: ${report.mesh} / ${report.environment} — ${s.failed === 0 ? 'passed' : `${s.failed} failed`}`,
    '',
    `${s.checks} checks, ${s.probes} probes, ${(report.durationMs / 1000).toFixed(1)} s, seed ${report.seed}; ${s.notVerified} declared behaviour(s) not verified.`,
    '',
    '| | check | declared at | result |',
    '|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

export function writeGithub(report: VerifyReport, env: NodeJS.ProcessEnv, write: (s: string) => void): void {
  write(githubAnnotations(report));
  if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, stepSummary(report));
}
