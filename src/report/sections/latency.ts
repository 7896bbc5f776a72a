import type { CheckResult, Evidence } from '../../verify/report';
import { esc, ms, n } from '../html';

/**
 * An optional, additive evidence field: the durations of the probes behind an assertion as a
 * histogram (`bounds` are bucket upper bounds in ms, `counts` has one more entry for the
 * overflow). Drawn as a histogram when a report carries it; otherwise the page draws the
 * min / median / max that every report has.
 */
export interface LatencyHistogram {
  boundsMs: number[];
  counts: number[];
}
type WithHistogram = Evidence & { latencyHistogramMs?: LatencyHistogram };

const WIDTH = 520;

/** The route a check belongs to: its declaration path (`…/route:<name>`), else the check's own path. */
export function routeOf(check: CheckResult): string {
  return check.declaration.path;
}

/**
 * Latency per route: for each route (declaration) whose checks observed durations (timeouts,
 * delays, retries with per-try timeouts), one chart with a row per assertion.
 */
export function latencySection(checks: readonly CheckResult[]): string {
  const byRoute = new Map<string, { check: CheckResult; name: string; status: string; evidence: WithHistogram }[]>();
  for (const c of checks) {
    for (const a of c.assertions) {
      if (!a.evidence.latencyMs) continue;
      const list = byRoute.get(routeOf(c)) ?? [];
      list.push({ check: c, name: `${c.kind}: ${a.name}`, status: a.status, evidence: a.evidence });
      byRoute.set(routeOf(c), list);
    }
  }
  const head = `<section id="latency"><h2>Latency per route</h2>`;
  if (byRoute.size === 0) return `${head}<p class="empty">No check in this report measured durations.</p></section>`;
  const blocks = [...byRoute].map(([route, rows]) => `<div class="chart-block" data-route="${esc(route)}"><h3>${esc(route)}</h3>${rows.map((r) => (r.evidence.latencyHistogramMs ? histogram(r.name, r.status, r.evidence.latencyHistogramMs) : range(r.name, r.status, r.evidence))).join('')}</div>`);
  return `${head}<p class="note">Durations the verifier observed for each assertion's probes, as seen by the calling client.</p>${blocks.join('\n')}</section>`;
}

function range(name: string, status: string, e: WithHistogram): string {
  const l = e.latencyMs!;
  const max = niceMax(l.max);
  const x = (v: number) => 10 + (v / max) * (WIDTH - 20);
  return `<figure class="latency ${status}"><figcaption>${esc(name)} <span class="dim">min ${ms(l.min)} · median ${ms(l.median)} · max ${ms(l.max)} · ${e.requests} requests</span></figcaption>
<svg class="chart" viewBox="0 0 ${WIDTH} 44" width="${WIDTH}" height="44" role="img" aria-label="${esc(`latency of ${name}`)}"><line x1="10" y1="30" x2="${WIDTH - 10}" y2="30" class="grid"/><text x="10" y="42" class="axis">0</text><text x="${WIDTH - 10}" y="42" class="axis" text-anchor="end">${ms(max)}</text>
<rect x="${n(x(l.min))}" y="8" width="${n(Math.max(1.5, x(l.max) - x(l.min)))}" height="14" rx="3" class="band"/><line x1="${n(x(l.median))}" y1="4" x2="${n(x(l.median))}" y2="26" class="median"/></svg></figure>`;
}

function histogram(name: string, status: string, h: LatencyHistogram): string {
  const height = 110;
  const max = Math.max(1, ...h.counts);
  const barW = (WIDTH - 20) / h.counts.length;
  const bars = h.counts
    .map((c, i) => {
      const bh = (c / max) * (height - 34);
      const label = i < h.boundsMs.length ? `≤${ms(h.boundsMs[i]!)}` : `>${ms(h.boundsMs[h.boundsMs.length - 1] ?? 0)}`;
      return `<g class="bar"><title>${esc(`${label}: ${c}`)}</title><rect x="${n(10 + i * barW + 1)}" y="${n(height - 22 - bh)}" width="${n(barW - 2)}" height="${n(bh)}" class="hist"/><text x="${n(10 + i * barW + barW / 2)}" y="${height - 8}" class="axis" text-anchor="middle">${esc(label)}</text></g>`;
    })
    .join('');
  return `<figure class="latency ${status}"><figcaption>${esc(name)}</figcaption><svg class="chart" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="${esc(`latency histogram of ${name}`)}">${bars}</svg></figure>`;
}

/** An axis maximum of 1, 2 or 5 × 10^k at or above `v`. */
function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 5, 10].map((m) => m * p).find((m) => m >= v)!;
}
