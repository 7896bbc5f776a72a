/**
 * Istio standard metrics, so existing Istio dashboards and alerts work unchanged:
 * istio_requests_total (counter), istio_request_duration_milliseconds, istio_request_bytes,
 * istio_response_bytes (histograms), with Istio's label set (reporter, source_* and
 * destination_* workload/namespace/app/version/principal/cluster, destination_service*,
 * request_protocol, response_code, grpc_response_status, response_flags,
 * connection_security_policy).
 * @see https://istio.io/latest/docs/reference/config/metrics/
 *
 * Hand-rolled rather than prom-client: on the request path prom-client hashes a label object
 * per observation (~20 labels here) and allocates; here the fixed part of the label set is
 * rendered once per destination subset at config load, and an observation is two Map lookups
 * and a few array increments. Rendering happens only on scrape. Snapshots are plain data so
 * that the primary of a multi-worker proxy can sum its workers' series.
 */
const DURATION_BUCKETS = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000];
const BYTES_BUCKETS = [1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000];

export function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Renders labels `a="b",c="d"` in the given order. */
export function labelText(labels: ReadonlyArray<readonly [string, string]>): string {
  return labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',');
}

export interface PeerLabels {
  workload: string;
  namespace: string;
  app: string;
  version: string;
  principal: string;
  cluster: string;
}

export const UNKNOWN_PEER: PeerLabels = { workload: 'unknown', namespace: 'unknown', app: 'unknown', version: 'unknown', principal: 'unknown', cluster: 'unknown' };

export interface DestinationService {
  service: string;
  name: string;
  namespace: string;
}

/**
 * Istio's `connection_security_policy`: `mutual_tls` or `none` as the destination saw the
 * connection; `unknown` when the source reports (it cannot tell what the server enforced).
 */
export type SecurityPolicy = 'mutual_tls' | 'none' | 'unknown';

/** The fixed part of a request's label set (everything but response_code, grpc_response_status and response_flags). */
export function requestLabelKey(reporter: 'source' | 'destination', src: PeerLabels, dst: PeerLabels, svc: DestinationService, policy: SecurityPolicy = reporter === 'source' ? 'unknown' : 'none'): string {
  return labelText([
    ['reporter', reporter],
    ['source_workload', src.workload],
    ['source_workload_namespace', src.namespace],
    ['source_principal', src.principal],
    ['source_app', src.app],
    ['source_version', src.version],
    ['source_cluster', src.cluster],
    ['destination_workload', dst.workload],
    ['destination_workload_namespace', dst.namespace],
    ['destination_principal', dst.principal],
    ['destination_app', dst.app],
    ['destination_version', dst.version],
    ['destination_service', svc.service],
    ['destination_service_name', svc.name],
    ['destination_service_namespace', svc.namespace],
    ['destination_cluster', dst.cluster],
    ['request_protocol', 'http'],
    ['connection_security_policy', policy],
  ]);
}

interface Series {
  key: string;
  code: number;
  /** `grpc_response_status`: the gRPC status code of a gRPC request, '' for others (Istio). */
  grpc: string;
  flags: string;
  count: number;
  duration: number[];
  durationSum: number;
  requestBytes: number[];
  requestBytesSum: number;
  responseBytes: number[];
  responseBytesSum: number;
}

export interface MetricsSnapshot {
  series: Series[];
  /** Full sample line name{labels} → value; counters and gauges are summed across workers. */
  counters: Record<string, number>;
  gauges: Record<string, number>;
}

function bucketIndex(buckets: readonly number[], v: number): number {
  for (let i = 0; i < buckets.length; i++) if (v <= buckets[i]!) return i;
  return buckets.length;
}

export class IstioMetrics {
  private readonly byKey = new Map<string, Map<string, Series>>();
  private readonly counters = new Map<string, number>();

  record(key: string, code: number, flags: string, durationMs: number, requestBytes: number, responseBytes: number, grpc = ''): void {
    let inner = this.byKey.get(key);
    if (inner === undefined) this.byKey.set(key, (inner = new Map()));
    const sub = grpc === '' ? (flags === '' ? String(code) : code + '|' + flags) : code + '|' + flags + '|' + grpc;
    let s = inner.get(sub);
    if (s === undefined) {
      s = {
        key,
        code,
        grpc,
        flags: flags === '' ? '-' : flags,
        count: 0,
        duration: new Array<number>(DURATION_BUCKETS.length + 1).fill(0),
        durationSum: 0,
        requestBytes: new Array<number>(BYTES_BUCKETS.length + 1).fill(0),
        requestBytesSum: 0,
        responseBytes: new Array<number>(BYTES_BUCKETS.length + 1).fill(0),
        responseBytesSum: 0,
      };
      inner.set(sub, s);
    }
    s.count++;
    s.duration[bucketIndex(DURATION_BUCKETS, durationMs)]!++;
    s.durationSum += durationMs;
    s.requestBytes[bucketIndex(BYTES_BUCKETS, requestBytes)]!++;
    s.requestBytesSum += requestBytes;
    s.responseBytes[bucketIndex(BYTES_BUCKETS, responseBytes)]!++;
    s.responseBytesSum += responseBytes;
  }

