/**
 * JUnit XML: one <testsuite> per check kind, one <testcase> per assertion, named
 * `<check id> › <assertion>`, with the evidence (observed counts, expected, confidence interval,
 * p-value, sample request ids) in <system-out> and, on failure, in the <failure> message with the
 * declaration `mesh.config.ts:line` it verifies.
 * @see https://github.com/testmoapp/junitxml (the de-facto format CI systems read)
 */
import type { AssertionResult, CheckResult, VerifyReport } from '../report';
import { formatDeclaration } from '../plan/declaration';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
}

export function evidenceText(a: AssertionResult): string {
  const e = a.evidence;
  const lines = [`expected: ${a.expected}`, `observed: ${a.observed}`, `requests: ${e.requests}`];
  if (Object.keys(e.counts).length) lines.push(`counts: ${Object.entries(e.counts).map(([k, v]) => `${k}=${v}`).join(', ')}`);
  if (e.proportion) {
    const p = e.proportion;
    lines.push(`proportion: ${p.successes}/${p.trials} = ${(p.observed * 100).toFixed(2)}% (declared ${(p.expected * 100).toFixed(2)}%)`);
    lines.push(`${(p.confidence * 100).toFixed(1)}% Clopper-Pearson interval: [${(p.interval[0] * 100).toFixed(2)}%, ${(p.interval[1] * 100).toFixed(2)}%]`);
    lines.push(`exact binomial p-value: ${p.pValue.toPrecision(4)} (Holm threshold ${p.threshold.toPrecision(4)})`);
  }
  if (e.latencyMs) lines.push(`latency ms: min ${e.latencyMs.min}, median ${e.latencyMs.median}, max ${e.latencyMs.max}`);
  const h = e.latencyHistogramMs;
  if (h) lines.push(`latency histogram: ${h.counts.map((c, i) => `${i < h.boundsMs.length ? `≤${h.boundsMs[i]}` : `>${h.boundsMs[h.boundsMs.length - 1]}`} ms: ${c}`).join(', ')}`);
  if (e.sampleRequestIds.length) lines.push(`sample request ids: ${e.sampleRequestIds.join(', ')}`);
  return lines.join('\n');
}

function testcase(check: CheckResult, a: AssertionResult): string {
  const name = esc(`${check.id} › ${a.name}`);
  const where = formatDeclaration(check.declaration);
  const attrs = `name="${name}" classname="${esc(`weft.verify.${check.kind}`)}" file="${esc(check.declaration.file)}" line="${check.declaration.line}"`;
  const out = `<system-out>${esc(`${check.title} (${where})\n${evidenceText(a)}`)}</system-out>`;
  if (a.status === 'failed') return `    <testcase ${attrs}>\n      <failure message="${esc(`${where}: ${a.name}: expected ${a.expected}, observed ${a.observed}`)}" type="${esc(check.kind)}">${esc(evidenceText(a))}</failure>\n      ${out}\n    </testcase>`;
  if (a.status === 'skipped') return `    <testcase ${attrs}>\n      <skipped message="${esc(check.skipReason ?? 'skipped')}"/>\n    </testcase>`;
  return `    <testcase ${attrs} time="${(check.durationMs / 1000 / Math.max(1, check.assertions.length)).toFixed(3)}">\n      ${out}\n    </testcase>`;
}

export function junitXml(report: VerifyReport): string {
  const kinds = [...new Set(report.checks.map((c) => c.kind))];
  const suites = kinds.map((kind) => {
    const checks = report.checks.filter((c) => c.kind === kind);
    const cases = checks.flatMap((c) => c.assertions.map((a) => testcase(c, a)));
    const notVerified = report.notVerified.filter((n) => n.kind === kind).map((n) => `    <testcase name="${esc(`not verified: ${n.declaration.path}`)}" classname="weft.verify.${kind}" file="${esc(n.declaration.file)}" line="${n.declaration.line}">\n      <skipped message="${esc(n.reason)}"/>\n    </testcase>`);
    const tests = cases.length + notVerified.length;
    const failures = checks.reduce((n, c) => n + c.assertions.filter((a) => a.status === 'failed').length, 0);
    const time = checks.reduce((t, c) => t + c.durationMs, 0) / 1000;
    return `  <testsuite name="weft verify: ${esc(kind)}" tests="${tests}" failures="${failures}" skipped="${notVerified.length}" time="${time.toFixed(3)}">\n${[...cases, ...notVerified].join('\n')}\n  </testsuite>`;
  });
  // Kinds with only not-verified entries still get a suite, so nothing declared is invisible.
  for (const kind of [...new Set(report.notVerified.map((n) => n.kind))].filter((k) => !kinds.includes(k))) {
    const items = report.notVerified.filter((n) => n.kind === kind);
    suites.push(`  <testsuite name="weft verify: ${esc(kind)}" tests="${items.length}" failures="0" skipped="${items.length}" time="0">\n${items.map((n) => `    <testcase name="${esc(`not verified: ${n.declaration.path}`)}" classname="weft.verify.${kind}" file="${esc(n.declaration.file)}" line="${n.declaration.line}">\n      <skipped message="${esc(n.reason)}"/>\n    </testcase>`).join('\n')}\n  </testsuite>`);
  }
  const s = report.summary;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="weft verify ${esc(report.mesh)}/${esc(report.environment)}" tests="${report.checks.reduce((n, c) => n + c.assertions.length, 0) + s.notVerified}" failures="${report.checks.reduce((n, c) => n + c.assertions.filter((a) => a.status === 'failed').length, 0)}" time="${(report.durationMs / 1000).toFixed(3)}">\n${suites.join('\n')}\n</testsuites>\n`;
}
