/**
 * Request ids and trace context, as a sidecar Envoy does for Istio:
 * - x-request-id is generated (UUID v4) when absent and forwarded unchanged when present.
 * - W3C Trace Context: an incoming `traceparent` keeps its trace id and sampled flag; the proxy
 *   forwards a new span id (its own hop) — `tracestate` passes through untouched. Without one, a
 *   new trace starts, sampled with `samplingPercent`.
 * - B3 (Zipkin, Istio's default propagation): x-b3-traceid/-spanid/-parentspanid/-sampled (or the
 *   single `b3` header) are read when no traceparent is present, and both formats are written
 *   so that W3C and B3 applications downstream join the same trace.
 * @see https://www.w3.org/TR/trace-context/#traceparent-header
 * @see https://github.com/openzipkin/b3-propagation
 */
import { randomFillSync, randomUUID } from 'node:crypto';
import type { Exchange } from './exchange';
import { removeHeader } from './pipeline/types';

const pool = Buffer.alloc(4096);
let offset = pool.length;

/** Random lower-case hex of `bytes` bytes, from a pooled buffer (one syscall per 4 KiB). */
function randomHex(bytes: number): string {
  if (offset + bytes > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const s = pool.toString('hex', offset, offset + bytes);
  offset += bytes;
  return s;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE = '0'.repeat(32);

interface Incoming {
  traceId: string;
  parentSpanId: string;
  sampled: boolean;
}

function incoming(ex: Exchange): Incoming | null {
  const tp = ex.header('traceparent');
  if (tp !== undefined) {
    const m = TRACEPARENT.exec(tp.trim().toLowerCase());
    if (m && m[1] !== 'ff' && m[2] !== ZERO_TRACE) return { traceId: m[2]!, parentSpanId: m[3]!, sampled: (parseInt(m[4]!, 16) & 1) === 1 };
  }
  const b3 = ex.header('b3');
  if (b3 !== undefined) {
    const [traceId, spanId, sampled] = b3.split('-');
    if (traceId && spanId && /^[0-9a-f]{16,32}$/.test(traceId)) return { traceId: traceId.padStart(32, '0'), parentSpanId: spanId, sampled: sampled === '1' || sampled === 'd' };
  }
  const t = ex.header('x-b3-traceid');
  const s = ex.header('x-b3-spanid');
  if (t !== undefined && s !== undefined && /^[0-9a-f]{16,32}$/.test(t)) {
    const sampled = ex.header('x-b3-sampled');
    return { traceId: t.padStart(32, '0'), parentSpanId: s, sampled: sampled === '1' || ex.header('x-b3-flags') === '1' };
  }
  return null;
}

export function applyTracing(ex: Exchange, samplingPercent: number): void {
  let rid = ex.header('x-request-id');
  if (rid === undefined || rid === '') {
    rid = randomUUID();
    ex.headers.push('x-request-id', rid);
  }
  ex.requestId = rid;
  const inc = incoming(ex);
  const traceId = inc?.traceId ?? randomHex(16);
  const sampled = inc ? inc.sampled : samplingPercent > 0 && Math.random() * 100 < samplingPercent;
  const spanId = randomHex(8);
  const h = ex.headers;
  removeHeader(h, 'traceparent');
  removeHeader(h, 'b3');
  removeHeader(h, 'x-b3-traceid');
  removeHeader(h, 'x-b3-spanid');
  removeHeader(h, 'x-b3-parentspanid');
  removeHeader(h, 'x-b3-sampled');
  ex.traceparent = `00-${traceId}-${spanId}-${sampled ? '01' : '00'}`;
  h.push('traceparent', ex.traceparent, 'x-b3-traceid', traceId, 'x-b3-spanid', spanId, 'x-b3-sampled', sampled ? '1' : '0');
  if (inc) h.push('x-b3-parentspanid', inc.parentSpanId);
}
