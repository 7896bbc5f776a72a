import type { Match, Route } from '../../model/traffic';
import { compact } from './common';

type Obj = Record<string, unknown>;

/**
 * A route's `rewrite` as Istio's HTTPRewrite.
 *
 * Istio's `uri` replaces the matched prefix verbatim, so `prefix: /legacy` rewritten to `/`
 * turns `/legacy/x` into `//x`, a different path that most servers do not route. When the new
 * prefix ends with `/` and a matched prefix does not, the rewrite is a `uriRegexRewrite` that
 * also consumes the one `/` after the prefix: `^(?:/legacy)/?` → `/` gives `/x` for `/legacy/x`,
 * `/` for `/legacy`, and `/foo` for `/legacyfoo` (which the prefix matches too, and whose
 * prefix Istio would have replaced alike). The weft proxy rewrites the same way
 * (src/proxy/pipeline/rewrite.ts).
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRewrite
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#RegexRewrite
 */
export function istioRewrite(route: Route, clauses: readonly Match[]): Obj | undefined {
  const r = route.rewrite;
  if (!r || (r.uri === undefined && r.authority === undefined)) return undefined;
  const prefixes = clauses.flatMap((c) => (c.path && 'prefix' in c.path ? [c.path.prefix] : []));
  const doubled = r.uri !== undefined && r.uri.endsWith('/') && prefixes.some((p) => !p.endsWith('/'));
  // Only when every clause is a prefix clause: an exact or regex clause has its whole path replaced, which one regex over prefixes would not do.
  if (doubled && prefixes.length === clauses.length) {
    // Longest first, so that the alternation consumes the prefix that matched, not a shorter one.
    const alternatives = [...new Set(prefixes)].sort((a, b) => b.length - a.length || (a < b ? -1 : 1)).map(escapeRe2);
    return compact({ uriRegexRewrite: { match: `^(?:${alternatives.join('|')})/?`, rewrite: r.uri }, authority: r.authority });
  }
  return compact({ uri: r.uri, authority: r.authority });
}

/** RE2 literal: every regex metacharacter escaped. */
function escapeRe2(text: string): string {
  return text.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
}
