/**
 * HTTP/1.1 message syntax shared by the request and response head parsers: character classes
 * and header-field validation, as RFC 9110 §5 and RFC 9112 §5 define them, applied at least as
 * strictly as Node's llhttp in its default (non-lenient) mode.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-5.6.2 (token)
 * @see https://www.rfc-editor.org/rfc/rfc9112#section-5 (field syntax, no obs-fold, no space before ':')
 */

/** tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA */
export const TOKEN = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TOKEN[c.charCodeAt(0)] = 1;
for (let c = 48; c <= 57; c++) TOKEN[c] = 1;
for (let c = 65; c <= 90; c++) TOKEN[c] = 1;
for (let c = 97; c <= 122; c++) TOKEN[c] = 1;

/** field-value characters: VCHAR, SP, HTAB, obs-text. CR, LF, NUL and other controls are not. */
export const FIELD_VALUE = new Uint8Array(256);
FIELD_VALUE[9] = 1;
for (let c = 32; c <= 126; c++) FIELD_VALUE[c] = 1;
for (let c = 128; c <= 255; c++) FIELD_VALUE[c] = 1;

/** request-target characters: visible ASCII only (no space, no control, no obs-text). */
export const TARGET = new Uint8Array(256);
for (let c = 33; c <= 126; c++) TARGET[c] = 1;

export function isToken(s: string, from = 0, to = s.length): boolean {
  if (to <= from) return false;
  for (let i = from; i < to; i++) if (TOKEN[s.charCodeAt(i)] !== 1) return false;
  return true;
}

/** Why a head was refused, with the status the proxy answers (Envoy's codes for the same faults). */
export class HeadError {
  constructor(
    readonly status: number,
    readonly reason: string,
  ) {}
}

/** The framing a message head declares (RFC 9112 §6.3). */
export interface Framing {
  /** Content-Length, or -1 when absent. */
  contentLength: number;
  chunked: boolean;
  /** Connection header says close. */
  close: boolean;
  /** Connection header says keep-alive (HTTP/1.0). */
  keepAlive: boolean;
}

/**
 * Field names most messages carry, in lower case. A parsed name equal to one of them (ignoring
 * case) is returned as this constant instead of a fresh slice lower-cased into another fresh
 * string: no allocation, and every later comparison with a name constant (hop-by-hop checks,
 * header lookups by the steps) is a pointer comparison of two internalized strings. Envoy keeps
 * the same kind of table for its inline headers.
 * @see https://github.com/envoyproxy/envoy/blob/main/envoy/http/header_map.h (INLINE_REQ_HEADERS)
 */
const COMMON_NAMES = [
  'host', 'date', 'vary', 'etag', 'server', 'accept', 'expect', 'cookie', 'origin', 'upgrade', 'referer', 'location', 'connection',
  'keep-alive', 'user-agent', 'set-cookie', 'content-type', 'traceparent', 'tracestate', 'x-request-id', 'cache-control', 'authorization',
  'last-modified', 'accept-ranges', 'content-length', 'accept-encoding', 'accept-language', 'x-forwarded-for', 'content-encoding',
  'transfer-encoding', 'x-forwarded-proto', 'x-b3-traceid', 'x-b3-spanid', 'x-b3-sampled', 'x-b3-parentspanid', 'x-weft-peer', 'grpc-timeout',
];
const NAMES_BY_LENGTH: string[][] = [];
for (const n of COMMON_NAMES) (NAMES_BY_LENGTH[n.length] ??= []).push(n);

/** The field name `text[from, to)`, already checked to be a token, in lower case. */
function lowerCaseName(text: string, from: number, to: number, hasUpper: boolean): string {
  const candidates = NAMES_BY_LENGTH[to - from];
  if (candidates !== undefined) {
    for (let c = 0; c < candidates.length; c++) {
      const name = candidates[c]!;
      let k = 0;
      // `| 0x20` lower-cases a letter; among token characters only letters map onto letters, and
      // '-' (the only non-letter in these names) maps onto itself.
      while (k < name.length && (text.charCodeAt(from + k) | 0x20) === name.charCodeAt(k)) k++;
      if (k === name.length) return name;
    }
  }
  const name = text.slice(from, to);
  return hasUpper ? name.toLowerCase() : name;
}

/**
 * Parses the header lines of a head (`text` from `from` to the blank line's end, every line
 * already known to end in CRLF with no bare CR or LF) into `out` as flat name/value pairs,
 * names in lower case (field names are case-insensitive, RFC 9110 §5.1, and every consumer
 * compares them in lower case), and derives the framing. Returns a HeadError for any field
 * llhttp or RFC 9112 rejects, or for more than `maxFields` fields.
 */
