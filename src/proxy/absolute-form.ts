/**
 * The absolute-form request-target of an application that uses the proxy as its HTTP proxy
 * (`GET http://reviews:9080/p?q HTTP/1.1`, RFC 9112 §3.2.2) split into authority and path, as
 * the WHATWG URL parser (`new URL`) would give them — without a URL object per request for the
 * common shape: lower-case host name, optional port, a path and query of characters the URL
 * parser leaves as they are. Anything else (IP-address hosts, which URL normalizes; upper case;
 * percent escapes; dot segments; characters URL encodes) goes through `new URL`, so the result
 * is always URL's (test/proxy/absolute-form.test.ts compares them differentially).
 * @see https://url.spec.whatwg.org/#concept-basic-url-parser
 */

export interface AbsoluteTarget {
  /** `host` or `host:port` (a default port dropped), lower case. */
  readonly host: string;
  /** Path and query (`/` when empty), as forwarded. */
  readonly path: string;
}

/** Path and query characters the URL parser keeps unchanged in http(s) URLs (no `%`, `\`, `'`, `^`, `|`, `#`). */
const PLAIN = new Uint8Array(128);
for (const c of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&()*+,;=:@/?") PLAIN[c.charCodeAt(0)] = 1;

/** Throws TypeError when `target` is not an http(s) URL with an authority (the listener answers 400). */
export function splitAbsoluteForm(target: string): AbsoluteTarget {
  const fast = plainAbsoluteForm(target);
  if (fast !== null) return fast;
  const parsed = new URL(target);
  // Only http(s) with an authority is a proxy request; `mailto:x` would forward `GET x`.
  if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.host === '') throw new TypeError(`not an http(s) absolute-form target: ${target}`);
  return { host: parsed.host, path: parsed.pathname + parsed.search };
}

/** The common shape without the URL parser, or null when URL's normalization could change it (exported for the differential test). */
export function plainAbsoluteForm(t: string): AbsoluteTarget | null {
  let i: number;
  let defaultPort: string;
  if (t.startsWith('http://')) {
    i = 7;
    defaultPort = '80';
  } else if (t.startsWith('https://')) {
    i = 8;
    defaultPort = '443';
  } else return null;
  const hostStart = i;
  let lastLabel = i;
  for (; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c === 46 /* . */) lastLabel = i + 1;
    else if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45)) break;
  }
  // An empty last label (trailing dot) and punycode labels are URL's to judge.
  if (i === hostStart || lastLabel === i) return null;
  // A host whose last label starts with a digit may be an IPv4 address in a form URL rewrites (`127.1`, `0x7f.1`).
  const lc = t.charCodeAt(lastLabel);
  if (lc >= 48 && lc <= 57) return null;
  let host = t.slice(hostStart, i);
  if (host.includes('xn--')) return null;
  if (t.charCodeAt(i) === 58 /* : */) {
    const ps = ++i;
    while (i < t.length && t.charCodeAt(i) >= 48 && t.charCodeAt(i) <= 57) i++;
    const port = t.slice(ps, i);
    // Empty, zero-padded or out-of-range ports are URL's to judge.
    if (port.length === 0 || port.length > 5 || port.charCodeAt(0) === 48 || Number(port) > 65535) return null;
    if (port !== defaultPort) host += `:${port}`;
  }
  if (i === t.length) return { host, path: '/' };
  const first = t.charCodeAt(i);
  if (first !== 47 /* / */ && first !== 63 /* ? */) return null;
  const q = t.indexOf('?', i);
  const pathEnd = q === -1 ? t.length : q;
  for (let k = i; k < t.length; k++) {
    const c = t.charCodeAt(k);
    if (c >= 128 || PLAIN[c] !== 1) return null;
    // Dot segments (`/.`, `/..`) are resolved by URL: leave them to it.
    if (c === 46 && k < pathEnd && t.charCodeAt(k - 1) === 47) return null;
  }
  const path = first === 63 ? `/${t.slice(i)}` : t.slice(i);
  // URL drops an empty query (`/p?` → `/p`).
  return { host, path: path.endsWith('?') && path.indexOf('?') === path.length - 1 ? path.slice(0, -1) : path };
}
