import type { AssertionResult, CheckResult, ProportionEvidence } from '../../verify/report';
import { esc, n, pct, pValue } from '../html';

const WIDTH = 520;
const ROW = 34;
const LEFT = 150;

/**
 * Observed proportions against the declared share: per outcome, the Clopper–Pearson interval as
 * a band, the observed share as a dot and the declared share as a tick. A share is consistent
 * with the declaration when the tick lies inside the band (the binomial test's verdict, with the
 * Holm-adjusted threshold, is the assertion's status).
 */
export function proportionsSection(checks: readonly CheckResult[]): string {
  const blocks = checks
    .map((c) => ({ check: c, rows: c.assertions.filter((a): a is AssertionResult & { evidence: { proportion: ProportionEvidence } } => a.evidence.proportion !== undefined) }))
    .filter((b) => b.rows.length > 0);
  if (blocks.length === 0) return section('<p class="empty">No statistical checks in this report.</p>');
  return section(blocks.map((b) => block(b.check, b.rows)).join('\n'));
}

function section(body: string): string {
  return `<section id="proportions"><h2>Split proportions with confidence intervals</h2>
<p class="note">Band: confidence interval of the observed share (Clopper–Pearson); dot: observed; tick: declared. Weights, fault and mirror percentages are judged with an exact binomial test.</p>
${body}</section>`;
}

function block(check: CheckResult, rows: (AssertionResult & { evidence: { proportion: ProportionEvidence } })[]): string {
  const height = rows.length * ROW + 24;
  const x = (share: number) => LEFT + share * (WIDTH - LEFT - 10);
  const parts: string[] = [];
  for (const t of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(`<line x1="${n(x(t))}" y1="4" x2="${n(x(t))}" y2="${height - 18}" class="grid"/>`, `<text x="${n(x(t))}" y="${height - 4}" class="axis" text-anchor="middle">${t * 100}%</text>`);
  }
  rows.forEach((a, i) => {
    const p = a.evidence.proportion;
    const y = 8 + i * ROW;
    const cls = a.status === 'passed' ? 'pass' : a.status === 'failed' ? 'fail' : 'skip';
    parts.push(
      `<g class="proportion ${cls}" data-outcome="${esc(p.outcome)}">`,
      `<title>${esc(`${p.outcome}: observed ${pct(p.observed)} (${p.successes}/${p.trials}), ${Math.round(p.confidence * 100)}% CI [${pct(p.interval[0])}, ${pct(p.interval[1])}], declared ${pct(p.expected)}, p = ${pValue(p.pValue)} (threshold ${pValue(p.threshold)})`)}</title>`,
      `<text x="${LEFT - 8}" y="${y + 15}" class="label" text-anchor="end">${esc(p.outcome)}</text>`,
      `<rect x="${n(x(p.interval[0]))}" y="${y + 4}" width="${n(Math.max(1.5, x(p.interval[1]) - x(p.interval[0])))}" height="16" rx="3" class="band"/>`,
      `<line x1="${n(x(p.expected))}" y1="${y}" x2="${n(x(p.expected))}" y2="${y + 24}" class="declared"/>`,
      `<circle cx="${n(x(p.observed))}" cy="${y + 12}" r="4.5" class="observed"/>`,
      '</g>',
    );
  });
  const table = rows
    .map((a) => {
      const p = a.evidence.proportion;
      return `<tr class="${a.status}"><td>${esc(p.outcome)}</td><td>${pct(p.expected)}</td><td>${pct(p.observed)} <span class="dim">(${p.successes}/${p.trials})</span></td><td>[${pct(p.interval[0])}, ${pct(p.interval[1])}]</td><td>${pValue(p.pValue)} <span class="dim">vs ${pValue(p.threshold)}</span></td><td><span class="badge ${a.status}">${a.status}</span></td></tr>`;
    })
    .join('');
  return `<div class="chart-block" data-check="${esc(check.id)}">
<h3>${esc(check.title)} <span class="kind">${esc(check.kind)}</span></h3>
<svg class="chart" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="${esc(`proportions of ${check.title}`)}">${parts.join('')}</svg>
<table class="mini"><thead><tr><th>outcome</th><th>declared</th><th>observed</th><th>${Math.round((rows[0]!.evidence.proportion.confidence) * 100)}% interval</th><th>p-value</th><th></th></tr></thead><tbody>${table}</tbody></table>
</div>`;
}