export function parseFields(text: string, from: number, out: string[], maxFields: number, framing: Framing): HeadError | null {
  let i = from;
  let te: string | null = null;
  let sawLength = false;
  const end = text.length;
  while (i < end) {
    const eol = text.indexOf('\r\n', i);
    if (eol === i) return finishFraming(te, sawLength, framing);
    const first = text.charCodeAt(i);
    // obs-fold (a line starting with SP/HTAB) is rejected, as RFC 9112 §5.2 allows for servers.
    if (first === 32 || first === 9) return new HeadError(400, 'obsolete line folding');
    // One scan over the name finds the colon, checks the token characters and notes upper case
    // (a separate `indexOf(':')` and token loop read every name twice).
    let hasUpper = false;
    let colon = i;
    let c = first;
    while (TOKEN[c] === 1) {
      if (c <= 90 && c >= 65) hasUpper = true;
      c = text.charCodeAt(++colon);
    }
    if (c !== 58 /* : */ || colon >= eol) {
      // Which fault, in the order they were always reported: no colon on the line, then a bad name.
      const anyColon = text.indexOf(':', i);
      return anyColon === -1 || anyColon > eol ? new HeadError(400, 'header line without colon') : new HeadError(400, 'invalid header name');
    }
    // No whitespace between field name and colon (RFC 9112 §5.1: 400); names are tokens.
    if (colon === i) return new HeadError(400, 'invalid header name');
    let vs = colon + 1;
    let ve = eol;
    while (vs < ve && (text.charCodeAt(vs) === 32 || text.charCodeAt(vs) === 9)) vs++;
    while (ve > vs && (text.charCodeAt(ve - 1) === 32 || text.charCodeAt(ve - 1) === 9)) ve--;
    for (let k = vs; k < ve; k++) if (FIELD_VALUE[text.charCodeAt(k)] !== 1) return new HeadError(400, 'invalid header value character');
    if (out.length >= maxFields * 2) return new HeadError(431, 'too many header fields');
    const name = lowerCaseName(text, i, colon, hasUpper);
    const value = text.slice(vs, ve);
    out.push(name, value);
    const n = name.length;
    if (n === 14 && name === 'content-length') {
      // Exactly one Content-Length of 1*DIGIT: duplicates, even equal ones, and lists are refused
      // (RFC 9112 §6.3 item 5 allows the recovery; a proxy refusing is the smuggling-safe choice).
      if (sawLength) return new HeadError(400, 'duplicate content-length');
      sawLength = true;
      if (value.length === 0 || value.length > 15) return new HeadError(400, 'invalid content-length');
      for (let k = 0; k < value.length; k++) {
        const c = value.charCodeAt(k);
        if (c < 48 || c > 57) return new HeadError(400, 'invalid content-length');
      }
      framing.contentLength = Number(value);
    } else if (n === 17 && name === 'transfer-encoding') {
      te = te === null ? value : `${te},${value}`;
    } else if (n === 10 && name === 'connection') {
      // One token is the common case (`keep-alive`, `close`): no split, no array.
      if (value.indexOf(',') === -1) connectionToken(value.toLowerCase(), framing);
      else for (const t of value.split(',')) connectionToken(t.trim().toLowerCase(), framing);
    }
    i = eol + 2;
  }
  return new HeadError(400, 'unterminated head');
}

function connectionToken(token: string, framing: Framing): void {
  if (token === 'close') framing.close = true;
  else if (token === 'keep-alive') framing.keepAlive = true;
}

function finishFraming(te: string | null, sawLength: boolean, framing: Framing): HeadError | null {
  if (te === null) return null;
  // Both framings at once is the classic request-smuggling vector: refuse (Envoy and llhttp do).
  if (sawLength) return new HeadError(400, 'both content-length and transfer-encoding');
  const codings = te.split(',').map((c) => c.trim().toLowerCase());
  if (codings.some((c) => !isToken(c))) return new HeadError(400, 'invalid transfer-encoding');
  const last = codings[codings.length - 1];
  // chunked must be the final coding, and only once (RFC 9112 §6.3 item 4: else 400).
  if (last !== 'chunked' || codings.indexOf('chunked') !== codings.length - 1) {
    return codings.includes('chunked') ? new HeadError(400, 'chunked is not the final transfer coding') : new HeadError(501, `transfer coding not implemented: ${te}`);
  }
  // A coding besides chunked (gzip, chunked): the proxy would have to decode it: not implemented.
  if (codings.length > 1) return new HeadError(501, `transfer coding not implemented: ${te}`);
  framing.chunked = true;
  return null;
}

/**
 * Finds the end of a head in `buf[from, to)`, `from` being the start of a line: the index just
 * past the blank line; when more bytes are needed, `-1 - lineStart` where `lineStart` is the
 * start of the incomplete line (resume the scan there: a head arriving byte by byte is scanned
 * once, not once per byte); or a HeadError for a bare CR or LF (RFC 9112 §2.2: a bare CR must be
 * rejected; a bare LF is accepted by some, refused here like llhttp's strict mode). Leading
 * empty lines (CRLF) before a request line are skipped by the caller.
 */
export function findHeadEnd(buf: Buffer, from: number, to: number): number | HeadError {
  let lineStart = from;
  while (lineStart < to) {
    const lf = buf.indexOf(10, lineStart);
    const cr = buf.indexOf(13, lineStart);
    if (lf === -1 || lf >= to) {
      // A CR must be followed by LF; one at the very end may still be.
      if (cr !== -1 && cr < to - 1) return new HeadError(400, 'bare CR');
      return -1 - lineStart;
    }
    if (cr !== lf - 1) return cr !== -1 && cr < lf - 1 ? new HeadError(400, 'bare CR') : new HeadError(400, 'bare LF');
    if (lf === lineStart + 1) return lf + 1;
    lineStart = lf + 1;
  }
  return -1 - lineStart;
}
