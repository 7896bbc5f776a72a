/**
 * One access log line: Envoy's default fields (as in Istio's JSON access log format) plus the
 * reporter, as a JSON object on one line, encoded without JSON.stringify of an object: the
 * field names are constant, numbers need no escaping, and only strings that come from the
 * request (path, headers, authority) or the config need escaping. The output is byte for byte
 * `JSON.stringify(entry)` of the same fields (test/proxy/access-log.test.ts).
 * @see https://istio.io/latest/docs/tasks/observability/logs/access-log/#default-access-log-format
 */
import type { AccessLogger } from './access-log';
import type { Exchange } from './exchange';
import { isoTimestamp } from './utc-time';

/** The fields of a line, in order; `start_time` is ISO 8601 with milliseconds (UTC). */
export interface AccessLogFields {
  start_time: string;
  reporter: 'source' | 'destination';
  method: string;
  path: string;
  protocol: string;
  response_code: number;
  response_flags: string;
  bytes_received: number;
  bytes_sent: number;
  duration: number;
  upstream_service_time: number | null;
  x_forwarded_for: string | null;
  user_agent: string | null;
  request_id: string;
  authority: string;
  upstream_host: string | null;
  upstream_cluster: string | null;
  route_name: string | null;
  downstream_remote_address: string;
  attempts: number;
  traceparent: string;
}

/**
 * The line is encoded straight into the access logger's chunk (UTF-8), field by field: building
 * it as a string first cost ~40 concatenations, a flattening copy and a UTF-8 encode of the copy
 * per request — about 3 KB of garbage per request, the largest share of the proxy's allocations.
 * Strings are JSON-escaped exactly as JSON.stringify does (ECMA-262 QuoteJSONString: `"`, `\`,
 * controls below U+0020 and lone surrogates); plain printable ASCII, the common case for paths,
 * hosts and ids, is copied byte by byte, anything else is handed to JSON.stringify.
 */
const KEYS = [
  'start_time',
  'reporter',
  'method',
  'path',
  'protocol',
  'response_code',
  'response_flags',
  'bytes_received',
  'bytes_sent',
  'duration',
  'upstream_service_time',
  'x_forwarded_for',
  'user_agent',
  'request_id',
  'authority',
  'upstream_host',
  'upstream_cluster',
  'route_name',
  'downstream_remote_address',
  'attempts',
  'traceparent',
] as const satisfies ReadonlyArray<keyof AccessLogFields>;
/** `{"start_time":`, `,"reporter":`, …: the constant text before each value. */
const PREFIX = KEYS.map((k, i) => Buffer.from(`${i === 0 ? '{' : ','}"${k}":`, 'latin1'));
const NULL = Buffer.from('null', 'latin1');
const CONSTANT_BYTES = PREFIX.reduce((n, b) => n + b.length, 0) + 2; // and `}\n`
/** A number's text is at most this long (String() of any double). */
const NUMBER_BYTES = 24;

/** The constant pieces are copied with TypedArray `set` (a memcpy): a byte loop made encoding a line ~15% slower. */
function putBytes(out: Buffer, at: number, bytes: Uint8Array): number {
  out.set(bytes, at);
  return at + bytes.length;
}

/** JSON.stringify(v), UTF-8, at `at`; returns the end. */
function putString(out: Buffer, at: number, v: string): number {
  out[at++] = 0x22;
  const n = v.length;
  for (let i = 0; i < n; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x20 || c >= 0x80 || c === 0x22 || c === 0x5c) {
      // Everything before i was plain ASCII, so i never splits a surrogate pair.
      const rest = JSON.stringify(i === 0 ? v : v.slice(i));
      return at + i + out.write(rest.slice(1), at + i, 'utf8');
    }
    out[at + i] = c;
  }
  at += n;
  out[at++] = 0x22;
  return at;
}

const putOptional = (out: Buffer, at: number, v: string | null | undefined): number => (v == null ? putBytes(out, at, NULL) : putString(out, at, v));

/** `${n}` at `at`: the digits of a non-negative safe integer directly, anything else through String(). */
function putNumber(out: Buffer, at: number, n: number): number {
  if (!(Number.isSafeInteger(n) && n >= 0)) {
    const text = String(n);
    for (let i = 0; i < text.length; i++) out[at++] = text.charCodeAt(i);
    return at;
  }
  let digits = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
  let x = n;
  for (let i = at + digits - 1; i >= at; i--) {
    out[i] = 48 + (x % 10);
    x = Math.floor(x / 10);
  }
  return at + digits;
}

