import type { CheckResult, Evidence } from '../../verify/report';
import { esc, ms, n } from '../html';

type LatencyHistogram = NonNullable<Evidence['latencyHistogramMs']>;
const WIDTH = 520;

/**
 * The route a check is about: its id without the kind (`timeout:shop/…/route:canary` →
 * `shop/…/route:canary`; `…:default` for the default route). Not the declaration: a route's
 * timeout or retries may be declared on its service.
 */
export function routeOf(check: CheckResult): string {
  return check.id.startsWith(`${check.kind}:`) ? check.id.slice(check.kind.length + 1) : check.declaration.path;
}

/**
 * Latency per route: for each route (declaration) whose checks observed durations, one
 * histogram per check kind — the durations of every probe of that kind on the route, merged
 * from its assertions' histograms (Envoy's bucket bounds, src/verify/stats/histogram.ts) — and
 * a min/median/max band for assertions that carry no histogram (retry cases, older reports).
 */
export function latencySection(checks: readonly CheckResult[]): string {
  const byRoute = new Map<string, Map<string, { status: string; evidence: Evidence; name: string }[]>>();
  for (const c of checks) {
    for (const a of c.assertions) {
      if (!a.evidence.latencyMs && !a.evidence.latencyHistogramMs) continue;
      const kinds = byRoute.get(routeOf(c)) ?? new Map();
      kinds.set(c.kind, [...(kinds.get(c.kind) ?? []), { status: a.status, evidence: a.evidence, name: `${c.kind}: ${a.name}` }]);
      byRoute.set(routeOf(c), kinds);
    }
  }
  const head = `<section id="latency"><h2>Latency per route</h2>`;
  if (byRoute.size === 0) return `${head}<p class="empty">No check in this report measured durations.</p></section>`;
  const blocks = [...byRoute].map(([route, kinds]) => {
    const figures = [...kinds].flatMap(([kind, rows]) => {
      const withHistogram = rows.filter((r) => r.evidence.latencyHistogramMs);
      const merged = mergeHistograms(withHistogram.map((r) => r.evidence.latencyHistogramMs!));
      const probes = merged ? merged.counts.reduce((a, b) => a + b, 0) : 0;
      const status = withHistogram.some((r) => r.status === 'failed') ? 'failed' : 'passed';
      return [
        ...(merged ? [histogram(`${kind}: ${probes} probe${probes === 1 ? '' : 's'}`, status, merged)] : withHistogram.map((r) => histogram(r.name, r.status, r.evidence.latencyHistogramMs!))),
        ...rows.filter((r) => !r.evidence.latencyHistogramMs).map((r) => range(r.name, r.status, r.evidence)),
      ];
    });
    return `<div class="chart-block" data-route="${esc(route)}"><h3>${esc(route)}</h3>${figures.join('')}</div>`;
  });
  return `${head}<p class="note">Durations the verifier observed for the probes of each route, as seen by the calling client, on Envoy's default histogram buckets.</p>${blocks.join('\n')}</section>`;
}

/**
 * Histograms whose bounds are prefixes of one another (each stops at its slowest probe's bucket,
 * so a shorter one has no overflow) summed bucket by bucket on the longest bounds; undefined
 * when the layouts differ.
 */
export function mergeHistograms(hs: readonly LatencyHistogram[]): LatencyHistogram | undefined {
  if (hs.length === 0) return undefined;
  const longest = hs.reduce((a, b) => (b.boundsMs.length > a.boundsMs.length ? b : a));
  // Bounds that are not a prefix of the longest (another bucket layout) cannot be summed.
  if (!hs.every((h) => h.boundsMs.every((b, i) => longest.boundsMs[i] === b))) return undefined;
  const counts = new Array<number>(longest.boundsMs.length + 1).fill(0);
  for (const h of hs) h.counts.forEach((c, i) => (counts[i === h.boundsMs.length ? longest.boundsMs.length : i]! += c));
  return { boundsMs: [...longest.boundsMs], counts };
}

function range(name: string, status: string, e: Evidence): string {
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
