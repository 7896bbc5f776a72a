/**
 * The response-head parser of the upstream codec. Same field rules as requests (syntax.ts); a
 * response that breaks them is an upstream protocol error (502, flag UPE).
 * @see https://www.rfc-editor.org/rfc/rfc9112#section-4 (status line)
 */
import { HeadError, parseFields, type Framing } from './syntax';

export interface ParsedResponse extends Framing {
  status: number;
  minor: 0 | 1;
  /** Fields as received, flat `[name, value, …]`, names in lower case (syntax.ts parseFields). */
  rawHeaders: string[];
}

export function parseResponseHead(text: string, maxFields: number): ParsedResponse | HeadError {
  const eol = text.indexOf('\r\n');
  let minor: 0 | 1;
  if (text.startsWith('HTTP/1.1 ')) minor = 1;
  else if (text.startsWith('HTTP/1.0 ')) minor = 0;
  else return new HeadError(400, 'malformed status line');
  // status-code = 3DIGIT (RFC 9112 §4), the first 1–9; compared by character, not a RegExp per response.
  const d0 = text.charCodeAt(9) - 48;
  const d1 = text.charCodeAt(10) - 48;
  const d2 = text.charCodeAt(11) - 48;
  if (!(d0 >= 1 && d0 <= 9 && d1 >= 0 && d1 <= 9 && d2 >= 0 && d2 <= 9) || (eol > 12 && text.charCodeAt(12) !== 32)) return new HeadError(400, 'malformed status code');
  const head: ParsedResponse = { status: d0 * 100 + d1 * 10 + d2, minor, rawHeaders: [], contentLength: -1, chunked: false, close: false, keepAlive: false };
  const error = parseFields(text, eol + 2, head.rawHeaders, maxFields, head);
  return error ?? head;
}
