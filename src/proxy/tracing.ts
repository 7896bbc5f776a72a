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
import { fillRandom } from './random-fill';
import type { Exchange } from './exchange';

/**
 * Random bytes for ids, refilled from the CSPRNG one pool at a time (one call per ~200
 * requests). A request's ids are written as hex into one scratch buffer, already laid out as
 * the outgoing `traceparent` followed by the x-request-id (a UUID v4), and read out as one
 * string whose slices are the trace id, span id, traceparent and request id: crypto.randomUUID()
 * builds its string from 20 concatenated pieces, and a traceparent built by concatenation is a
 * rope that is copied flat again when the head and the access log read it — garbage that showed
 * in the proxy's allocation profile.
 */
const pool = Buffer.alloc(8192);
let offset = pool.length;
const HEX = Buffer.from('0123456789abcdef', 'latin1');
/** `00-<trace id 32>-<span id 16>-0<flag>` (55) then the uuid (36). */
const scratch = Buffer.from(`00-${'0'.repeat(32)}-${'0'.repeat(16)}-00${'0'.repeat(36)}`, 'latin1');
const TRACE_AT = 3;
const SPAN_AT = 36;
const FLAG_AT = 54;
const TRACEPARENT_END = 55;
const UUID_AT = 55;
const UUID_DASHES = [8, 13, 18, 23];

function randomBytes(n: number): number {
  if (offset + n > pool.length) {
    fillRandom(pool);
    offset = 0;
  }
  const at = offset;
  offset += n;
  return at;
}

function hexInto(from: number, bytes: number, to: number): number {
  for (let i = 0; i < bytes; i++) {
    const b = pool[from + i]!;
    scratch[to++] = HEX[b >> 4]!;
    scratch[to++] = HEX[b & 15]!;
  }
  return to;
}

/**
 * A fresh traceparent (random trace and span ids, the sampled flag given) followed by a random
 * UUID v4 (RFC 9562 §5.4), as one string (layout: `scratch`).
 */