const stringBytes = (v: string | null | undefined): number => (v == null ? 4 : 6 * v.length + 2);

/** The most bytes the line of `f` can take: a code unit escapes to at most 6 (`\uXXXX`); UTF-8 needs at most 3. */
export function accessLogLineMaxBytes(f: AccessLogFields): number {
  return (
    CONSTANT_BYTES +
    6 * NUMBER_BYTES +
    stringBytes(f.start_time) +
    stringBytes(f.reporter) +
    stringBytes(f.method) +
    stringBytes(f.path) +
    stringBytes(f.protocol) +
    stringBytes(f.response_flags) +
    stringBytes(f.x_forwarded_for) +
    stringBytes(f.user_agent) +
    stringBytes(f.request_id) +
    stringBytes(f.authority) +
    stringBytes(f.upstream_host) +
    stringBytes(f.upstream_cluster) +
    stringBytes(f.route_name) +
    stringBytes(f.downstream_remote_address) +
    stringBytes(f.traceparent)
  );
}

/**
 * Writes the line of `f` — byte for byte the UTF-8 of `JSON.stringify(f)` and a newline
 * (test/proxy/access-log.test.ts) — into `out` at `at`, which must have
 * `accessLogLineMaxBytes(f)` bytes of room; returns the end.
 */
export function encodeAccessLogFields(f: AccessLogFields, out: Buffer, at: number): number {
  return encodeAfterStartTime(f, out, putString(out, putBytes(out, at, PREFIX[0]!), f.start_time));
}

/** Every field after `start_time`, from `at`; returns the end. */
function encodeAfterStartTime(f: AccessLogFields, out: Buffer, at: number): number {
  at = putString(out, putBytes(out, at, PREFIX[1]!), f.reporter);
  at = putString(out, putBytes(out, at, PREFIX[2]!), f.method);
  at = putString(out, putBytes(out, at, PREFIX[3]!), f.path);
  at = putString(out, putBytes(out, at, PREFIX[4]!), f.protocol);
  at = putNumber(out, putBytes(out, at, PREFIX[5]!), f.response_code);
  at = putString(out, putBytes(out, at, PREFIX[6]!), f.response_flags);
  at = putNumber(out, putBytes(out, at, PREFIX[7]!), f.bytes_received);
  at = putNumber(out, putBytes(out, at, PREFIX[8]!), f.bytes_sent);
  at = putNumber(out, putBytes(out, at, PREFIX[9]!), f.duration);
  at = putBytes(out, at, PREFIX[10]!);
  at = f.upstream_service_time === null ? putBytes(out, at, NULL) : putNumber(out, at, f.upstream_service_time);
  at = putOptional(out, putBytes(out, at, PREFIX[11]!), f.x_forwarded_for);
  at = putOptional(out, putBytes(out, at, PREFIX[12]!), f.user_agent);
  at = putString(out, putBytes(out, at, PREFIX[13]!), f.request_id);
  at = putString(out, putBytes(out, at, PREFIX[14]!), f.authority);
  at = putOptional(out, putBytes(out, at, PREFIX[15]!), f.upstream_host);
  at = putOptional(out, putBytes(out, at, PREFIX[16]!), f.upstream_cluster);
  at = putOptional(out, putBytes(out, at, PREFIX[17]!), f.route_name);
  at = putString(out, putBytes(out, at, PREFIX[18]!), f.downstream_remote_address);
  at = putNumber(out, putBytes(out, at, PREFIX[19]!), f.attempts);
  at = putString(out, putBytes(out, at, PREFIX[20]!), f.traceparent);
  out[at++] = 0x7d; // }
  out[at++] = 0x0a; // \n
  return at;
}

/** The line as a string (tests, and callers without a logger). */
export function formatAccessLogFields(f: AccessLogFields): string {
  const out = Buffer.allocUnsafe(accessLogLineMaxBytes(f));
  return out.toString('utf8', 0, encodeAccessLogFields(f, out, 0));
}

