/**
 * Rewrite (Istio HTTPRewrite): `uri` replaces the matched path prefix — or the whole path when
 * the route matched exactly or by regex — keeping the query string; `authority` replaces Host.
 * The original path travels in x-envoy-original-path, as Envoy does.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRewrite
 */
import type { StringMatch } from '../config/schema';
import { setHeader, type Step } from './types';

export function rewriteStep(rewrite: { uri?: string | undefined; authority?: string | undefined }, pathMatch: StringMatch | undefined): Step | null {
  const { uri, authority } = rewrite;
  if (uri === undefined && authority === undefined) return null;
  const prefix = pathMatch && 'prefix' in pathMatch ? pathMatch.prefix : undefined;
  return (next) => (ex, handler) => {
    if (uri !== undefined) {
      const q = ex.path.indexOf('?');
      const pathname = q === -1 ? ex.path : ex.path.slice(0, q);
      const query = q === -1 ? '' : ex.path.slice(q);
      // `/legacy` → `/` must give `/x` for `/legacy/x`, not `//x` (the Istio target writes the same as a uriRegexRewrite).
      const rest = prefix !== undefined ? pathname.slice(prefix.length) : '';
      const rewritten = prefix !== undefined ? (uri.endsWith('/') && rest.startsWith('/') ? uri + rest.slice(1) : uri + rest) : uri;
      ex.headers.push('x-envoy-original-path', ex.path);
      ex.path = (rewritten === '' ? '/' : rewritten) + query;
    }
    if (authority !== undefined) {
      ex.authority = authority.toLowerCase();
      setHeader(ex.headers, 'host', authority);
    }
    next(ex, handler);
  };
}