  /** Increments a proxy counter, e.g. inc('weft_proxy_config_reloads_total{result="rejected"}'). */
  inc(sample: string, by = 1): void {
    this.counters.set(sample, (this.counters.get(sample) ?? 0) + by);
  }

  snapshot(gauges: Record<string, number> = {}): MetricsSnapshot {
    const series: Series[] = [];
    for (const inner of this.byKey.values()) for (const s of inner.values()) series.push(s);
    return { series, counters: Object.fromEntries(this.counters), gauges };
  }
}

const HELP: Record<string, [type: string, help: string]> = {
  istio_requests_total: ['counter', 'Requests handled, Istio standard metric.'],
  istio_request_duration_milliseconds: ['histogram', 'Request duration in milliseconds, Istio standard metric.'],
  istio_request_bytes: ['histogram', 'Request body size in bytes, Istio standard metric.'],
  istio_response_bytes: ['histogram', 'Response body size in bytes, Istio standard metric.'],
};

function histogram(out: string[], name: string, labels: string, buckets: readonly number[], counts: readonly number[], sum: number, count: number): void {
  let cumulative = 0;
  for (let i = 0; i < buckets.length; i++) {
    cumulative += counts[i]!;
    out.push(`${name}_bucket{${labels},le="${buckets[i]}"} ${cumulative}`);
  }
  out.push(`${name}_bucket{${labels},le="+Inf"} ${count}`);
  out.push(`${name}_sum{${labels}} ${sum}`);
  out.push(`${name}_count{${labels}} ${count}`);
}

/** HELP and TYPE of the proxy's own series (the Istio series carry theirs in the renderer). */
export const METRIC_HELP: Record<string, [string, string]> = {
  weft_proxy_config_reloads_total: ['counter', 'Config reloads by result (applied, rejected).'],
  weft_proxy_config_info: ['gauge', 'The active config, by hash (value 1 per process).'],
  weft_proxy_requests_active: ['gauge', 'Requests in flight by listener.'],
  weft_proxy_downstream_client_errors_total: ['counter', 'Malformed client requests answered with 4xx by listener.'],
  weft_proxy_upstream_ejections_total: ['counter', 'Outlier ejections by service (since the config was loaded).'],
  weft_proxy_upstream_ejected_hosts: ['gauge', 'Hosts currently ejected by service.'],
  weft_proxy_upstream_overflow_total: ['counter', 'Requests rejected by circuit breaking (UO) by service (since the config was loaded).'],
  weft_proxy_upstream_pending_requests: ['gauge', 'Requests waiting for a connection slot by service.'],
  weft_proxy_mirror_requests_total: ['counter', 'Mirrored requests by result (sent, dropped, failed).'],
  weft_proxy_access_log_dropped_total: ['counter', 'Access log lines dropped because the sink could not keep up.'],
  weft_proxy_worker_info: ['gauge', 'One series per live worker process (multi-worker mode).'],
  weft_proxy_internal_errors_total: ['counter', 'Requests the proxy ended because one of its own request-chain steps broke the handler contract (kind response_order): a bug to report, answered with a reset or a 503.'],
  weft_proxy_fallbacks_total: ['counter', 'Requests answered by a declared fallback, by reason (circuit-open, rate-limited, timeout, 5xx, connect-failure).'],
  weft_proxy_switch_answers_total: ['counter', 'Requests answered by a degradation switch that is on, by switch.'],
  weft_proxy_switch_state: ['gauge', 'Degradation switch state by switch (1 on, 0 off).'],
  weft_proxy_circuit_state: ['gauge', 'Ratio breaker state by service (1 for the current state of closed, open, half-open).'],
  weft_proxy_circuit_transitions_total: ['counter', 'Ratio breaker transitions into each state, by service (since the last config reload).'],
  weft_proxy_shaping_queued: ['gauge', 'Requests waiting in a leaky-bucket shaping queue, by route.'],
  weft_proxy_shaping_overflow_total: ['counter', 'Requests answered 429 because the shaping queue was full, by route.'],
  process_resident_memory_bytes: ['gauge', 'Resident memory size in bytes (summed over workers).'],
  weft_proxy_jwt_rejected_total: ['counter', 'Requests answered 401 by JWT authentication (invalid or missing token).'],
  weft_proxy_authz_denied_total: ['counter', 'Requests answered 403 by authorization.'],
  weft_proxy_jwks_fetches_total: ['counter', 'JWKS fetches by JWT rule.'],
  weft_proxy_jwks_fetch_failures_total: ['counter', 'Failed JWKS fetches by JWT rule (the last good key set keeps serving).'],
  weft_proxy_inbound_connections_total: ['counter', 'Inbound connections by transport (mtls, plaintext, rejected).'],
  weft_proxy_certificate_rotations_total: ['counter', 'Workload certificate rotations picked up from disk.'],
  weft_proxy_gateway_tls_handshakes_total: ['counter', 'TLS handshakes of gateway servers by server and result (accepted, rejected).'],
  weft_proxy_gateway_certificate_expiry_timestamp_seconds: ['gauge', 'notAfter of the server certificate each gateway server uses (Unix seconds).'],
  weft_proxy_discovery_updates_total: ['counter', 'Successful discovery lookups by source.'],
  weft_proxy_discovery_failures_total: ['counter', 'Failed discovery lookups by source (the last good endpoints keep serving).'],
  weft_proxy_discovery_endpoints: ['gauge', 'Endpoints currently known by discovery source (-1: no answer yet).'],
  weft_proxy_spans_exported_total: ['counter', 'Spans accepted by the OTLP collector.'],
  weft_proxy_spans_dropped_total: ['counter', 'Spans dropped by reason (queue_full, export_failed): the collector never slows requests down.'],
  weft_proxy_spans_queued: ['gauge', 'Spans waiting for export.'],
  istio_tcp_connections_opened_total: ['counter', 'TCP connections opened, Istio standard metric.'],
  istio_tcp_connections_closed_total: ['counter', 'TCP connections closed, Istio standard metric.'],
  istio_tcp_sent_bytes_total: ['counter', 'Bytes sent to the client on TCP connections, Istio standard metric.'],
  istio_tcp_received_bytes_total: ['counter', 'Bytes received from the client on TCP connections, Istio standard metric.'],
  weft_proxy_tcp_connections_active: ['gauge', 'Open TCP connections by listener.'],
  weft_proxy_tcp_denied_total: ['counter', 'Inbound TCP connections closed by authorization, by listener and matched policy (none: no ALLOW matched).'],
  weft_proxy_certificate_expiry_timestamp_seconds: ['gauge', 'notAfter of the workload certificate in use (Unix seconds).'],
};

