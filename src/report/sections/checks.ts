import type { AssertionResult, CheckResult, Evidence, NotVerified, VerifyReport } from '../../verify/report';
import { esc, ms, pct, pValue } from '../html';

function evidenceText(e: Evidence): string {
  const parts = [`${e.requests} requests`];
  const counts = Object.entries(e.counts);
  if (counts.length) parts.push(counts.map(([k, v]) => `${k}: ${v}`).join(', '));
  if (e.proportion) parts.push(`${pct(e.proportion.observed)} in [${pct(e.proportion.interval[0])}, ${pct(e.proportion.interval[1])}], p = ${pValue(e.proportion.pValue)}`);
  if (e.latencyMs) parts.push(`latency ${ms(e.latencyMs.min)} / ${ms(e.latencyMs.median)} / ${ms(e.latencyMs.max)}`);
  if (e.sampleRequestIds.length) parts.push(`request ids ${e.sampleRequestIds.join(' ')}`);
  return parts.join(' · ');
}

function assertionRow(a: AssertionResult): string {
  return `<tr class="${a.status}"><td><span class="badge ${a.status}">${a.status}</span></td><td>${esc(a.name)}</td><td>${esc(a.expected)}</td><td>${esc(a.observed)}</td><td class="evidence">${esc(evidenceText(a.evidence))}</td></tr>`;
}

function declaration(c: { declaration: CheckResult['declaration'] }): string {
  const d = c.declaration;
  return `<code>${esc(d.path)}</code><br><span class="dim">${esc(`${d.file}:${d.line}:${d.column}`)}</span>`;
}

/**
 * Every check with its status, the declaration it verifies (construct path and file:line:col)
 * and, unfolded, each assertion with expected and observed values and the evidence behind them.
 * Failed checks come first and are unfolded.
 */
export function checksSection(report: VerifyReport): string {
  const order = { failed: 0, passed: 1, skipped: 2 } as const;
  const sorted = [...report.checks].sort((a, b) => order[a.status] - order[b.status]);
  const rows = sorted
    .map((c) => {
      const passed = c.assertions.filter((a) => a.status === 'passed').length;
      return `<tbody class="check ${c.status}" data-status="${c.status}" data-id="${esc(c.id)}">
<tr class="summary-row"><td><span class="badge ${c.status}">${c.status}</span></td><td>${esc(c.kind)}</td><td>${esc(c.title)}${c.skipReason ? `<br><span class="dim">${esc(c.skipReason)}</span>` : ''}</td><td>${declaration(c)}</td><td>${passed}/${c.assertions.length}</td><td>${ms(c.durationMs)}</td></tr>
<tr class="detail-row"><td colspan="6"><details${c.status === 'failed' ? ' open' : ''}><summary>${c.assertions.length} assertion${c.assertions.length === 1 ? '' : 's'}</summary><table class="assertions"><thead><tr><th></th><th>assertion</th><th>expected</th><th>observed</th><th>evidence</th></tr></thead><tbody>${c.assertions.map(assertionRow).join('')}</tbody></table></details></td></tr>
</tbody>`;
    })
    .join('\n');
  return `<section id="checks"><h2>Checks</h2>
<div class="filters" role="group" aria-label="filter checks"><button data-filter="all" class="active">all (${report.checks.length})</button><button data-filter="failed">failed (${report.summary.failed})</button><button data-filter="passed">passed (${report.summary.passed})</button><button data-filter="skipped">skipped (${report.summary.skipped})</button></div>
<table class="checks"><thead><tr><th>status</th><th>kind</th><th>check</th><th>declaration</th><th>assertions</th><th>time</th></tr></thead>
${rows}
</table></section>`;
}

/** Declared behaviours the verifier could not check: listed, never counted as passed. */
export function notVerifiedSection(items: readonly NotVerified[]): string {
  if (items.length === 0) return '';
  return `<section id="not-verified"><h2>Not verified (${items.length})</h2><table class="checks"><thead><tr><th>kind</th><th>declaration</th><th>why</th></tr></thead><tbody>${items
    .map((i) => `<tr class="not-verified"><td>${esc(i.kind)}</td><td>${declaration(i)}</td><td>${esc(i.reason)}</td></tr>`)
    .join('')}</tbody></table></section>`;
}
