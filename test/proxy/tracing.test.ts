import { describe, expect, it } from 'vitest';
import { Exchange } from '../../src/proxy/exchange';
import type { ListenerRuntime, Runtime } from '../../src/proxy/runtime';
import { applyTracing } from '../../src/proxy/tracing';

const listener: ListenerRuntime = { kind: 'outbound', draining: false, finish: () => {} };
const exchange = (rawHeaders: string[]): Exchange => new Exchange({ method: 'GET', target: '/', protocol: 'HTTP/1.1', rawHeaders: ['Host', 'app', ...rawHeaders], clientAddress: '127.0.0.1' }, listener, {} as Runtime);
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('request ids and trace context', () => {
  it('generates distinct UUID v4 request ids and fresh trace and span ids, across refills of the random pool', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const ex = exchange([]);
      applyTracing(ex, 100);
      expect(ex.requestId).toMatch(UUID_V4);
      expect(ex.header('x-request-id')).toBe(ex.requestId);
      expect(ex.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      const [, trace, span] = ex.traceparent.split('-');
      expect(ex.header('x-b3-traceid')).toBe(trace);
      expect(ex.header('x-b3-spanid')).toBe(span);
      for (const id of [ex.requestId, trace!, span!]) {
        expect(seen.has(id)).toBe(false);
        seen.add(id);
      }
    }
  });

  it('an unsampled fresh trace says 00 in both formats, and a request never inherits the previous request’s trace headers', () => {
    const joined = exchange(['x-request-id', 'prev-id', 'traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01']);
    applyTracing(joined, 0);
    expect(joined.traceparent).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
    const fresh = exchange([]);
    applyTracing(fresh, 0);
    expect(fresh.requestId).toMatch(UUID_V4);
    expect(fresh.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
    expect(fresh.traceparent).not.toContain('0af7651916cd43dd8448eb211c80319c');
    expect(fresh.header('x-b3-sampled')).toBe('0');
    expect(fresh.header('x-b3-parentspanid')).toBeUndefined();
    expect(fresh.header('x-b3-traceid')).toBe(fresh.traceparent.slice(3, 35));
  });

  it('keeps a given request id and trace, and replaces every b3/traceparent header, x-b3-parentspanid alone included', () => {
    const ex = exchange(['X-Request-Id', 'abc', 'x-b3-parentspanid', '1111111111111111', 'tracestate', 'k=v', 'x-b3-flags', '1', 'Traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00', 'traceparent', '00-ffffffffffffffffffffffffffffffff-ffffffffffffffff-01']);
    applyTracing(ex, 0);
    expect(ex.requestId).toBe('abc');
    // The first traceparent counts (not sampled, 00); x-b3-flags is read only without a traceparent, and passed on.
    expect(ex.traceparent).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-00$/);
    const names = ex.headers.filter((_, i) => i % 2 === 0);
    expect(names).toEqual(['x-request-id', 'tracestate', 'x-b3-flags', 'host', 'traceparent', 'x-b3-traceid', 'x-b3-spanid', 'x-b3-sampled', 'x-b3-parentspanid']);
    expect(ex.header('x-b3-parentspanid')).toBe('b7ad6b7169203331');
    // A stale parent span id alone is dropped too (a new trace starts: it has no parent).
    const stale = exchange(['x-b3-parentspanid', '1111111111111111']);
    applyTracing(stale, 100);
    expect(stale.header('x-b3-parentspanid')).toBeUndefined();
  });

  it('joins a B3 trace (single header, then multi-header) when there is no traceparent', () => {
    const single = exchange(['b3', '80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1']);
    applyTracing(single, 0);
    expect(single.traceparent).toMatch(/^00-80f198ee56343ba864fe8b2a57d3eff7-[0-9a-f]{16}-01$/);
    expect(single.header('b3')).toBeUndefined();
    const multi = exchange(['X-B3-TraceId', '463ac35c9f6413ad', 'X-B3-SpanId', 'a2fb4a1d1a96d312', 'X-B3-Flags', '1']);
    applyTracing(multi, 0);
    expect(multi.traceparent).toMatch(/^00-0000000000000000463ac35c9f6413ad-[0-9a-f]{16}-01$/);
    expect(multi.header('x-b3-parentspanid')).toBe('a2fb4a1d1a96d312');
  });
});