/**
 * `start_time` of the line, `"YYYY-MM-DDTHH:MM:SS.mmmZ"` (Date#toISOString's text, from
 * ./utc-time.ts, which keeps ICU's time-zone data unloaded), written as bytes:
 * the text up to the seconds is formatted once per second and the milliseconds patched in, so a
 * request allocates neither a Date nor a string (at 1 connection requests start in different
 * milliseconds, so a per-millisecond string cost one Date and one string per request).
 */
const iso = Buffer.alloc(26);
let isoSecond = NaN;
export function putStartTime(out: Buffer, at: number, ms: number): number {
  const second = Math.floor(ms / 1000);
  if (second !== isoSecond) {
    isoSecond = second;
    iso.write(`"${isoTimestamp(second * 1000)}`, 0, 'latin1');
    // Years past 9999 are longer; keep toISOString's text exactly (never in practice).
    if (iso[20] !== 0x2e /* . */) isoSecond = NaN;
  }
  if (Number.isNaN(isoSecond)) return putString(out, at, isoTimestamp(ms));
  const milli = Math.floor(ms) - second * 1000;
  iso[21] = 48 + Math.floor(milli / 100);
  iso[22] = 48 + (Math.floor(milli / 10) % 10);
  iso[23] = 48 + (milli % 10);
  iso[25] = 0x22; // the closing quote, after the 'Z'
  out.set(iso, at);
  return at + 26;
}

/**
 * One fields record, filled in place for every line: the line is encoded before `logAccess`
 * returns (no re-entry), and a fresh object of 21 fields per request was ~0.25 KB of the
 * proxy's garbage per request (docs/performance.md). It keeps the last request's strings alive
 * until the next one.
 */
const scratch: AccessLogFields = {
  // Written from the exchange's start by putStartTime; this stand-in of the same length only sizes the line.
  start_time: '0000-00-00T00:00:00.000Z',
  reporter: 'source',
  method: '',
  path: '',
  protocol: '',
  response_code: 0,
  response_flags: '',
  bytes_received: 0,
  bytes_sent: 0,
  duration: 0,
  upstream_service_time: null,
  x_forwarded_for: null,
  user_agent: null,
  request_id: '',
  authority: '',
  upstream_host: null,
  upstream_cluster: null,
  route_name: null,
  downstream_remote_address: '',
  attempts: 0,
  traceparent: '',
};

/** The line for a finished request, written into the logger's chunk; `durationMs` is measured by the caller (also used by metrics). */
export function logAccess(logger: AccessLogger, ex: Exchange, durationMs: number): void {
  const f = fillAccessLogFields(scratch, ex, durationMs);
  const out = logger.reserve(accessLogLineMaxBytes(f));
  if (out === null) return;
  const at = putStartTime(out, putBytes(out, logger.reserved, PREFIX[0]!), ex.startTime);
  logger.commit(encodeAfterStartTime(f, out, at));
}

/** Fills `f` with the fields of the line for a finished request but `start_time` (written as bytes by `logAccess`); returns it. */
function fillAccessLogFields(f: AccessLogFields, ex: Exchange, durationMs: number): AccessLogFields {
  const target = ex.target;
  // A gateway reports as the source of the requests it sends, as Istio's ingress gateway does.
  f.reporter = ex.listener.kind === 'inbound' ? 'destination' : 'source';
  f.method = ex.method;
  f.path = ex.originalPath;
  f.protocol = ex.protocol;
  f.response_code = ex.status;
  f.response_flags = ex.flags === '' ? '-' : ex.flags;
  f.bytes_received = ex.bodyLength > 0 ? ex.bodyLength : 0;
  f.bytes_sent = ex.bytesSent;
  f.duration = Math.round(durationMs);
  f.upstream_service_time = ex.upstreamTime >= 0 ? Math.round(ex.upstreamTime) : null;
  f.x_forwarded_for = ex.header('x-forwarded-for') ?? null;
  f.user_agent = ex.header('user-agent') ?? null;
  f.request_id = ex.requestId;
  f.authority = ex.authority;
  f.upstream_host = ex.endpoint?.hostLabel ?? null;
  f.upstream_cluster = target ? target.clusterName : null;
  f.route_name = ex.route?.name ?? null;
  f.downstream_remote_address = ex.clientAddress;
  f.attempts = ex.attempts;
  f.traceparent = ex.traceparent;
  return f;
}
