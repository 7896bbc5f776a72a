import type { CheckResult } from '../../verify/report';
import { esc, n, naturalCompare } from '../html';

const WIDTH = 520;

/**
 * Retry attempt distributions: for every retries check, each assertion's outcome counts (the
 * attempts the echo workload counted per request id) as bars, next to what was expected.
 */
export function retriesSection(checks: readonly CheckResult[]): string {
  const retries = checks.filter((c) => c.kind === 'retries' && c.assertions.length > 0);
  const head = '<section id="retries"><h2>Retry attempt distributions</h2>';
  if (retries.length === 0) return `${head}<p class="empty">No retry checks in this report.</p></section>`;
  const blocks = retries.map(
    (c) => `<div class="chart-block" data-check="${esc(c.id)}"><h3>${esc(c.title)}</h3>${c.assertions
      .map((a) => {
        const entries = Object.entries(a.evidence.counts).sort(([x], [y]) => naturalCompare(x, y));
        const max = Math.max(1, ...entries.map(([, v]) => v));
        const rowH = 20;
        const height = entries.length * rowH + 6;
        const bars = entries
          .map(([k, v], i) => `<g class="bar"><title>${esc(`${k}: ${v}`)}</title><text x="116" y="${i * rowH + 15}" class="label" text-anchor="end">${esc(k)}</text><rect x="122" y="${i * rowH + 4}" width="${n(Math.max(1, (v / max) * (WIDTH - 190)))}" height="14" rx="2" class="hist"/><text x="${n(126 + (v / max) * (WIDTH - 190))}" y="${i * rowH + 15}" class="axis">${v}</text></g>`)
          .join('');
        return `<figure class="retries ${a.status}"><figcaption><span class="badge ${a.status}">${a.status}</span> ${esc(a.name)} <span class="dim">expected ${esc(a.expected)} · observed ${esc(a.observed)}</span></figcaption><svg class="chart" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="${esc(`attempts of ${a.name}`)}">${bars}</svg></figure>`;
      })
      .join('')}</div>`,
  );
  return `${head}<p class="note">Attempts counted by the echo workload per request id; a request that was retried N times arrives N + 1 times.</p>${blocks.join('\n')}</section>`;
}