/** Prometheus text exposition (format 0.0.4) of one or more snapshots, summed. */
export function renderMetrics(snapshots: readonly MetricsSnapshot[], help: Record<string, [string, string]> = {}): string {
  const merged = new Map<string, Series>();
  const counters = new Map<string, number>();
  const gauges = new Map<string, number>();
  for (const snap of snapshots) {
    for (const s of snap.series) {
      const id = `${s.key}|${s.code}|${s.flags}|${s.grpc}`;
      const m = merged.get(id);
      if (!m) {
        merged.set(id, { ...s, duration: [...s.duration], requestBytes: [...s.requestBytes], responseBytes: [...s.responseBytes] });
        continue;
      }
      m.count += s.count;
      m.durationSum += s.durationSum;
      m.requestBytesSum += s.requestBytesSum;
      m.responseBytesSum += s.responseBytesSum;
      s.duration.forEach((v, i) => (m.duration[i]! += v));
      s.requestBytes.forEach((v, i) => (m.requestBytes[i]! += v));
      s.responseBytes.forEach((v, i) => (m.responseBytes[i]! += v));
    }
    for (const [k, v] of Object.entries(snap.counters)) counters.set(k, (counters.get(k) ?? 0) + v);
    for (const [k, v] of Object.entries(snap.gauges)) gauges.set(k, (gauges.get(k) ?? 0) + v);
  }
  const out: string[] = [];
  const all = [...merged.values()];
  const labelsOf = (s: Series): string => `${s.key},response_code="${s.code}",grpc_response_status="${s.grpc}",response_flags="${escapeLabel(s.flags)}"`;
  const header = (name: string, meta: [string, string] | undefined): void => {
    if (meta) out.push(`# HELP ${name} ${meta[1]}`, `# TYPE ${name} ${meta[0]}`);
  };
  header('istio_requests_total', HELP.istio_requests_total);
  for (const s of all) out.push(`istio_requests_total{${labelsOf(s)}} ${s.count}`);
  header('istio_request_duration_milliseconds', HELP.istio_request_duration_milliseconds);
  for (const s of all) histogram(out, 'istio_request_duration_milliseconds', labelsOf(s), DURATION_BUCKETS, s.duration, s.durationSum, s.count);
  header('istio_request_bytes', HELP.istio_request_bytes);
  for (const s of all) histogram(out, 'istio_request_bytes', labelsOf(s), BYTES_BUCKETS, s.requestBytes, s.requestBytesSum, s.count);
  header('istio_response_bytes', HELP.istio_response_bytes);
  for (const s of all) histogram(out, 'istio_response_bytes', labelsOf(s), BYTES_BUCKETS, s.responseBytes, s.responseBytesSum, s.count);
  const byName = (m: Map<string, number>, type: string): void => {
    const names = [...new Set([...m.keys()].map((k) => k.replace(/\{.*$/, '')))].sort();
    for (const name of names) {
      const h = help[name];
      out.push(`# HELP ${name} ${h?.[1] ?? name}`, `# TYPE ${name} ${h?.[0] ?? type}`);
      for (const [k, v] of [...m].filter(([k]) => k === name || k.startsWith(name + '{')).sort()) out.push(`${k} ${v}`);
    }
  };
  byName(counters, 'counter');
  byName(gauges, 'gauge');
  return out.join('\n') + '\n';
}
