/**
 * The head parsers' output as the pipeline reads it: field names in lower case — common ones as
 * the parser's interned constants, not fresh strings — values untouched, status codes read by
 * character, and the response's hop-by-hop fields dropped in place.
 */
import { describe, expect, it } from 'vitest';
import { forwardableResponseHeaders } from '../../src/proxy/exchange';
import { parseRequestHead } from '../../src/proxy/http1/request-head';
import { parseResponseHead } from '../../src/proxy/http1/response-head';
import { HeadError } from '../../src/proxy/http1/syntax';

const limits = { maxFields: 100 };

describe('field names', () => {
  it('come out in lower case, common and uncommon ones alike, values as received', () => {
    const head = parseRequestHead('GET / HTTP/1.1\r\nHOST: Shop.Example\r\nX-Custom-Thing: MiXeD\r\nContent-Type: Text/Plain\r\nuser-agent: a\r\nX-B3-TraceId: AB\r\n\r\n', limits);
    expect(head).not.toBeInstanceOf(HeadError);
    expect((head as Exclude<typeof head, HeadError>).rawHeaders).toEqual(['host', 'Shop.Example', 'x-custom-thing', 'MiXeD', 'content-type', 'Text/Plain', 'user-agent', 'a', 'x-b3-traceid', 'AB']);
  });

  it('a token name that differs from a common one only in a non-letter is its own name', () => {
    // '^' | 0x20 is '~' and '_' | 0x20 is DEL: neither may be taken for the '-' of content-length.
    const head = parseRequestHead('GET / HTTP/1.1\r\nHost: a\r\nContent_Length: 5\r\nContent^Length: 6\r\nX-B3~SpanId: 7\r\n\r\n', limits) as Exclude<ReturnType<typeof parseRequestHead>, HeadError>;
    expect(head.rawHeaders).toEqual(['host', 'a', 'content_length', '5', 'content^length', '6', 'x-b3~spanid', '7']);
    expect(head.contentLength).toBe(-1);
  });

  it('framing fields are recognized in any case', () => {
    const head = parseRequestHead('POST / HTTP/1.1\r\nhOsT: a\r\nCONTENT-LENGTH: 12\r\nCoNnEcTiOn: close\r\n\r\n', limits) as Exclude<ReturnType<typeof parseRequestHead>, HeadError>;
    expect(head.contentLength).toBe(12);
    expect(head.close).toBe(true);
    const bad = parseRequestHead('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTRANSFER-ENCODING: chunked\r\n\r\n', limits);
    expect(bad).toBeInstanceOf(HeadError);
    expect((bad as HeadError).status).toBe(400);
    expect(parseRequestHead('GET / HTTP/1.1\r\nHOST: a\r\nhost: b\r\n\r\n', limits)).toBeInstanceOf(HeadError);
  });
});

describe('malformed field lines', () => {
  // The name is scanned once (token characters up to the colon); which fault a line reports
  // stays what it was when the colon was looked up first: no colon on the line, then a bad name.
  const reason = (line: string): string => {
    const r = parseRequestHead(`GET / HTTP/1.1\r\nhost: a\r\n${line}\r\n\r\n`, limits);
    return r instanceof HeadError ? `${r.status} ${r.reason}` : 'accepted';
  };
  it.each([
    ['x-a: 1', 'accepted'],
    ['x-a:1', 'accepted'],
    ['x-a', '400 header line without colon'],
    ['bad field', '400 header line without colon'],
    ['x a: 1', '400 invalid header name'],
    ['x-a : 1', '400 invalid header name'],
    [': 1', '400 invalid header name'],
    ['x\u00e9: 1', '400 invalid header name'],
    ['x-a\x00: 1', '400 invalid header name'],
    [' x-a: 1', '400 obsolete line folding'],
    ['x-a: \x01', '400 invalid header value character'],
  ])('%j: %s', (line, expected) => {
    expect(reason(line)).toBe(expected);
  });

  it('a colon on a later line is not this line\'s colon', () => {
    expect(reason('x a\r\nx-b: 1')).toBe('400 header line without colon');
    expect(reason('x-a\r\nx-b: 1')).toBe('400 header line without colon');
  });
});

describe('response status line', () => {
  it('reads three digits, the first 1–9, followed by a space or the line end', () => {
    const ok = (line: string): number => {
      const r = parseResponseHead(`${line}\r\n\r\n`, 100);
      return r instanceof HeadError ? -r.status : r.status;
    };
    expect(ok('HTTP/1.1 200 OK')).toBe(200);
    expect(ok('HTTP/1.1 503')).toBe(503);
    expect(ok('HTTP/1.0 101 Switching')).toBe(101);
    expect(ok('HTTP/1.1 099 Low')).toBe(-400);
    expect(ok('HTTP/1.1 2x0 OK')).toBe(-400);
    expect(ok('HTTP/1.1 20')).toBe(-400);
    expect(ok('HTTP/1.1 2000 OK')).toBe(-400);
    expect(ok('HTTP/1.1 200OK')).toBe(-400);
  });
});

describe('forwardable response headers', () => {
  it('drops hop-by-hop fields in place, keeping the others in order', () => {
    const r = parseResponseHead('HTTP/1.1 200 OK\r\nServer: nginx\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n', 100);
    if (r instanceof HeadError) throw new Error(r.reason);
    const list = r.rawHeaders;
    const out = forwardableResponseHeaders(list);
    expect(out).toBe(list);
    expect(out).toEqual(['server', 'nginx', 'content-type', 'text/plain', 'x-a', '1']);
  });
});