function freshIds(sampled: boolean): string {
  const at = randomBytes(40);
  hexInto(at, 16, TRACE_AT);
  hexInto(at + 16, 8, SPAN_AT);
  scratch[FLAG_AT] = sampled ? 49 : 48; // '1' | '0'
  const u = at + 24;
  pool[u + 6] = (pool[u + 6]! & 0x0f) | 0x40; // version 4
  pool[u + 8] = (pool[u + 8]! & 0x3f) | 0x80; // variant 10
  let to = UUID_AT;
  let from = u;
  for (const dash of UUID_DASHES) {
    const bytes = (UUID_AT + dash - to) >> 1;
    to = hexInto(from, bytes, to);
    from += bytes;
    scratch[to++] = 45; // '-'
  }
  hexInto(from, 6, to);
  return scratch.toString('latin1');
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE = '0'.repeat(32);

interface Incoming {
  traceId: string;
  parentSpanId: string;
  sampled: boolean;
}

/** The trace headers of a request, first occurrence of each, found in one pass over its headers. */
class TraceHeaders {
  requestId: string | undefined = undefined;
  traceparent: string | undefined = undefined;
  b3: string | undefined = undefined;
  traceIdB3: string | undefined = undefined;
  spanIdB3: string | undefined = undefined;
  sampledB3: string | undefined = undefined;
  flagsB3: string | undefined = undefined;
  /** A header the proxy replaces (traceparent, b3, x-b3-*) is present. */
  replaced = false;

  /** Reads the headers of the next request (one instance serves every request: no object per request). */
  read(h: readonly string[]): this {
    this.requestId = this.traceparent = this.b3 = this.traceIdB3 = this.spanIdB3 = this.sampledB3 = this.flagsB3 = undefined;
    this.replaced = false;
    for (let i = 0; i < h.length; i += 2) {
      const name = h[i]!;
      const c = name.charCodeAt(0);
      if (c !== 120 /* x */ && c !== 116 /* t */ && c !== 98 /* b */) continue;
      const value = h[i + 1]!;
      if (name === 'x-request-id') this.requestId ??= value;
      else if (name === 'traceparent') this.traceparent ??= value;
      else if (name === 'b3') this.b3 ??= value;
      else if (name === 'x-b3-traceid') this.traceIdB3 ??= value;
      else if (name === 'x-b3-spanid') this.spanIdB3 ??= value;
      else if (name === 'x-b3-sampled') this.sampledB3 ??= value;
      else if (name === 'x-b3-flags') this.flagsB3 ??= value;
      else if (name !== 'x-b3-parentspanid') continue;
      if (isReplaced(name)) this.replaced = true;
    }
    return this;
  }
}

const traceHeaders = new TraceHeaders();

/** Headers the proxy writes anew on every request (x-b3-flags is read, and passed on). */
const isReplaced = (name: string): boolean => name === 'traceparent' || name === 'b3' || name === 'x-b3-traceid' || name === 'x-b3-spanid' || name === 'x-b3-parentspanid' || name === 'x-b3-sampled';

function incoming(t: TraceHeaders): Incoming | null {
  const tp = t.traceparent;
  if (tp !== undefined) {
    const m = TRACEPARENT.exec(tp.trim().toLowerCase());
    if (m && m[1] !== 'ff' && m[2] !== ZERO_TRACE) return { traceId: m[2]!, parentSpanId: m[3]!, sampled: (parseInt(m[4]!, 16) & 1) === 1 };
  }
  const b3 = t.b3;
  if (b3 !== undefined) {
    const [traceId, spanId, sampled] = b3.split('-');
    if (traceId && spanId && /^[0-9a-f]{16,32}$/.test(traceId)) return { traceId: traceId.padStart(32, '0'), parentSpanId: spanId, sampled: sampled === '1' || sampled === 'd' };
  }
  const tid = t.traceIdB3;
  const sid = t.spanIdB3;
  if (tid !== undefined && sid !== undefined && /^[0-9a-f]{16,32}$/.test(tid)) {
    return { traceId: tid.padStart(32, '0'), parentSpanId: sid, sampled: t.sampledB3 === '1' || t.flagsB3 === '1' };
  }
  return null;
}

/** Removes every traceparent/b3/x-b3-* header the proxy replaces, keeping the others in order. */
function removeReplaced(h: string[]): void {
  let to = 0;
  for (let i = 0; i < h.length; i += 2) {
    if (isReplaced(h[i]!)) continue;
    h[to] = h[i]!;
    h[to + 1] = h[i + 1]!;
    to += 2;
  }
  h.length = to;
}

export function applyTracing(ex: Exchange, samplingPercent: number): void {
  const h = ex.headers;
  const t = traceHeaders.read(h);
  const inc = incoming(t);
  const sampled = inc ? inc.sampled : samplingPercent > 0 && Math.random() * 100 < samplingPercent;
  const ids = freshIds(sampled);
  let rid = t.requestId;
  if (rid === undefined || rid === '') {
    rid = ids.slice(UUID_AT);
    h.push('x-request-id', rid);
  }
  ex.requestId = rid;
  const spanId = ids.slice(SPAN_AT, SPAN_AT + 16);
  let traceId: string;
  if (inc === null) {
    traceId = ids.slice(TRACE_AT, TRACE_AT + 32);
    ex.traceparent = ids.slice(0, TRACEPARENT_END);
  } else {
    traceId = inc.traceId;
    ex.traceparent = `00-${traceId}-${spanId}-${sampled ? '01' : '00'}`;
  }
  if (t.replaced) removeReplaced(h);
  h.push('traceparent', ex.traceparent, 'x-b3-traceid', traceId, 'x-b3-spanid', spanId, 'x-b3-sampled', sampled ? '1' : '0');
  if (inc) h.push('x-b3-parentspanid', inc.parentSpanId);
}
