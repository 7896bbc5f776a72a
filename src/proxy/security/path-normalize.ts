/**
 * Path normalization before authorization matching, as Istio's default `BASE` normalization
 * (Envoy `normalize_path: true`, which canonicalizes with Chromium's URL rules): backslashes
 * become slashes, percent-encoded unreserved characters are decoded (`%61` → `a`, `%2e` → `.`),
 * other escapes are upper-cased (`%2f` stays encoded as `%2F`), and dot segments are removed as
 * RFC 3986 §5.2.4. `MERGE_SLASHES` additionally collapses `//`. The query is not part of the
 * path (Envoy's `url_path` matcher).
 * @see https://istio.io/latest/docs/reference/config/security/normalization/
 * @see https://www.rfc-editor.org/rfc/rfc3986#section-5.2.4
 */

const UNRESERVED = /[A-Za-z0-9\-._~]/;

function decodeUnreserved(path: string): string {
  if (!path.includes('%')) return path;
  return path.replace(/%([0-9A-Fa-f]{2})/g, (_m, hex: string) => {
    const c = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(c) ? c : `%${hex.toUpperCase()}`;
  });
}

/** RFC 3986 §5.2.4 remove_dot_segments, on an absolute path. */
export function removeDotSegments(path: string): string {
  const out: string[] = [];
  const segments = path.split('/');
  // segments[0] is '' for an absolute path.
  for (let i = 1; i < segments.length; i++) {
    const s = segments[i]!;
    const last = i === segments.length - 1;
    if (s === '.') {
      if (last) out.push('');
    } else if (s === '..') {
      out.pop();
      if (last) out.push('');
    } else out.push(s);
  }
  return '/' + out.join('/');
}

export function normalizePath(pathAndQuery: string, mergeSlashes = false): string {
  const q = pathAndQuery.search(/[?#]/);
  let path = q === -1 ? pathAndQuery : pathAndQuery.slice(0, q);
  if (path.includes('\\')) path = path.replaceAll('\\', '/');
  path = decodeUnreserved(path);
  if (!path.startsWith('/')) path = '/' + path;
  if (mergeSlashes) path = path.replace(/\/{2,}/g, '/');
  return removeDotSegments(path);
}
