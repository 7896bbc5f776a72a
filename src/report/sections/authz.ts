import type { CheckResult } from '../../verify/report';
import { esc, naturalCompare } from '../html';

/** `shop/commerce/order-service/authz:customers` → `commerce/order-service`. */
export function serviceOfPath(path: string): string {
  const parts = path.split('/');
  return parts.length >= 3 ? `${parts[1]}/${parts[2]}` : path;
}

/**
 * The authorization matrix: one column per protected service, one row per probe (who calls, with
 * what), each cell the expected and observed verdict, green when they agree and red when not.
 * Rows and columns come from the authorization and JWT checks' assertions.
 */
export function authzSection(checks: readonly CheckResult[]): string {
  const relevant = checks.filter((c) => c.kind === 'authorization' || c.kind === 'jwt' || c.kind === 'mtls');
  const head = '<section id="authz"><h2>Authorization matrix</h2>';
  if (relevant.length === 0) return `${head}<p class="empty">No authorization checks in this report.</p></section>`;
  const columns = [...new Set(relevant.map((c) => serviceOfPath(c.declaration.path)))].sort(naturalCompare);
  const cells = new Map<string, { expected: string; observed: string; status: string; rule: string }[]>();
  const rows: string[] = [];
  for (const c of relevant) {
    for (const a of c.assertions) {
      if (!rows.includes(a.name)) rows.push(a.name);
      const key = `${a.name}\0${serviceOfPath(c.declaration.path)}`;
      cells.set(key, [...(cells.get(key) ?? []), { expected: a.expected, observed: a.observed, status: a.status, rule: c.title }]);
    }
  }
  const header = `<tr><th class="corner">probe ↓ / service →</th>${columns.map((col) => `<th>${esc(col)}</th>`).join('')}</tr>`;
  const body = rows
    .map(
      (row) =>
        `<tr><th class="row">${esc(row)}</th>${columns
          .map((col) => {
            const list = cells.get(`${row}\0${col}`);
            if (!list) return '<td class="none">·</td>';
            const status = list.some((x) => x.status === 'failed') ? 'failed' : list.every((x) => x.status === 'skipped') ? 'skipped' : 'passed';
            const title = list.map((x) => `${x.rule}: expected ${x.expected}, observed ${x.observed} (${x.status})`).join('\n');
            return `<td class="cell ${status}" title="${esc(title)}"><b>${esc(list.map((x) => x.observed).join(', '))}</b>${status === 'failed' ? `<br><span class="dim">expected ${esc(list.map((x) => x.expected).join(', '))}</span>` : ''}</td>`;
          })
          .join('')}</tr>`,
    )
    .join('');
  return `${head}<p class="note">Each cell: the verdict observed for the probe of that row at that service (hover for the rule and the expectation). Red: observed and expected differ.</p>
<div class="scroll"><table class="matrix">${header}${body}</table></div></section>`;
}
