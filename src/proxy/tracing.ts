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
import { randomFillSync } from 'node:crypto';
import type { Exchange } from './exchange';

/**
 * Random bytes for ids, refilled from the CSPRNG one pool at a time (one call per ~200
 * requests). A request's ids — its x-request-id (a UUID v4), trace id and span id — are written
 * as hex into one scratch buffer and read out as one string: crypto.randomUUID() builds its
 * string from 20 concatenated pieces, and that garbage showed in the proxy's allocation profile.
 */
const pool = Buffer.alloc(8192);
let offset = pool.length;
const HEX = Buffer.from('0123456789abcdef', 'latin1');
/** uuid (36) + trace id (32) + span id (16). */
const scratch = Buffer.alloc(84);
const UUID_DASHES = [8, 13, 18, 23];

function randomBytes(n: number): number {
  if (offset + n > pool.length) {
    randomFillSync(pool);
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

/** A random UUID v4 (RFC 9562 §5.4) followed by 32 + 16 random hex digits, as one string. */
function freshIds(): string {
  const at = randomBytes(40);
  pool[at + 6] = (pool[at + 6]! & 0x0f) | 0x40; // version 4
  pool[at + 8] = (pool[at + 8]! & 0x3f) | 0x80; // variant 10
  let to = 0;
  let from = at;
  for (const dash of UUID_DASHES) {
    const bytes = (dash - to) >> 1;
    to = hexInto(from, bytes, to);
    from += bytes;
    scratch[to++] = 45; // '-'
  }
  to = hexInto(from, 6, to);
  hexInto(at + 16, 24, to);
  return scratch.toString('latin1', 0, 84);
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

  constructor(h: readonly string[]) {
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
  }
}

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
  const t = new TraceHeaders(h);
  const ids = freshIds();
  let rid = t.requestId;
  if (rid === undefined || rid === '') {
    rid = ids.slice(0, 36);
    h.push('x-request-id', rid);
  }
  ex.requestId = rid;
  const inc = incoming(t);
  const traceId = inc?.traceId ?? ids.slice(36, 68);
  const sampled = inc ? inc.sampled : samplingPercent > 0 && Math.random() * 100 < samplingPercent;
  const spanId = ids.slice(68, 84);
  if (t.replaced) removeReplaced(h);
  ex.traceparent = `00-${traceId}-${spanId}-${sampled ? '01' : '00'}`;
  h.push('traceparent', ex.traceparent, 'x-b3-traceid', traceId, 'x-b3-spanid', spanId, 'x-b3-sampled', sampled ? '1' : '0');
  if (inc) h.push('x-b3-parentspanid', inc.parentSpanId);
}
