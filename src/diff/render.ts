import type { DiffReport, EnvironmentDiff } from './diff';
import type { TrafficChange } from './traffic/compare';

const MARK = { added: '+', removed: '-', changed: '~' } as const;

/** A traffic line: `! ` marks a risky change, with the reason after it. */
export function trafficLine(c: TrafficChange): string {
  return c.risk ? `! ${c.text}  [risky: ${c.risk}]` : `  ${c.text}`;
}

function counts(report: DiffReport): { resources: number; traffic: number; risky: number } {
  const all = report.environments;
  const traffic = all.flatMap((e) => e.traffic ?? []);
  return { resources: all.reduce((n, e) => n + e.resources.length, 0), traffic: traffic.length, risky: traffic.filter((t) => t.risk).length };
}

function summaryLine(report: DiffReport): string {
  const c = counts(report);
  if (!report.changed) return 'no changes';
  return `${c.resources} resource${c.resources === 1 ? '' : 's'} changed, ${c.traffic} traffic change${c.traffic === 1 ? '' : 's'}, ${c.risky} risky`;
}

function section(title: string, lines: string[]): string[] {
  return lines.length ? [title, ...lines, ''] : [];
}

function envText(e: EnvironmentDiff, verbose: boolean): string[] {
  const out: string[] = [`environment ${e.env}${e.status === 'added' || e.status === 'removed' ? ` (${e.status})` : ''}`, ''];
  const resources = e.resources.flatMap((r) => [
    `  ${MARK[r.change]} ${r.path}  ${r.resource}${r.change === 'changed' ? `: ${r.summary}` : ''}`,
    ...(verbose ? r.diff.map((l) => `      ${l}`) : []),
  ]);
  out.push(...section('resources', resources));
  if (e.traffic) {
    out.push(...section('routing', e.traffic.filter((t) => t.section === 'routing').map(trafficLine)));
    out.push(...section('authorization', e.traffic.filter((t) => t.section === 'authorization').map(trafficLine)));
  }
  return out;
}

/** Plain text for a terminal. With `verbose`, each changed file's line diff follows its summary. */
export function renderText(report: DiffReport, verbose = false): string {
  const out = [`weft diff: ${report.before} → ${report.after}`, ''];
  for (const n of report.notes) out.push(`note: ${n}`, '');
  for (const e of report.environments) if (e.status !== 'unchanged') out.push(...envText(e, verbose));
  out.push(summaryLine(report));
  return out.join('\n') + '\n';
}

const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;

/**
 * Markdown for `$GITHUB_STEP_SUMMARY` or a pull-request comment: a summary, risky changes
 * first, then per environment the traffic changes and the resources, each file's diff folded
 * in a `<details>` block.
 * @see https://docs.github.com/en/actions/using-workflows/workflow-commands-for-github-actions#adding-a-job-summary
 */
export function renderMarkdown(report: DiffReport): string {
  const out = [`## weft diff: ${code(report.before)} → ${code(report.after)}`, '', `**${summaryLine(report)}**`, ''];
  for (const n of report.notes) out.push(`> ${n}`, '');
  const risky = report.environments.flatMap((e) => (e.traffic ?? []).filter((t) => t.risk).map((t) => `- :warning: **${e.env}**: ${code(t.text)} — ${t.risk}`));
  if (risky.length) out.push('### Risky changes', '', ...risky, '');
  for (const e of report.environments) {
    if (e.status === 'unchanged') continue;
    out.push(`### Environment ${code(e.env)}${e.status === 'added' || e.status === 'removed' ? ` (${e.status})` : ''}`, '');
    const routing = (e.traffic ?? []).filter((t) => t.section === 'routing');
    const authz = (e.traffic ?? []).filter((t) => t.section === 'authorization');
    if (routing.length) out.push('**Routing**', '', ...routing.map((t) => `- ${t.risk ? ':warning: ' : ''}${code(t.text)}`), '');
    if (authz.length) out.push('**Authorization**', '', ...authz.map((t) => `- ${t.risk ? ':warning: ' : ''}${code(t.text)}`), '');
    if (e.resources.length) {
      out.push('**Resources**', '', '| | file | resource | change |', '|---|---|---|---|');
      for (const r of e.resources) out.push(`| ${MARK[r.change]} | ${code(r.path)} | ${r.resource.replace(/\|/g, '\\|')} | ${r.summary.replace(/\|/g, '\\|')} |`);
      out.push('');
      for (const r of e.resources.filter((x) => x.diff.length))
        out.push(`<details><summary>${r.path}</summary>`, '', '```diff', ...r.diff.map((l) => (l === '…' ? ' …' : l)), '```', '', '</details>', '');
    }
  }
  return out.join('\n') + '\n';
}
