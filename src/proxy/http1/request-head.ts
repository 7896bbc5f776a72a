/**
 * The strict HTTP/1.1 request-head parser of the downstream codec. It accepts a subset of what
 * Node's llhttp accepts (test/proxy/http1-fuzz.test.ts checks this differentially) and refuses,
 * with the status Envoy answers:
 * - 400: bare CR or LF, obs-fold, whitespace before a colon, invalid token or value characters,
 *   a missing or repeated Host in HTTP/1.1, Content-Length together with Transfer-Encoding,
 *   duplicate or malformed Content-Length, chunked not the final coding, Transfer-Encoding in
 *   HTTP/1.0, an unknown method;
 * - 501: a transfer coding other than chunked;
 * - 505: an HTTP version other than 1.0 and 1.1;
 * - 431: a head over the size limit or with more fields than the count limit.
 * @see https://www.rfc-editor.org/rfc/rfc9112#section-3 (request line)
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/core/v3/protocol.proto#config-core-v3-http1protocoloptions
 */
import { HeadError, isToken, parseFields, TARGET, type Framing } from './syntax';

/** The methods llhttp knows (llhttp's HTTP_METHOD_MAP, request side); others are refused as llhttp does. */
const METHODS = new Set([
  'DELETE', 'GET', 'HEAD', 'POST', 'PUT', 'CONNECT', 'OPTIONS', 'TRACE', 'COPY', 'LOCK', 'MKCOL', 'MOVE', 'PROPFIND', 'PROPPATCH', 'SEARCH', 'UNLOCK',
  'BIND', 'REBIND', 'UNBIND', 'ACL', 'REPORT', 'MKACTIVITY', 'CHECKOUT', 'MERGE', 'M-SEARCH', 'NOTIFY', 'SUBSCRIBE', 'UNSUBSCRIBE', 'PATCH', 'PURGE',
  'MKCALENDAR', 'LINK', 'UNLINK', 'SOURCE', 'QUERY',
]);

/** The methods nearly every request uses, compared without hashing the freshly sliced method (a Set lookup would). */
const isCommonMethod = (m: string): boolean => m === 'GET' || m === 'POST' || m === 'PUT' || m === 'HEAD' || m === 'DELETE' || m === 'PATCH' || m === 'OPTIONS';

export interface RequestHeadLimits {
  maxFields: number;
}

export interface ParsedRequest extends Framing {
  method: string;
  target: string;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  minor: 0 | 1;
  /** Fields as received, flat `[name, value, …]`, names in lower case (syntax.ts parseFields). */
  rawHeaders: string[];
  expectContinue: boolean;
}

/** Parses `text`, a complete head (request line through the blank line, CRLF-terminated lines, no bare CR/LF). */
export function parseRequestHead(text: string, limits: RequestHeadLimits): ParsedRequest | HeadError {
  const eol = text.indexOf('\r\n');
  const sp1 = text.indexOf(' ');
  if (sp1 <= 0 || sp1 > eol) return new HeadError(400, 'malformed request line');
  const sp2 = text.indexOf(' ', sp1 + 1);
  if (sp2 === -1 || sp2 > eol || sp2 === sp1 + 1) return new HeadError(400, 'malformed request line');
  const method = text.slice(0, sp1);
  if (!isCommonMethod(method) && (!isToken(method) || !METHODS.has(method))) return new HeadError(400, 'invalid method');
  for (let i = sp1 + 1; i < sp2; i++) if (TARGET[text.charCodeAt(i)] !== 1) return new HeadError(400, 'invalid request target');
  const target = text.slice(sp1 + 1, sp2);
  const version = text.slice(sp2 + 1, eol);
  let minor: 0 | 1;
  if (version === 'HTTP/1.1') minor = 1;
  else if (version === 'HTTP/1.0') minor = 0;
  else if (/^HTTP\/\d\.\d$/.test(version)) return new HeadError(505, 'HTTP version not supported');
  else return new HeadError(400, 'malformed request line');
  const head: ParsedRequest = { method, target, minor, rawHeaders: [], expectContinue: false, contentLength: -1, chunked: false, close: false, keepAlive: false };
  const error = parseFields(text, eol + 2, head.rawHeaders, limits.maxFields, head);
  if (error) return error;
  if (head.chunked && minor === 0) return new HeadError(400, 'transfer-encoding in HTTP/1.0');
  let hosts = 0;
  const raw = head.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name === 'host') hosts++;
    else if (name === 'expect' && raw[i + 1]!.toLowerCase() === '100-continue') head.expectContinue = true;
  }
  // RFC 9112 §3.2: a server MUST answer 400 to an HTTP/1.1 request without Host or with several.
  if (hosts > 1 || (hosts === 0 && minor === 1)) return new HeadError(400, hosts > 1 ? 'multiple host headers' : 'missing host header');
  return head;
}
