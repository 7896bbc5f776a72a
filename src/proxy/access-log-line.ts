/**
 * One access log line: Envoy's default fields (as in Istio's JSON access log format) plus the
 * reporter, as a JSON object on one line. Built by concatenation rather than by filling an
 * object for JSON.stringify: the field names are constant, numbers need no escaping, and only
 * strings that come from the request (path, headers, authority) or the config need
 * JSON.stringify — which keeps logging at a few string appends per request. The output is
 * byte for byte `JSON.stringify(entry)` of the same fields (test/proxy/access-log.test.ts).
 * @see https://istio.io/latest/docs/tasks/observability/logs/access-log/#default-access-log-format
 */
import type { Exchange } from './exchange';

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
 * `JSON.stringify(v)` for a string, without the serializer's call when nothing needs escaping
 * (the common case for paths, hosts and ids): only `"`, `\`, controls below U+0020 and lone
 * surrogates are escaped by JSON.stringify (ECMA-262 QuoteJSONString).
 */
function str(v: string): string {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(v);
  }
  return `"${v}"`;
}
const opt = (v: string | null | undefined): string => (v == null ? 'null' : str(v));

// Many requests start in the same millisecond under load: format each millisecond once.
let lastMs = -1;
let lastIso = '';
function isoTime(ms: number): string {
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

export function formatAccessLogFields(f: AccessLogFields): string {
  return (
    `{"start_time":${str(f.start_time)},"reporter":"${f.reporter}","method":${str(f.method)},"path":${str(f.path)},"protocol":${str(f.protocol)}` +
    `,"response_code":${f.response_code},"response_flags":${str(f.response_flags)},"bytes_received":${f.bytes_received},"bytes_sent":${f.bytes_sent}` +
    `,"duration":${f.duration},"upstream_service_time":${f.upstream_service_time ?? 'null'},"x_forwarded_for":${opt(f.x_forwarded_for)}` +
    `,"user_agent":${opt(f.user_agent)},"request_id":${str(f.request_id)},"authority":${str(f.authority)},"upstream_host":${opt(f.upstream_host)}` +
    `,"upstream_cluster":${opt(f.upstream_cluster)},"route_name":${opt(f.route_name)},"downstream_remote_address":${str(f.downstream_remote_address)}` +
    `,"attempts":${f.attempts},"traceparent":${str(f.traceparent)}}\n`
  );
}

/** The line for a finished request; `durationMs` is measured by the caller (also used by metrics). */
export function accessLogLine(ex: Exchange, durationMs: number): string {
  const target = ex.target;
  return formatAccessLogFields({
    start_time: isoTime(ex.startTime),
    // A gateway reports as the source of the requests it sends, as Istio's ingress gateway does.
    reporter: ex.listener.kind === 'inbound' ? 'destination' : 'source',
    method: ex.method,
    path: ex.originalPath,
    protocol: ex.protocol,
    response_code: ex.status,
    response_flags: ex.flags === '' ? '-' : ex.flags,
    bytes_received: ex.bodyLength > 0 ? ex.bodyLength : 0,
    bytes_sent: ex.bytesSent,
    duration: Math.round(durationMs),
    upstream_service_time: ex.upstreamTime >= 0 ? Math.round(ex.upstreamTime) : null,
    x_forwarded_for: ex.header('x-forwarded-for') ?? null,
    user_agent: ex.header('user-agent') ?? null,
    request_id: ex.requestId,
    authority: ex.authority,
    upstream_host: ex.endpoint?.hostLabel ?? null,
    upstream_cluster: target ? target.clusterName : null,
    route_name: ex.route?.name ?? null,
    downstream_remote_address: ex.clientAddress,
    attempts: ex.attempts,
    traceparent: ex.traceparent,
  });
}
