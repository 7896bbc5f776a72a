/**
 * The response-head parser of the upstream codec. Same field rules as requests (syntax.ts); a
 * response that breaks them is an upstream protocol error (502, flag UPE).
 * @see https://www.rfc-editor.org/rfc/rfc9112#section-4 (status line)
 */
import { HeadError, parseFields, type Framing } from './syntax';

export interface ParsedResponse extends Framing {
  status: number;
  minor: 0 | 1;
  rawHeaders: string[];
}

export function parseResponseHead(text: string, maxFields: number): ParsedResponse | HeadError {
  const eol = text.indexOf('\r\n');
  let minor: 0 | 1;
  if (text.startsWith('HTTP/1.1 ')) minor = 1;
  else if (text.startsWith('HTTP/1.0 ')) minor = 0;
  else return new HeadError(400, 'malformed status line');
  const code = text.slice(9, 12);
  if (!/^[1-9]\d\d$/.test(code) || (eol > 12 && text.charCodeAt(12) !== 32)) return new HeadError(400, 'malformed status code');
  const head: ParsedResponse = { status: Number(code), minor, rawHeaders: [], contentLength: -1, chunked: false, close: false, keepAlive: false };
  const error = parseFields(text, eol + 2, head.rawHeaders, maxFields, head);
  return error ?? head;
}
