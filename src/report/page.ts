import type { VerifyReport } from '../verify/report';
import { esc, ms, pct } from './html';
import { authzSection } from './sections/authz';
import { checksSection, notVerifiedSection } from './sections/checks';
import { latencySection } from './sections/latency';
import { proportionsSection } from './sections/proportions';
import { retriesSection } from './sections/retries';

const STYLE = `
  :root { --pass: #188038; --fail: #d93025; --skip: #80868b; --warn: #e37400; --ink: #202124; --dim: #5f6368; --line: #dadce0; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: var(--ink); background: #f8f9fa; }
  header { background: #fff; border-bottom: 1px solid var(--line); padding: 16px 24px; }
  h1 { font-size: 20px; margin: 0 0 4px; }
  h2 { font-size: 17px; margin: 0 0 8px; }
  h3 { font-size: 14px; margin: 12px 0 6px; }
  main { padding: 16px 24px; display: grid; gap: 16px; }
  section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px; }
  .meta, .dim, .note { color: var(--dim); }
  .note { margin-top: 0; font-size: 13px; }
  .cards { display: flex; flex-wrap: wrap; gap: 12px; margin-top: 12px; }
  .card { min-width: 120px; padding: 10px 14px; border-radius: 8px; border: 1px solid var(--line); background: #fff; }
  .card .value { font-size: 26px; font-weight: 600; display: block; }
  .card.passed .value { color: var(--pass); } .card.failed .value { color: var(--fail); } .card.skipped .value { color: var(--skip); } .card.not-verified .value { color: var(--warn); }
  .verdict { display: inline-block; margin-left: 8px; padding: 2px 10px; border-radius: 12px; color: #fff; font-size: 13px; vertical-align: middle; }
  .verdict.passed { background: var(--pass); } .verdict.failed { background: var(--fail); }
  .badge { display: inline-block; padding: 0 7px; border-radius: 9px; font-size: 12px; color: #fff; background: var(--skip); }
  .badge.passed { background: var(--pass); } .badge.failed { background: var(--fail); }
  .kind { font-weight: 400; color: var(--dim); font-size: 12px; border: 1px solid var(--line); border-radius: 4px; padding: 0 4px; }
  .chart-block { margin-bottom: 14px; }
  svg.chart { max-width: 100%; height: auto; display: block; }
  svg .grid { stroke: #e8eaed; } svg .axis { fill: var(--dim); font-size: 10px; } svg .label { fill: var(--ink); font-size: 11px; }
  svg .band { fill: #c6dafc; } .fail svg .band, g.fail .band { fill: #f6c7c3; }
  svg .observed { fill: #1a73e8; } g.fail .observed { fill: var(--fail); }
  svg .declared { stroke: var(--ink); stroke-width: 2; } svg .median { stroke: #1a73e8; stroke-width: 2.5; }
  svg .hist { fill: #8ab4f8; } figure.failed svg .hist { fill: #f28b82; }
  figure { margin: 6px 0 10px; } figcaption { font-size: 13px; margin-bottom: 2px; }
  table { border-collapse: collapse; width: 100%; font-size: 13px; }
  th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid #f1f3f4; vertical-align: top; }
  th { color: var(--dim); font-weight: 500; }
  table.mini { width: auto; margin-top: 4px; }
  tr.failed td { background: #fce8e6; }
  .detail-row td { padding-top: 0; border-bottom: 1px solid var(--line); }
  .evidence { color: var(--dim); font-size: 12px; max-width: 520px; word-break: break-word; }
  details summary { cursor: pointer; color: var(--dim); font-size: 12px; }
  .scroll { overflow-x: auto; }
  table.matrix { width: auto; }
  table.matrix th.row { white-space: nowrap; color: var(--ink); }
  table.matrix td { text-align: center; min-width: 110px; border: 2px solid #fff; }
  td.cell.passed { background: #e6f4ea; color: var(--pass); } td.cell.failed { background: #fce8e6; color: var(--fail); } td.cell.skipped { background: #f1f3f4; color: var(--skip); } td.none { color: #bdc1c6; }
  .filters { margin-bottom: 8px; display: flex; gap: 6px; }
  .filters button { font: inherit; font-size: 13px; padding: 3px 10px; border: 1px solid var(--line); background: #fff; border-radius: 14px; cursor: pointer; }
  .filters button.active { background: #e8f0fe; border-color: #1a73e8; }
  .hidden { display: none; }
  .empty { color: var(--dim); font-style: italic; }
`;

/** The one piece of script: the pass/fail filter of the checks table. */
const SCRIPT = `
(function () {
  'use strict';
  var buttons = document.querySelectorAll('.filters button');
  buttons.forEach(function (b) {
    b.addEventListener('click', function () {
      var f = b.getAttribute('data-filter');
      buttons.forEach(function (x) { x.classList.toggle('active', x === b); });
      document.querySelectorAll('tbody.check').forEach(function (t) { t.classList.toggle('hidden', f !== 'all' && t.getAttribute('data-status') !== f); });
    });
  });
})();
`;

/**
 * The verify report as one self-contained HTML page (inline CSS, inline SVG charts, a few lines
 * of script for the filter; no external resource): summary, split proportions with confidence
 * intervals, latency per route, retry attempt distributions, the authorization matrix, and every
 * check with its evidence and declaration. The same report always gives the same bytes.
 */
export function renderReportHtml(report: VerifyReport): string {
  const s = report.summary;
  const ok = s.failed === 0;
  const cards = [
    ['passed', s.passed],
    ['failed', s.failed],
    ['skipped', s.skipped],
    ['not-verified', s.notVerified],
  ]
    .map(([k, v]) => `<div class="card ${k}" data-count="${k}"><span class="value">${v}</span>${String(k).replace('-', ' ')}</div>`)
    .join('');
  const where = report.mode === 'local' ? `local mesh${report.dist ? ` from ${report.dist}` : ''}` : `target ${report.target ?? ''}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>weft verify — ${esc(report.mesh)} / ${esc(report.environment)}: ${ok ? 'passed' : `${s.failed} failed`}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>weft verify: ${esc(report.mesh)} / ${esc(report.environment)} <span class="verdict ${ok ? 'passed' : 'failed'}" id="verdict">${ok ? 'all checks passed' : `${s.failed} check${s.failed === 1 ? '' : 's'} failed`}</span></h1>
  <div class="meta">${esc(where)} · started ${esc(report.startedAt)} · ${ms(report.durationMs)} · ${s.checks} checks · ${s.probes} probes · seed ${report.seed}</div>
  <div class="meta">statistics: family-wise false-failure rate ${pct(report.statistics.familyAlpha)} (Holm, ${report.statistics.statisticalChecks} tests) · power ${pct(report.statistics.power)} to detect a ${pct(report.statistics.detectableDeviation)} deviation</div>
  <div class="cards" id="summary">${cards}</div>
</header>
<main>
${proportionsSection(report.checks)}
${latencySection(report.checks)}
${retriesSection(report.checks)}
${authzSection(report.checks)}
${checksSection(report)}
${notVerifiedSection(report.notVerified)}
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
